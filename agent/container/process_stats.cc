#include "agent/container/process_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

#include "fleet/core/files.h"

namespace agent {
namespace {

// /proc/<pid>/fd: every entry is a descriptor; a socket's link reads "socket:[inode]". Read with
// the directory's fd (readlinkat) so a pid reused mid-walk cannot mix two processes' entries.
void CountDescriptors(const std::string& fd_dir, ProcessStats* out) {
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return;
  const int dfd = ::dirfd(dir);
  char link[16];
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ++out->file_descriptors;
    const ssize_t n = ::readlinkat(dfd, e->d_name, link, sizeof(link));
    if (n >= 7 && std::memcmp(link, "socket:", 7) == 0) ++out->sockets;
  }
  ::closedir(dir);
}

}  // namespace

char ProcStatState(std::string_view stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size() || stat[close + 1] != ' ') {
    return '\0';
  }
  return stat[close + 2];
}

ProcessStats ReadProcessStats(const std::string& procfs, const std::vector<int>& pids,
                              const std::vector<int>& tids) {
  ProcessStats out;
  for (int pid : pids) CountDescriptors(procfs + "/" + std::to_string(pid) + "/fd", &out);
  for (int tid : tids) {
    // A thread's stat is at /proc/<tid>/stat too, though /proc lists only thread-group leaders.
    auto stat = fleet::ReadKernelFile(procfs + "/" + std::to_string(tid) + "/stat");
    if (!stat.ok()) continue;
    switch (ProcStatState(*stat)) {
      case 'R': ++out.running; break;
      case 'S': ++out.sleeping; break;
      case 'D': ++out.uninterruptible; break;
      case 'T': ++out.stopped; break;
      default: break;  // idle kernel threads, zombies, tracing stops: no bucket, as in taskstats
    }
  }
  return out;
}

}  // namespace agent
