// ProcessWalker over the real /proc: what it counts for a process and its threads, that files it
// keeps open show the process as it is now, and that it lets go of processes that exited.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "agent/container/process_stats.h"

namespace agent {
namespace {

namespace fs = std::filesystem;

// The descriptors and sockets of the calling process, listed another way (std::filesystem's
// listing counts the directory descriptor it lists with, as the walker's count has its own).
ProcessStats OwnDescriptors() {
  ProcessStats out;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    ++out.file_descriptors;
    if (fs::read_symlink(entry.path()).string().starts_with("socket:")) ++out.sockets;
  }
  return out;
}

// A child that waits for signals, and is killed and reaped at the end of the test.
class Child {
 public:
  Child() : pid_(::fork()) {
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~Child() {
    if (pid_ > 0) Kill();
  }
  int pid() const { return pid_; }
  void Kill() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int pid_;
};

TEST(ProcessWalker, CountsDescriptorsAndSocketsAndReListsAKeptDirectory) {
  ProcessWalker walker("/proc");
  const std::vector<int> self{::getpid()};
  const ProcessStats before = walker.Read(self, {});
  // Both listings count the directory they list with: the walker's, which it keeps open, and
  // std::filesystem's, which it opens for the listing alone.
  const ProcessStats listed = OwnDescriptors();
  EXPECT_EQ(before.file_descriptors + 1, listed.file_descriptors);
  EXPECT_EQ(before.sockets, listed.sockets);
  ASSERT_EQ(walker.open_files(), 1u);

  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  const ProcessStats after = walker.Read(self, {});
  ::close(pair[0]);
  ::close(pair[1]);
  EXPECT_EQ(after.file_descriptors, before.file_descriptors + 2);
  EXPECT_EQ(after.sockets, before.sockets + 2);
  EXPECT_EQ(walker.open_files(), 1u);  // the same directory, listed from its start again
}

TEST(ProcessWalker, AKeptStatFileShowsTheThreadsStateNowAndAnExitedOneIsLetGo) {
  Child child;
  ASSERT_GT(child.pid(), 0);
  ProcessWalker walker("/proc");
  const std::vector<int> ids{child.pid()};
  // Just forked, the child may not have reached pause() yet.
  ProcessStats s;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(5))) {
    s = walker.Read(ids, ids);
    if (s.sleeping == 1) break;
  }
  ASSERT_EQ(s.sleeping, 1u);
  EXPECT_EQ(walker.open_files(), 2u);

  ::kill(child.pid(), SIGSTOP);
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid(), &status, WUNTRACED), child.pid());
  ASSERT_TRUE(WIFSTOPPED(status));
  s = walker.Read(ids, ids);
  EXPECT_EQ(s.stopped, 1u);
  EXPECT_EQ(s.sleeping + s.running + s.uninterruptible, 0u);
  EXPECT_EQ(walker.open_files(), 2u);  // read again through the same files

  child.Kill();  // reaped: the number names no process now (or a new one, not the child)
  s = walker.Read(ids, ids);
  EXPECT_EQ(s.stopped + s.sleeping + s.running + s.uninterruptible, 0u);
  EXPECT_EQ(walker.open_files(), 0u);
}

TEST(ProcessWalker, BeyondMaxOpenFilesAreOpenedForEachRead) {
  Child child;
  ASSERT_GT(child.pid(), 0);
  ::kill(child.pid(), SIGSTOP);  // a state that stays put, whether or not it reached pause()
  ASSERT_EQ(::waitpid(child.pid(), nullptr, WUNTRACED), child.pid());
  const std::vector<int> ids{child.pid()};
  ProcessWalker capped("/proc", /*max_open=*/1);
  ProcessWalker uncapped("/proc");
  const ProcessStats want = uncapped.Read(ids, ids);
  ASSERT_EQ(want.stopped, 1u);
  ASSERT_GT(want.file_descriptors, 0u);
  for (int i = 0; i < 3; ++i) {
    const ProcessStats got = capped.Read(ids, ids);
    EXPECT_EQ(got.file_descriptors, want.file_descriptors);
    EXPECT_EQ(got.sockets, want.sockets);
    EXPECT_EQ(got.stopped, 1u);  // read from a stat file opened and closed for this read
    EXPECT_EQ(capped.open_files(), 1u);
  }
  EXPECT_EQ(uncapped.open_files(), 2u);
}

TEST(ProcessWalker, CloseUnusedClosesWhatNoReadSinceTheLastCallUsed) {
  ProcessWalker walker("/proc");
  walker.Read({::getpid()}, {});
  walker.CloseUnused();  // the scrape that read it
  EXPECT_EQ(walker.open_files(), 1u);
  walker.CloseUnused();  // a scrape that did not
  EXPECT_EQ(walker.open_files(), 0u);
}

}  // namespace
}  // namespace agent
