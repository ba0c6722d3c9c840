// node_rapl_<zone>_joules_total per RAPL power zone in /sys/class/powercap (Intel/AMD energy
// counters). Zone "package-0" is served as zone "package", index "0"; zones named without an
// index are numbered in directory order. The path label is the zone's sysfs directory.
#include <filesystem>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// A zone name as a metric name part: node_exporter's SanitizeMetricName (anything outside
// [a-zA-Z0-9_] becomes '_').
std::string MetricPart(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) c = '_';
  }
  return out;
}

class RaplCollector : public Collector {
 public:
  explicit RaplCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/powercap");
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
      return NoData(root);  // no powercap, as in node_exporter
    }
    std::map<std::string, int> next_index;  // per name without an index
    std::map<std::string, Family> families;
    for (const std::string& entry : ListDir(root)) {
      const std::string dir = root + "/" + entry;
      std::string name = ReadTrimmed(dir + "/name", "\n");
      if (name == "\n") continue;  // not a zone
      int index = next_index[name];
      const size_t dash = name.find('-');
      int64_t suffix = 0;
      if (dash != std::string::npos && name.find('-', dash + 1) == std::string::npos &&
          ParseI64(std::string_view(name).substr(dash + 1), &suffix) && suffix >= 0 &&
          suffix <= 1 << 20) {
        index = static_cast<int>(suffix);
        name.resize(dash);
      }
      next_index[name] = index + 1;
      uint64_t microjoules = 0;
      auto text = fleet::ReadKernelFile(dir + "/energy_uj");
      if (!text.ok()) return text.status();  // only root may read it on kernels since 5.10
      auto f = Fields(*text);
      if (f.size() != 1 || !ParseU64(f[0], &microjoules)) {
        return fleet::Status::Invalid("unexpected " + dir + "/energy_uj");
      }
      const std::string part = MetricPart(name);
      Family& family = families[part];
      if (family.name.empty()) {
        family = {"node_rapl_" + part + "_joules_total",
                  "Current RAPL " + fleet::ValidUtf8(name) + " value in joules",
                  Type::kCounter,
                  {}};
      }
      family.samples.push_back({"",
                                {{"index", std::to_string(index)}, {"path", fleet::ValidUtf8(dir)}},
                                double(microjoules) / 1000000.0});
    }
    for (auto& [part, family] : families) out->push_back(std::move(family));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewRaplCollector(const CollectorOptions& o) {
  return std::make_unique<RaplCollector>(o.paths);
}

}  // namespace agent
