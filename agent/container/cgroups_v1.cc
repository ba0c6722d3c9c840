// cgroup v1: cpu, cpuacct, memory, blkio and pids each in their own hierarchy under the root.
#include "agent/container/cgroups.h"
#include "agent/procfs.h"

namespace agent {
namespace {

class CgroupsV1 : public Cgroups {
 public:
  explicit CgroupsV1(std::string root) : root_(std::move(root)) {}
  int version() const override { return 1; }

  fleet::Result<std::string> Find(const std::string& id) const override {
    for (const std::string& c : DockerCgroupCandidates(id)) {
      if (IsDirectory(root_ + "/memory" + c)) return c;
    }
    return fleet::Status::NotFound("no cgroup for container " + id);
  }

  std::set<std::string> DockerIds() const override { return DockerIdsUnder(root_ + "/memory"); }

  void Forget(const std::string& cgroup) const override { files_.ForgetContaining(cgroup + "/"); }

  std::vector<std::string> SystemCgroups() const override {
    return SystemCgroupsUnder(root_ + "/memory");
  }

  fleet::Result<CgroupStats> Read(const std::string& cgroup) const override {
    const std::string cpu = At("cpu", cgroup);
    const std::string cpuacct = At("cpuacct", cgroup);
    const std::string memory = At("memory", cgroup);
    CgroupStats s;

    uint64_t usage_ns = 0;
    if (!ParseU64(files_.Trimmed(cpuacct + "/cpuacct.usage"), &usage_ns)) {
      // The cgroup went away (the container stopped, or restarted under the same id and left
      // our open files pointing at the old cgroup): drop them all, reopen next time.
      Forget(cgroup);
      return fleet::Status::NotFound("cgroup " + cgroup + " is gone");
    }
    s.cpu_usage_seconds = static_cast<double>(usage_ns) / 1e9;
    auto acct = KeyValues(files_, cpuacct + "/cpuacct.stat");
    s.cpu_user_seconds = static_cast<double>(acct["user"]) / kUserHz;
    s.cpu_system_seconds = static_cast<double>(acct["system"]) / kUserHz;
    auto cpu_stat = KeyValues(files_, cpu + "/cpu.stat");
    s.cfs_periods = cpu_stat["nr_periods"];
    s.cfs_throttled_periods = cpu_stat["nr_throttled"];
    s.cfs_throttled_seconds = static_cast<double>(cpu_stat["throttled_time"]) / 1e9;

    ParseU64(files_.Trimmed(memory + "/memory.usage_in_bytes"), &s.memory_usage);
    uint64_t max_usage = 0;
    if (ParseU64(files_.Trimmed(memory + "/memory.max_usage_in_bytes"), &max_usage)) {
      s.memory_max_usage = max_usage;
    }
    ParseU64(files_.Trimmed(memory + "/memory.failcnt"), &s.memory_failcnt);
    auto mem = KeyValues(files_, memory + "/memory.stat");
    s.memory_rss = mem["total_rss"];
    s.memory_cache = mem["total_cache"];
    s.pgfault = mem["pgfault"];  // the cgroup's own, for both scopes, as cAdvisor reads them
    s.pgmajfault = mem["pgmajfault"];
    const uint64_t inactive_file = mem["total_inactive_file"];
    s.memory_working_set = s.memory_usage > inactive_file ? s.memory_usage - inactive_file : 0;
    // With swap accounting, memsw counts memory + swap; cAdvisor reports the difference.
    uint64_t memsw = 0;
    if (ParseU64(files_.Trimmed(memory + "/memory.memsw.usage_in_bytes"), &memsw) &&
        memsw > s.memory_usage) {
      s.memory_swap = memsw - s.memory_usage;
    }
    // oom_kill in memory.oom_control (kernel 4.13+) counts the container's OOM kills.
    s.oom_events = KeyValues(files_, memory + "/memory.oom_control")["oom_kill"];

    auto io = files_.Read(At("blkio", cgroup) + "/blkio.throttle.io_service_bytes");
    if (io.ok()) {
      for (std::string_view line : Lines(*io)) {
        auto f = Fields(line);  // "254:0 Read 4096"
        uint64_t bytes = 0;
        if (f.size() != 3 || !ParseU64(f[2], &bytes)) continue;
        if (f[1] == "Read") s.io[std::string(f[0])].read_bytes = bytes;
        if (f[1] == "Write") s.io[std::string(f[0])].write_bytes = bytes;
      }
    }

    s.pids = ReadPids(files_, memory + "/cgroup.procs");
    s.tids = ReadPids(files_, memory + "/tasks");
    return s;
  }

  CgroupSpec ReadSpec(const std::string& cgroup) const override {
    const std::string cpu = At("cpu", cgroup);
    const std::string memory = At("memory", cgroup);
    CgroupSpec spec;
    const std::string quota = ReadTrimmed(cpu + "/cpu.cfs_quota_us", "-1");
    double v = 0;
    if (quota != "-1" && ParseDouble(quota, &v)) spec.cpu_quota = v;
    ParseDouble(ReadTrimmed(cpu + "/cpu.cfs_period_us"), &spec.cpu_period);
    ParseDouble(ReadTrimmed(cpu + "/cpu.shares"), &spec.cpu_shares);
    ParseDouble(ReadTrimmed(memory + "/memory.limit_in_bytes"), &spec.memory_limit);
    spec.creation_time = DirMtime(memory);
    return spec;
  }

 private:
  // The cgroup's directory in one controller's hierarchy ("/" is the hierarchy itself).
  std::string At(const char* controller, const std::string& cgroup) const {
    return root_ + "/" + controller + (cgroup == "/" ? "" : cgroup);
  }

  std::string root_;
  mutable OpenFiles files_;
};

}  // namespace

std::unique_ptr<Cgroups> NewCgroupsV1(const std::string& root) {
  return std::make_unique<CgroupsV1>(root);
}

}  // namespace agent
