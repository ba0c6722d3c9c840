// Boot time, context switches, forks, interrupts and process counts from /proc/stat.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct StatField {
  const char* key;  // first field of the /proc/stat line
  Type type;
  const char* name;
  const char* help;
};

const StatField kStatFields[] = {
    {"btime", Type::kGauge, "node_boot_time_seconds", "Node boot time, in unixtime."},
    {"ctxt", Type::kCounter, "node_context_switches_total", "Total number of context switches."},
    {"processes", Type::kCounter, "node_forks_total", "Total number of forks."},
    {"intr", Type::kCounter, "node_intr_total", "Total number of interrupts serviced."},
    {"procs_blocked", Type::kGauge, "node_procs_blocked",
     "Number of processes blocked waiting for I/O to complete."},
    {"procs_running", Type::kGauge, "node_procs_running",
     "Number of processes in runnable state."},
};

class StatCollector : public Collector {
 public:
  explicit StatCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto stat = files_.Read(paths_.Proc("stat"));
    if (!stat.ok()) return stat.status();
    for (std::string_view line : Lines(*stat)) {
      auto f = Fields(line);
      if (f.size() < 2) continue;
      for (const StatField& sf : kStatFields) {
        uint64_t v = 0;
        if (f[0] == sf.key && ParseU64(f[1], &v)) {
          out->push_back(Single(sf.type, sf.name, sf.help, static_cast<double>(v)));
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

std::unique_ptr<Collector> NewStatCollector(const CollectorOptions& o) {
  return std::make_unique<StatCollector>(o.paths);
}

}  // namespace agent
