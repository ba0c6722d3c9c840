// node_pressure_* from /proc/pressure/{cpu,io,memory}: the "total" stall time (microseconds) of
// the "some" and "full" lines, in seconds.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct PressureMetric {
  const char* resource;  // file under /proc/pressure
  const char* line;      // "some" or "full"
  const char* name;
  const char* help;
};

// node_exporter 1.5.0 exports cpu "some" only, io and memory both lines.
const PressureMetric kPressureMetrics[] = {
    {"cpu", "some", "node_pressure_cpu_waiting_seconds_total",
     "Total time in seconds that processes have waited for CPU time"},
    {"io", "some", "node_pressure_io_waiting_seconds_total",
     "Total time in seconds that processes have waited due to IO congestion"},
    {"io", "full", "node_pressure_io_stalled_seconds_total",
     "Total time in seconds no process could make progress due to IO congestion"},
    {"memory", "some", "node_pressure_memory_waiting_seconds_total",
     "Total time in seconds that processes have waited for memory"},
    {"memory", "full", "node_pressure_memory_stalled_seconds_total",
     "Total time in seconds no process could make progress due to memory congestion"},
};

class PressureCollector : public Collector {
 public:
  explicit PressureCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    for (const PressureMetric& m : kPressureMetrics) {
      auto text = files_.Read(paths_.Proc(std::string("pressure/") + m.resource));
      // A kernel without PSI (or with it off) has no such files; the collector then fails, as
      // node_exporter's does, so the scrape metrics show it.
      if (!text.ok()) return text.status();
      for (std::string_view line : Lines(*text)) {
        auto f = Fields(line);
        if (f.empty() || f[0] != m.line) continue;
        for (std::string_view kv : f) {
          uint64_t us = 0;
          if (kv.substr(0, 6) == "total=" && ParseU64(kv.substr(6), &us)) {
            out->push_back(Single(Type::kCounter, m.name, m.help, static_cast<double>(us) / 1000.0 / 1000.0));
          }
        }
      }
    }
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
};

}  // namespace

std::unique_ptr<Collector> NewPressureCollector(const CollectorOptions& o) {
  return std::make_unique<PressureCollector>(o.paths);
}

}  // namespace agent
