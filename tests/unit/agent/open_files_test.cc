// OpenFiles keeps files open between scrapes. When a read on a kept descriptor fails (the kernel
// object behind it is gone), kGone reports the path gone, and kReopen opens the path once more,
// for sysfs attributes of a device that was replaced under the same name (netclass).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "agent/procfs.h"
#include "tests/common/temp_dir.h"

namespace agent {
namespace {

// A child process that sleeps until killed: its /proc/<pid>/stat can be read until it is reaped,
// and a descriptor kept on it fails (ESRCH) after.
class Child {
 public:
  Child() : pid_(::fork()) {
    if (pid_ == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~Child() { Reap(); }
  void Reap() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string Stat() const { return "/proc/" + std::to_string(pid_) + "/stat"; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

TEST(OpenFiles, AFailedReadOfAKeptFileIsGoneOrReopenedOnce) {
  const struct {
    const char* name;
    OpenFiles::OnReadError on_error;
    bool replacement_exists;
    bool want_ok;
  } cases[] = {
      {"kGone: the path is reported gone, not reopened", OpenFiles::OnReadError::kGone, true, false},
      {"kReopen: the path now names another object, read from it", OpenFiles::OnReadError::kReopen, true, true},
      {"kReopen: the path names nothing now, gone after one try", OpenFiles::OnReadError::kReopen, false, false},
  };
  for (const auto& c : cases) {
    testsupport::TempDir dir;
    const std::filesystem::path attribute = dir.path() / "attribute";
    Child first;
    ASSERT_GT(first.pid(), 0);
    std::filesystem::create_symlink(first.Stat(), attribute);
    OpenFiles files(c.on_error);
    auto before = files.Read(attribute.string());
    ASSERT_TRUE(before.ok()) << c.name << ": " << before.status().ToString();
    EXPECT_EQ(before->rfind(std::to_string(first.pid()) + " (", 0), 0u) << c.name;

    first.Reap();  // the kept descriptor now fails
    Child second;
    std::filesystem::remove(attribute);
    std::filesystem::create_symlink(c.replacement_exists ? second.Stat() : "/proc/0/none", attribute);
    auto after = files.Read(attribute.string());
    EXPECT_EQ(after.ok(), c.want_ok) << c.name << ": " << (after.ok() ? *after : after.status().ToString());
    if (c.want_ok) {
      EXPECT_EQ(after->rfind(std::to_string(second.pid()) + " (", 0), 0u) << c.name << ": " << *after;
    }
  }
}

}  // namespace
}  // namespace agent
