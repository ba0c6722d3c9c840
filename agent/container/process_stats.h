// What cAdvisor's process metrics and load reader report for a cgroup, read from /proc for the
// cgroup's processes and threads: open file descriptors, sockets among them, and tasks by state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agent {

struct ProcessStats {
  uint64_t file_descriptors = 0;
  uint64_t sockets = 0;  // descriptors whose link is "socket:[inode]"
  // Threads by scheduler state, the kernel's taskstats cgroupstats buckets (container_tasks_state).
  uint64_t sleeping = 0;         // S
  uint64_t running = 0;          // R
  uint64_t stopped = 0;          // T
  uint64_t uninterruptible = 0;  // D
  // iowaiting stays 0: /proc does not show whether a thread waits on I/O, and cAdvisor itself
  // reports 0 unless its netlink load reader is enabled.
};

// Counts the descriptors of pids and the states of tids under procfs. A process or thread that
// exits while being read is skipped, as cAdvisor does.
ProcessStats ReadProcessStats(const std::string& procfs, const std::vector<int>& pids,
                              const std::vector<int>& tids);

// The state letter of a /proc/<pid>/stat line: the field after the command, which is in
// parentheses and may itself contain ") " (a hostile process name). '\0' when malformed.
char ProcStatState(std::string_view stat);

}  // namespace agent
