// node_softnet_{processed,dropped,times_squeezed}_total from /proc/net/softnet_stat: one row of
// hex columns per online CPU, labelled by row number as node_exporter 1.5 does.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class SoftnetCollector : public Collector {
 public:
  explicit SoftnetCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("net/softnet_stat"));
    if (!text.ok()) return text.status();
    Family processed{
        "node_softnet_processed_total", "Number of processed packets", Type::kCounter, {}};
    Family dropped{"node_softnet_dropped_total", "Number of dropped packets", Type::kCounter, {}};
    Family squeezed{"node_softnet_times_squeezed_total",
                    "Number of times processing packets ran out of quota",
                    Type::kCounter,
                    {}};
    const auto lines = Lines(*text);
    for (size_t cpu = 0; cpu < lines.size(); ++cpu) {
      const auto f = Fields(lines[cpu]);
      uint64_t p = 0, d = 0, s = 0;
      // Kernels since 2.6 print at least 9 columns; the first three are these.
      if (f.size() < 9 || !ParseU64(f[0], &p, 16) || !ParseU64(f[1], &d, 16) ||
          !ParseU64(f[2], &s, 16)) {
        return fleet::Status::Invalid("unexpected /proc/net/softnet_stat line");
      }
      const fleet::metrics::Labels labels = {{"cpu", std::to_string(cpu)}};
      processed.samples.push_back({"", labels, double(p)});
      dropped.samples.push_back({"", labels, double(d)});
      squeezed.samples.push_back({"", labels, double(s)});
    }
    out->push_back(std::move(dropped));
    out->push_back(std::move(processed));
    out->push_back(std::move(squeezed));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewSoftnetCollector(const CollectorOptions& o) {
  return std::make_unique<SoftnetCollector>(o.paths);
}

}  // namespace agent
