// container_fs_usage_bytes / container_fs_limit_bytes, computed off the scrape path as cAdvisor's
// housekeeping does: a thread walks each container's writable layer and its Docker directory
// (logs, hostname, resolv.conf) every period, like `du`, and the scrape reads the last result.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fleet/core/status.h"

namespace agent {

// One filesystem's figures for a cgroup: the device holding it (the mount source, "/dev/vda"),
// its capacity and what the cgroup uses of it.
struct FsUsage {
  std::string device;
  uint64_t limit_bytes = 0;
  uint64_t usage_bytes = 0;
};

// Bytes and inodes under dir as `du` counts them (cAdvisor's GetDirUsage): allocated blocks of
// every entry, the directory itself included; hard-linked files once; symlinks not followed;
// other filesystems mounted below not entered. The inodes of hard-linked files are remembered to
// count each once; past max_linked_files of them the walk stops with TooLarge (a bound on what a
// container's writes can make the agent hold: 64Ki inodes, about 2.5 MiB).
struct DirUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};
fleet::Result<DirUsage> MeasureDir(const std::string& dir, size_t max_linked_files = 1 << 16);

// A mount from /proc/self/mountinfo: its device numbers, where it is mounted, its source.
struct MountInfo {
  unsigned major = 0, minor = 0;
  std::string mount_point;
  std::string source;
};
std::vector<MountInfo> ParseMountInfo(std::string_view text);

class FsUsageTracker {
 public:
  // mountinfo: the agent's own /proc/self/mountinfo (the namespace its stat calls see).
  FsUsageTracker(std::chrono::milliseconds period, std::string mountinfo);
  ~FsUsageTracker();  // does not wait for a walk under way (it may be stuck on a dead mount)
  FsUsageTracker(const FsUsageTracker&) = delete;
  FsUsageTracker& operator=(const FsUsageTracker&) = delete;

  // Keeps key's dirs measured; the first walk starts at once. Dirs on one filesystem (the
  // device of the first is reported). An empty dirs means the machine: every block-device
  // filesystem, each as its own FsUsage (cAdvisor's root container).
  void Track(const std::string& key, std::vector<std::string> dirs);
  // Stops measuring every key not in keep.
  void Retain(const std::vector<std::string>& keep);
  // The last result for key; empty until its first walk finished or when it failed.
  std::vector<FsUsage> Usage(const std::string& key) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace agent
