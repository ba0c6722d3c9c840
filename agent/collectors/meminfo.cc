// node_memory_* from /proc/meminfo: one gauge per field, "(anon)" -> "_anon", kB -> _bytes.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class MeminfoCollector : public Collector {
 public:
  explicit MeminfoCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("meminfo"));
    if (!text.ok()) return text.status();
    for (std::string_view line : Lines(*text)) {
      auto f = Fields(line);
      if (f.size() < 2 || f[0].back() != ':') continue;
      std::string key(f[0].substr(0, f[0].size() - 1));
      // node_exporter rewrites "Active(anon)" as "Active_anon".
      if (auto open = key.find('('); open != std::string::npos && key.back() == ')') {
        key = key.substr(0, open) + "_" + key.substr(open + 1, key.size() - open - 2);
      }
      double v = 0;
      if (!ParseDouble(f[1], &v)) continue;
      if (f.size() == 3 && f[2] == "kB") {
        v *= 1024;
        key += "_bytes";
      }
      out->push_back(Single(Type::kGauge, "node_memory_" + key,
                            "Memory information field " + key + ".", v));
    }
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
};

}  // namespace

std::unique_ptr<Collector> NewMeminfoCollector(const CollectorOptions& o) {
  return std::make_unique<MeminfoCollector>(o.paths);
}

}  // namespace agent
