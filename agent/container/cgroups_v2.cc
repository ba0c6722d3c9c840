// cgroup v2: one unified hierarchy; every controller's files sit in the container's directory.
#include <limits>

#include "agent/container/cgroups.h"
#include "agent/procfs.h"

namespace agent {
namespace {

class CgroupsV2 : public Cgroups {
 public:
  CgroupsV2(std::string root, std::string procfs)
      : root_(std::move(root)), procfs_(std::move(procfs)) {}
  int version() const override { return 2; }

  fleet::Result<std::string> Find(const std::string& id) const override {
    for (const std::string& c : DockerCgroupCandidates(id)) {
      if (IsDirectory(root_ + c)) return c;
    }
    return fleet::Status::NotFound("no cgroup for container " + id);
  }

  std::set<std::string> DockerIds() const override { return DockerIdsUnder(root_); }

  void Forget(const std::string& cgroup) const override { files_.ForgetContaining(cgroup + "/"); }

  std::vector<std::string> SystemCgroups() const override { return SystemCgroupsUnder(root_); }

  fleet::Result<CgroupStats> Read(const std::string& cgroup) const override {
    const std::string dir = At(cgroup);
    auto cpu = KeyValues(files_, dir + "/cpu.stat");
    if (!cpu.Has("usage_usec")) {
      Forget(cgroup);  // gone, or recreated by a restart: reopen next time (see cgroups_v1.cc)
      return fleet::Status::NotFound("cgroup " + cgroup + " is gone");
    }
    CgroupStats s;
    s.cpu_usage_seconds = static_cast<double>(cpu["usage_usec"]) / 1e6;
    s.cpu_user_seconds = static_cast<double>(cpu["user_usec"]) / 1e6;
    s.cpu_system_seconds = static_cast<double>(cpu["system_usec"]) / 1e6;
    s.cfs_periods = cpu["nr_periods"];
    s.cfs_throttled_periods = cpu["nr_throttled"];
    s.cfs_throttled_seconds = static_cast<double>(cpu["throttled_usec"]) / 1e6;

    if (!ParseU64(files_.Trimmed(dir + "/memory.current"), &s.memory_usage) && cgroup == "/") {
      RootMemoryFromMeminfo(&s);
    }
    uint64_t peak = 0;
    if (ParseU64(files_.Trimmed(dir + "/memory.peak"), &peak)) s.memory_max_usage = peak;
    auto mem = KeyValues(files_, dir + "/memory.stat");
    s.memory_rss = mem["anon"];
    s.memory_cache = mem["file"];
    s.pgfault = mem["pgfault"];
    s.pgmajfault = mem["pgmajfault"];
    const uint64_t inactive_file = mem["inactive_file"];
    s.memory_working_set = s.memory_usage > inactive_file ? s.memory_usage - inactive_file : 0;
    if (cgroup != "/") ParseU64(files_.Trimmed(dir + "/memory.swap.current"), &s.memory_swap);
    auto events = KeyValues(files_, dir + "/memory.events");
    s.memory_failcnt = events["max"];
    s.oom_events = events["oom_kill"];

    auto io = files_.Read(dir + "/io.stat");
    if (io.ok()) {
      for (std::string_view line : Lines(*io)) {
        auto f = Fields(line);  // "254:0 rbytes=1 wbytes=2 rios=..."
        if (f.empty()) continue;
        CgroupStats::Io& dev = s.io[std::string(f[0])];
        for (size_t i = 1; i < f.size(); ++i) {
          if (f[i].substr(0, 7) == "rbytes=") ParseU64(f[i].substr(7), &dev.read_bytes);
          if (f[i].substr(0, 7) == "wbytes=") ParseU64(f[i].substr(7), &dev.write_bytes);
        }
      }
    }

    s.pids = ReadPids(files_, dir + "/cgroup.procs");
    s.tids = ReadPids(files_, dir + "/cgroup.threads");
    return s;
  }

  CgroupSpec ReadSpec(const std::string& cgroup) const override {
    const std::string dir = At(cgroup);
    CgroupSpec spec;
    const std::string cpu_max = ReadTrimmed(dir + "/cpu.max", "max 100000");  // "<quota|max> <period>"
    auto max = Fields(cpu_max);
    double v = 0;
    if (max.size() == 2 && max[0] != "max" && ParseDouble(max[0], &v)) spec.cpu_quota = v;
    if (max.size() == 2) ParseDouble(max[1], &spec.cpu_period);
    // cpu.weight (1..10000) back to v1 shares (2..262144) in integer arithmetic, as cAdvisor's
    // convertCPUWeightToCPULimit does (weight 100 -> 2597).
    uint64_t weight = 0;
    if (ParseU64(ReadTrimmed(dir + "/cpu.weight"), &weight) && weight >= 1) {
      spec.cpu_shares = static_cast<double>(2 + ((weight - 1) * 262142) / 9999);
    }

    const std::string limit = ReadTrimmed(dir + "/memory.max", "max");
    // Unlimited: cAdvisor reports the largest uint64.
    if (limit == "max" || !ParseDouble(limit, &spec.memory_limit)) {
      spec.memory_limit = static_cast<double>(std::numeric_limits<uint64_t>::max());
    }
    spec.creation_time = DirMtime(dir);
    return spec;
  }

 private:
  // The root cgroup has no memory.current: its usage is the machine's, MemTotal - MemFree, and
  // its swap SwapTotal - SwapFree, as runc's rootStatsFromMeminfo (which cAdvisor uses).
  void RootMemoryFromMeminfo(CgroupStats* s) const {
    auto meminfo = files_.Read(procfs_ + "/meminfo");
    if (!meminfo.ok()) return;
    uint64_t total = 0, free = 0, swap_total = 0, swap_free = 0;
    MeminfoKiB(*meminfo, {{"MemTotal", &total}, {"MemFree", &free}, {"SwapTotal", &swap_total},
                          {"SwapFree", &swap_free}});
    s->memory_usage = total > free ? (total - free) * 1024 : 0;
    s->memory_swap = swap_total > swap_free ? (swap_total - swap_free) * 1024 : 0;
  }

  std::string At(const std::string& cgroup) const { return cgroup == "/" ? root_ : root_ + cgroup; }

  std::string root_;
  std::string procfs_;
  mutable OpenFiles files_;
};

}  // namespace

std::unique_ptr<Cgroups> NewCgroupsV2(const std::string& root, const std::string& procfs) {
  return std::make_unique<CgroupsV2>(root, procfs);
}

}  // namespace agent
