// node_schedstat_* from /proc/schedstat's "cpuN" lines: the last three fields are nanoseconds
// running, nanoseconds waiting and timeslices run on that CPU.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class SchedstatCollector : public Collector {
 public:
  explicit SchedstatCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    // A kernel built without CONFIG_SCHEDSTATS has no file: no data, as in node_exporter.
    auto text = files_.Read(paths_.Proc("schedstat"));
    if (!text.ok()) return NoDataIfAbsent(text.status(), paths_.Proc("schedstat"));
    Family running{"node_schedstat_running_seconds_total",
                   "Number of seconds CPU spent running a process.",
                   Type::kCounter,
                   {}};
    Family waiting{"node_schedstat_waiting_seconds_total",
                   "Number of seconds spent by processing waiting for this CPU.",
                   Type::kCounter,
                   {}};
    Family timeslices{"node_schedstat_timeslices_total",
                      "Number of timeslices executed by CPU.",
                      Type::kCounter,
                      {}};
    for (std::string_view line : Lines(*text)) {
      const auto f = Fields(line);
      if (f.empty() || f[0].substr(0, 3) != "cpu") continue;
      uint64_t run = 0, wait = 0, slices = 0;
      // "cpuN" then 9 fields (schedstat version 15); the three wanted are the last.
      if (f.size() != 10 || !ParseU64(f[7], &run) || !ParseU64(f[8], &wait) ||
          !ParseU64(f[9], &slices)) {
        return fleet::Status::Invalid("unexpected /proc/schedstat line");
      }
      const fleet::metrics::Labels labels = {{"cpu", std::string(f[0].substr(3))}};
      running.samples.push_back({"", labels, double(run) / 1e9});
      waiting.samples.push_back({"", labels, double(wait) / 1e9});
      timeslices.samples.push_back({"", labels, double(slices)});
    }
    out->push_back(std::move(running));
    out->push_back(std::move(timeslices));
    out->push_back(std::move(waiting));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewSchedstatCollector(const CollectorOptions& o) {
  return std::make_unique<SchedstatCollector>(o.paths);
}

}  // namespace agent
