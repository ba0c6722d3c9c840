// node_cpu_seconds_total and node_cpu_guest_seconds_total from the per-CPU lines of /proc/stat;
// node_cpu_{core,package}_throttles_total from sysfs thermal_throttle (per physical core and
// package, not per thread), node_cpu_isolated from sysfs's isolated CPU list.
#include <map>

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
    CollectThrottles(out);
    return CollectIsolated(out);
  }

 private:
  // A sysfs file holding one unsigned number.
  static bool ReadNumber(const std::string& path, uint64_t* out) {
    auto text = fleet::ReadKernelFile(path);
    if (!text.ok()) return false;
    auto f = Fields(*text);
    return f.size() == 1 && ParseU64(f[0], out);
  }

  // Threads of one core share its counter and cores of one package share the package's: each is
  // read once, from the first thread that has it. A CPU without topology is skipped.
  void CollectThrottles(std::vector<Family>* out) const {
    std::map<uint64_t, std::map<uint64_t, uint64_t>> core_counts;  // package -> core -> count
    std::map<uint64_t, uint64_t> package_counts;
    for (const std::string& cpu : Glob(paths_.Sys("devices/system/cpu/cpu[0-9]*"))) {
      uint64_t package = 0, core = 0, count = 0;
      if (!ReadNumber(cpu + "/topology/physical_package_id", &package) ||
          !ReadNumber(cpu + "/topology/core_id", &core)) {
        continue;
      }
      auto& cores = core_counts[package];
      if (!cores.count(core) && ReadNumber(cpu + "/thermal_throttle/core_throttle_count", &count)) {
        cores[core] = count;
      }
      if (!package_counts.count(package) &&
          ReadNumber(cpu + "/thermal_throttle/package_throttle_count", &count)) {
        package_counts[package] = count;
      }
    }
    Family core{"node_cpu_core_throttles_total",
                "Number of times this CPU core has been throttled.", Type::kCounter, {}};
    for (const auto& [package, cores] : core_counts) {
      for (const auto& [id, count] : cores) {
        const fleet::metrics::Labels labels = {{"package", std::to_string(package)},
                                               {"core", std::to_string(id)}};
        core.samples.push_back({"", labels, double(count)});
      }
    }
    Family package{"node_cpu_package_throttles_total",
                   "Number of times this CPU package has been throttled.", Type::kCounter, {}};
    for (const auto& [id, count] : package_counts) {
      package.samples.push_back({"", {{"package", std::to_string(id)}}, double(count)});
    }
    out->push_back(std::move(core));
    out->push_back(std::move(package));
  }

  // The kernel's CPU list format: "1,3-5,9"; empty when no CPU is isolated, absent on old kernels.
  fleet::Status CollectIsolated(std::vector<Family>* out) const {
    const std::string path = paths_.Sys("devices/system/cpu/isolated");
    auto text = fleet::ReadKernelFile(path);
    if (!text.ok()) return fleet::Status::Ok();
    Family isolated{"node_cpu_isolated",
                    "Whether each core is isolated, information from "
                    "/sys/devices/system/cpu/isolated.",
                    Type::kGauge, {}};
    const auto fields = Fields(*text);
    std::string_view list = fields.empty() ? std::string_view() : fields[0];
    while (!list.empty()) {
      const size_t comma = list.find(',');
      const std::string_view item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (item.empty()) continue;
      const size_t dash = item.find('-');
      uint64_t first = 0, last = 0;
      if (!ParseU64(item.substr(0, dash), &first) ||
          !ParseU64(dash == std::string_view::npos ? item : item.substr(dash + 1), &last) ||
          last < first || last > 65535) {  // CPU numbers are 16-bit in node_exporter too
        return fleet::Status::Invalid(path + ": invalid CPU list");
      }
      for (uint64_t cpu = first; cpu <= last; ++cpu) {
        isolated.samples.push_back({"", {{"cpu", std::to_string(cpu)}}, 1});
      }
    }
    out->push_back(std::move(isolated));
    return fleet::Status::Ok();
  }

  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
};

}  // namespace

std::unique_ptr<Collector> NewCpuCollector(const CollectorOptions& o) {
  return std::make_unique<CpuCollector>(o.paths);
}

}  // namespace agent
