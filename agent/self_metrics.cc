#include "agent/self_metrics.h"

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <mutex>

#include "agent/procfs.h"
#include "agent/version.h"

namespace agent {

using fleet::metrics::Family;
using fleet::metrics::Type;

SelfMetrics::SelfMetrics(std::string procfs) : procfs_(std::move(procfs)) {}

void SelfMetrics::Register(Source source) {
  std::lock_guard lock(mu_);
  sources_.push_back(std::move(source));
}

void SelfMetrics::Gather(std::vector<Family>* out) const {
  AppendProcessMetrics(procfs_, out);
  out->push_back(Single(Type::kGauge, "fleet_agent_build_info",
                        "A metric with a constant '1' value labeled by the fleet-agent version.",
                        1, {{"version", Version()}}));
  std::lock_guard lock(mu_);
  for (const Source& s : sources_) s(out);
}

namespace {

// Boot time (btime in /proc/stat), read once per procfs: it does not change while the system
// runs, and /proc/stat is among the costliest files to generate (a line per CPU, every IRQ).
double BootTime(const std::string& procfs) {
  static std::mutex mu;
  static std::map<std::string, double> by_procfs;
  std::lock_guard lock(mu);
  if (auto it = by_procfs.find(procfs); it != by_procfs.end()) return it->second;
  double boot = 0;
  const std::string system_stat = ReadTrimmed(procfs + "/stat");
  for (std::string_view line : Lines(system_stat)) {
    auto kv = Fields(line);
    if (kv.size() == 2 && kv[0] == "btime") ParseDouble(kv[1], &boot);
  }
  if (boot > 0) by_procfs.emplace(procfs, boot);
  return boot;
}

// The number of open file descriptors. Linux 6.2+ gives it as the size of /proc/self/fd, which
// costs one stat; listing the directory costs the kernel a lookup per descriptor, and the agent
// keeps hundreds open (its cgroup files). Older kernels report size 0: then they are counted.
size_t OpenFds(const std::string& procfs) {
  struct stat st {};
  if (::stat((procfs + "/self/fd").c_str(), &st) == 0 && st.st_size > 0) {
    return static_cast<size_t>(st.st_size);
  }
  return CountDirEntries(procfs + "/self/fd");
}

}  // namespace

void AppendProcessMetrics(const std::string& procfs, std::vector<Family>* out) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  auto stat = fleet::ReadKernelFile(procfs + "/self/stat");
  if (stat.ok()) {
    // Fields after the parenthesised command name, which may itself contain spaces.
    auto f = Fields(std::string_view(*stat).substr(stat->rfind(')') + 2));
    uint64_t utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
    if (f.size() > 21 && ParseU64(f[11], &utime) && ParseU64(f[12], &stime) &&
        ParseU64(f[19], &start) && ParseU64(f[20], &vsize) && ParseU64(f[21], &rss)) {
      const double boot = BootTime(procfs);
      out->push_back(Single(Type::kCounter, "process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.",
                            static_cast<double>(utime + stime) / ticks));
      out->push_back(Single(Type::kGauge, "process_resident_memory_bytes",
                            "Resident memory size in bytes.", static_cast<double>(rss) * page));
      out->push_back(Single(Type::kGauge, "process_virtual_memory_bytes",
                            "Virtual memory size in bytes.", static_cast<double>(vsize)));
      out->push_back(Single(Type::kGauge, "process_start_time_seconds",
                            "Start time of the process since unix epoch in seconds.",
                            boot + static_cast<double>(start) / ticks));
    }
  }
  out->push_back(Single(Type::kGauge, "process_open_fds", "Number of open file descriptors.",
                        static_cast<double>(OpenFds(procfs))));
  const std::string limits = ReadTrimmed(procfs + "/self/limits");
  for (std::string_view line : Lines(limits)) {
    if (line.substr(0, 14) != "Max open files") continue;
    auto f = Fields(line.substr(14));
    double soft = 0;
    if (!f.empty() && ParseDouble(f[0], &soft)) {
      out->push_back(Single(Type::kGauge, "process_max_fds",
                            "Maximum number of open file descriptors.", soft));
    }
  }
}

}  // namespace agent
