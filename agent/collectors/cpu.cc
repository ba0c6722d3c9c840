// node_cpu_seconds_total and node_cpu_guest_seconds_total from the per-CPU lines of /proc/stat.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class CpuCollector : public Collector {
 public:
  explicit CpuCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto stat = files_.Read(paths_.Proc("stat"));
    if (!stat.ok()) return stat.status();
    static const char* const kModes[] = {"user", "nice",    "system", "idle",
                                         "iowait", "irq", "softirq", "steal"};
    Family seconds{"node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
                   Type::kCounter, {}};
    Family guest{"node_cpu_guest_seconds_total",
                 "Seconds the CPUs spent in guests (VMs) for each mode.", Type::kCounter, {}};
    for (std::string_view line : Lines(*stat)) {
      auto f = Fields(line);
      // "cpuN" lines only; the aggregate "cpu" line is not exported, as in node_exporter.
      if (f.empty() || f[0].size() <= 3 || f[0].substr(0, 3) != "cpu") continue;
      const std::string cpu(f[0].substr(3));
      double v[10] = {};
      for (size_t i = 0; i < 10 && i + 1 < f.size(); ++i) {
        uint64_t ticks = 0;
        if (!ParseU64(f[i + 1], &ticks)) return fleet::Status::Invalid("bad /proc/stat line");
        v[i] = static_cast<double>(ticks) / kUserHz;
      }
      for (int i = 0; i < 8; ++i) {
        seconds.samples.push_back({"", {{"cpu", cpu}, {"mode", kModes[i]}}, v[i]});
      }
      guest.samples.push_back({"", {{"cpu", cpu}, {"mode", "user"}}, v[8]});
      guest.samples.push_back({"", {{"cpu", cpu}, {"mode", "nice"}}, v[9]});
    }
    out->push_back(std::move(guest));
    out->push_back(std::move(seconds));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
};

}  // namespace

std::unique_ptr<Collector> NewCpuCollector(const CollectorOptions& o) {
  return std::make_unique<CpuCollector>(o.paths);
}

}  // namespace agent
