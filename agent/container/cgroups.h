// Reading a container's resource accounting from its cgroup, for cgroup v1 (one hierarchy per
// controller) and v2 (unified). Which one the host uses is detected once, at start.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/procfs.h"
#include "fleet/core/status.h"

namespace agent {

// What cAdvisor reports for a container, in its units (seconds, bytes, counts).
struct CgroupStats {
  double cpu_usage_seconds = 0;
  double cpu_user_seconds = 0;
  double cpu_system_seconds = 0;
  uint64_t cfs_periods = 0;
  uint64_t cfs_throttled_periods = 0;
  double cfs_throttled_seconds = 0;

  uint64_t memory_usage = 0;
  std::optional<uint64_t> memory_max_usage;  // v2 kernels before 5.19 have no memory.peak
  uint64_t memory_working_set = 0;
  uint64_t memory_rss = 0;
  uint64_t memory_cache = 0;
  uint64_t memory_swap = 0;
  uint64_t memory_failcnt = 0;
  uint64_t oom_events = 0;
  uint64_t pgfault = 0;     // memory.stat's page fault counters (container_memory_failures_total)
  uint64_t pgmajfault = 0;

  struct Io {
    uint64_t read_bytes = 0;
    uint64_t write_bytes = 0;
  };
  std::map<std::string, Io> io;  // by "major:minor"

  std::vector<int> pids;  // cgroup.procs: the processes (the first one's netns is the container's)
  std::vector<int> tids;  // tasks (v1) / cgroup.threads (v2): every thread
};

// What changes only when the container is updated (`docker update`) or recreated, so the
// collector reads it when it (re)learns its containers (at least every relist interval), not on
// every scrape, as cAdvisor keeps a container's spec apart from its stats.
struct CgroupSpec {
  std::optional<double> cpu_quota;  // absent when unlimited, as cAdvisor omits it
  double cpu_period = 0;
  double cpu_shares = 0;
  double memory_limit = 0;
  double creation_time = 0;  // seconds since the epoch (cgroup directory mtime, as cAdvisor)
};

class Cgroups {
 public:
  virtual ~Cgroups() = default;
  virtual int version() const = 0;
  // The cgroup path of a Docker container ("/docker/<id>" with the cgroupfs driver,
  // "/system.slice/docker-<id>.scope" with systemd's), or NotFound.
  virtual fleet::Result<std::string> Find(const std::string& container_id) const = 0;
  virtual fleet::Result<CgroupStats> Read(const std::string& cgroup) const = 0;
  virtual CgroupSpec ReadSpec(const std::string& cgroup) const = 0;
  // Ids of the containers that have a Docker cgroup now: a cheap directory listing the collector
  // compares with its cached container list, to ask Docker only when containers came or went.
  virtual std::set<std::string> DockerIds() const = 0;
  // Releases what is kept open for a cgroup that is gone (or about to be).
  virtual void Forget(const std::string& cgroup) const = 0;
  // The cgroups cAdvisor exports besides containers' own: the root ("/"), "/system.slice" and
  // each systemd unit under it that is not a Docker container, those that exist on this host.
  virtual std::vector<std::string> SystemCgroups() const = 0;
};

// root is the cgroup filesystem mount (normally /sys/fs/cgroup). v2 when it is the unified
// hierarchy itself (cgroup.controllers at the root), v1 otherwise. procfs is where v2 reads the
// root cgroup's memory, which the unified hierarchy does not account (/proc/meminfo, as runc).
std::unique_ptr<Cgroups> DetectCgroups(const std::string& root, const std::string& procfs = "/proc");
std::unique_ptr<Cgroups> NewCgroupsV1(const std::string& root);
std::unique_ptr<Cgroups> NewCgroupsV2(const std::string& root, const std::string& procfs);

// Shared by both versions: a file of "key value" lines (memory.stat, cpu.stat, memory.events),
// read once and looked up by key. The keys are views into the text, not strings of their own:
// memory.stat has ~40 lines and is read for every container on every scrape.
class KeyValues {
 public:
  KeyValues(OpenFiles& files, const std::string& path);
  KeyValues(const KeyValues&) = delete;  // the views point into text_
  KeyValues& operator=(const KeyValues&) = delete;
  // The value of key; 0 when the file has no such line (or could not be read).
  uint64_t operator[](std::string_view key) const;
  bool Has(std::string_view key) const;

 private:
  std::string text_;
  std::vector<std::pair<std::string_view, uint64_t>> entries_;
};
// The pids listed in cgroup.procs / tasks / cgroup.threads, in file order.
std::vector<int> ReadPids(OpenFiles& files, const std::string& path);
// Creation time as cAdvisor takes it: the cgroup directory's modification time.
double DirMtime(const std::string& path);
// Container ids under <hierarchy>/docker/<id> and <hierarchy>/system.slice/docker-<id>.scope.
std::set<std::string> DockerIdsUnder(const std::string& hierarchy);
// SystemCgroups for a hierarchy: "/", and "/system.slice" with its units but Docker's scopes.
std::vector<std::string> SystemCgroupsUnder(const std::string& hierarchy);
// Docker's cgroup paths for a container id, for either driver.
std::vector<std::string> DockerCgroupCandidates(const std::string& container_id);

}  // namespace agent
