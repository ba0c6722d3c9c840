#include "agent/container/process_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

namespace agent {

char ProcStatState(std::string_view stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size() || stat[close + 1] != ' ') {
    return '\0';
  }
  return stat[close + 2];
}

ProcessWalker::ProcessWalker(std::string procfs, size_t max_open)
    : procfs_(std::move(procfs)), max_open_(max_open) {}

ProcessWalker::~ProcessWalker() {
  for (const auto& [id, kept] : fd_dirs_) ::close(kept.fd);
  for (const auto& [id, kept] : stat_files_) ::close(kept.fd);
}

ProcessStats ProcessWalker::Read(const std::vector<int>& pids, const std::vector<int>& tids) {
  ProcessStats out;
  for (int pid : pids) CountDescriptorsOf(pid, &out);
  for (int tid : tids) CountStateOf(tid, &out);
  return out;
}

void ProcessWalker::CloseUnused() {
  for (auto* kept : {&fd_dirs_, &stat_files_}) {
    std::erase_if(*kept, [](auto& entry) {
      if (!entry.second.used) ::close(entry.second.fd);
      return !entry.second.used;
    });
    for (auto& [id, k] : *kept) k.used = false;
  }
}

int ProcessWalker::Open(std::unordered_map<int, Kept>& kept, int id, const char* file, int flags,
                        bool* is_kept) {
  if (auto it = kept.find(id); it != kept.end()) {
    it->second.used = true;
    *is_kept = true;
    return it->second.fd;
  }
  const std::string path = procfs_ + "/" + std::to_string(id) + "/" + file;
  const int fd = ::open(path.c_str(), flags | O_RDONLY | O_CLOEXEC);
  *is_kept = fd >= 0 && open_files() < max_open_;
  if (*is_kept) kept.emplace(id, Kept{fd, true});
  return fd;
}

void ProcessWalker::Forget(std::unordered_map<int, Kept>& kept, int id) {
  auto it = kept.find(id);
  ::close(it->second.fd);
  kept.erase(it);
}

// Every entry of /proc/<pid>/fd is a descriptor; a socket's link reads "socket:[inode]". The
// links are read relative to the directory's descriptor, so a pid reused mid-walk cannot mix two
// processes' entries.
bool ProcessWalker::CountDescriptors(int dir_fd, ProcessStats* out) {
  if (::lseek(dir_fd, 0, SEEK_SET) != 0) return false;
  alignas(dirent64) char buffer[4096];
  ProcessStats counted;
  char link[16];
  for (;;) {
    const ssize_t n = ::getdents64(dir_fd, buffer, sizeof buffer);
    if (n < 0) return false;  // ENOENT: the process exited
    if (n == 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(buffer + at);
      at += e->d_reclen;
      if (e->d_name[0] == '.') continue;
      ++counted.file_descriptors;
      const ssize_t len = ::readlinkat(dir_fd, e->d_name, link, sizeof link);
      if (len >= 7 && std::memcmp(link, "socket:", 7) == 0) ++counted.sockets;
    }
  }
  out->file_descriptors += counted.file_descriptors;
  out->sockets += counted.sockets;
  return true;
}

void ProcessWalker::CountDescriptorsOf(int pid, ProcessStats* out) {
  // A kept directory that cannot be listed belonged to a process that exited: the number may be
  // a new process's now, so it is opened again once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool kept = false;
    const int fd = Open(fd_dirs_, pid, "fd", O_DIRECTORY, &kept);
    if (fd < 0) return;
    const bool listed = CountDescriptors(fd, out);
    if (!kept) {
      ::close(fd);
      return;
    }
    if (listed) return;
    Forget(fd_dirs_, pid);
  }
}

void ProcessWalker::CountStateOf(int tid, ProcessStats* out) {
  // A thread's stat is at /proc/<tid>/stat too, though /proc lists only thread-group leaders.
  // The state follows "pid (comm) ", and a command is at most 64 bytes even for a kernel worker.
  char stat[256];
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool kept = false;
    const int fd = Open(stat_files_, tid, "stat", 0, &kept);
    if (fd < 0) return;
    const ssize_t n = ::pread(fd, stat, sizeof stat, 0);
    if (!kept) ::close(fd);
    if (n > 0) {
      switch (ProcStatState(std::string_view(stat, static_cast<size_t>(n)))) {
        case 'R': ++out->running; break;
        case 'S': ++out->sleeping; break;
        case 'D': ++out->uninterruptible; break;
        case 'T': ++out->stopped; break;
        default: break;  // idle kernel threads, zombies, tracing stops: no bucket, as in taskstats
      }
      return;
    }
    if (!kept) return;
    Forget(stat_files_, tid);  // the thread exited: the number may be another's now
  }
}

}  // namespace agent
