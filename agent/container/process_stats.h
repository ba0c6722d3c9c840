// What cAdvisor's process metrics and load reader report for a cgroup, read from /proc for the
// cgroup's processes and threads: open file descriptors, sockets among them, and tasks by state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
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

// Counts the descriptors of a cgroup's pids and the states of its tids under procfs, one cgroup
// per Read. A process or thread that exits while being read is skipped, as cAdvisor does.
//
// /proc/<pid>/fd and /proc/<tid>/stat stay open between scrapes, up to max_open of them: opening
// them again (a path lookup through /proc per file, and a close) was a third of what a walk cost,
// and a container keeps its processes for its life. An open /proc file stays bound to the process it was opened
// for: once that process exits, reading it fails (it never shows a new process that reuses the
// number), and the walker opens the number afresh. Beyond max_open, files are opened and closed
// per read, as for a container with thousands of threads.
class ProcessWalker {
 public:
  static constexpr size_t kDefaultMaxOpen = 512;
  explicit ProcessWalker(std::string procfs, size_t max_open = kDefaultMaxOpen);
  ~ProcessWalker();
  ProcessWalker(const ProcessWalker&) = delete;
  ProcessWalker& operator=(const ProcessWalker&) = delete;

  ProcessStats Read(const std::vector<int>& pids, const std::vector<int>& tids);
  // Closes the files that no Read since the last call used: processes and threads that exited,
  // or left the cgroups being read. Called once per scrape.
  void CloseUnused();
  size_t open_files() const { return fd_dirs_.size() + stat_files_.size(); }

 private:
  struct Kept {
    int fd;
    bool used;
  };
  // The descriptor of procfs/<id>/<file> and whether it is kept (else the caller closes it), or
  // -1 when it cannot be opened (the process exited).
  int Open(std::unordered_map<int, Kept>& kept, int id, const char* file, int flags, bool* is_kept);
  void Forget(std::unordered_map<int, Kept>& kept, int id);
  // Counts /proc/<pid>/fd's entries and sockets; false when the directory cannot be listed.
  static bool CountDescriptors(int dir_fd, ProcessStats* out);
  void CountDescriptorsOf(int pid, ProcessStats* out);
  void CountStateOf(int tid, ProcessStats* out);

  const std::string procfs_;
  const size_t max_open_;
  std::unordered_map<int, Kept> fd_dirs_;     // pid -> /proc/<pid>/fd
  std::unordered_map<int, Kept> stat_files_;  // tid -> /proc/<tid>/stat
};

// The state letter of a /proc/<pid>/stat line: the field after the command, which is in
// parentheses and may itself contain ") " (a hostile process name). '\0' when malformed.
char ProcStatState(std::string_view stat);

}  // namespace agent
