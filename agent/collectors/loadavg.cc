// node_load1/5/15 from /proc/loadavg.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class LoadavgCollector : public Collector {
 public:
  explicit LoadavgCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("loadavg"));
    if (!text.ok()) return text.status();
    auto f = Fields(*text);
    double load[3];
    if (f.size() < 3 || !ParseDouble(f[0], &load[0]) || !ParseDouble(f[1], &load[1]) ||
        !ParseDouble(f[2], &load[2])) {
      return fleet::Status::Invalid("unexpected /proc/loadavg: " + *text);
    }
    out->push_back(Single(Type::kGauge, "node_load1", "1m load average.", load[0]));
    out->push_back(Single(Type::kGauge, "node_load5", "5m load average.", load[1]));
    out->push_back(Single(Type::kGauge, "node_load15", "15m load average.", load[2]));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
};

}  // namespace

std::unique_ptr<Collector> NewLoadavgCollector(const CollectorOptions& o) {
  return std::make_unique<LoadavgCollector>(o.paths);
}

}  // namespace agent
