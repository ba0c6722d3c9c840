#include "fleet/core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace fleet {
namespace {

// Both ends of a pipe, closed on scope exit unless released.
struct Pipe {
  std::array<int, 2> fd{-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
  void Close(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

}  // namespace

Result<SubprocessResult> RunSubprocess(const std::vector<std::string>& argv,
                                       const SubprocessLimits& limits) {
  if (argv.empty()) return Status::Invalid("empty command");
  Pipe out, err;
  if (::pipe2(out.fd.data(), O_CLOEXEC) != 0 || ::pipe2(err.fd.data(), O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  out.Close(1);
  err.Close(1);
  if (spawned != 0) {
    return Status::Unavailable("cannot run " + argv[0] + ": " + std::strerror(spawned));
  }

  SubprocessResult result;
  Status failed;
  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  // Readable once the child has exited: one that closed its output and went on is waited for
  // only until the deadline, too.
  // (by syscall: glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage)
  const int exited_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (exited_fd < 0) failed = Status::Internal(std::string("pidfd_open: ") + std::strerror(errno));
  std::array<pollfd, 3> fds = {pollfd{out.fd[0], POLLIN, 0}, pollfd{err.fd[0], POLLIN, 0},
                               pollfd{exited_fd, POLLIN, 0}};
  while (failed.ok() && (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      failed = Status(Code::kDeadlineExceeded, argv[0] + " did not finish within " +
                                                   std::to_string(limits.timeout.count()) + " ms");
      break;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      failed = Status::Internal(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[2].revents != 0) fds[2].fd = -1;  // exited; reaped below
    for (size_t i = 0; i < 2 && failed.ok(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[16384];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;  // closed with its Pipe
        continue;
      }
      std::string& sink = i == 0 ? result.out : result.err;
      const size_t limit = i == 0 ? limits.max_stdout : limits.max_stderr;
      if (sink.size() + static_cast<size_t>(n) > limit) {
        failed = Status::Internal(argv[0] + " printed more than " + std::to_string(limit) +
                                  " bytes on " + (i == 0 ? "stdout" : "stderr"));
      } else {
        sink.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  if (exited_fd >= 0) ::close(exited_fd);
  if (!failed.ok()) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failed.ok()) return failed;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace fleet
