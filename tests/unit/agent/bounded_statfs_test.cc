// statfs with a deadline: a mount point whose call hangs is reported stuck without holding up the
// scrape, other mount points are still answered meanwhile, and the stuck one comes back once its
// call returns.
#include "agent/collectors/bounded_statfs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace agent {
namespace {

std::atomic<bool> g_hang{true};
std::atomic<int> g_hung_calls{0};

// "/hung" blocks while g_hang is set, like statfs of a dead NFS server; the rest is real.
int HangingStat(const char* path, struct statvfs* st) {
  if (std::strcmp(path, "/hung") != 0) return ::statvfs(path, st);
  ++g_hung_calls;
  while (g_hang) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return ::statvfs("/", st);
}

TEST(BoundedStatfs, AnswersAndErrorsLikeStatvfs) {
  BoundedStatfs statfs(std::chrono::seconds(5));
  struct statvfs st {};
  EXPECT_EQ(statfs.Stat("/", &st), BoundedStatfs::Outcome::kOk);
  EXPECT_GT(st.f_blocks, 0u);
  EXPECT_EQ(statfs.Stat("/nonexistent/mount", &st), BoundedStatfs::Outcome::kError);
  EXPECT_EQ(errno, ENOENT);
}

TEST(BoundedStatfs, AHungMountIsStuckUntilItsCallReturnsAndOthersAreStillAnswered) {
  BoundedStatfs statfs(std::chrono::milliseconds(100));
  statfs.set_stat_for_testing(HangingStat);
  struct statvfs st {};
  EXPECT_EQ(statfs.Stat("/hung", &st), BoundedStatfs::Outcome::kStuck);
  EXPECT_EQ(statfs.Stat("/hung", &st), BoundedStatfs::Outcome::kStuck);
  EXPECT_EQ(g_hung_calls, 1) << "a stuck mount point is not asked again while its call hangs";
  EXPECT_EQ(statfs.Stat("/", &st), BoundedStatfs::Outcome::kOk) << "a new worker serves the others";

  g_hang = false;  // the server is back: the hung call returns
  bool back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    back = statfs.Stat("/hung", &st) == BoundedStatfs::Outcome::kOk;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(back);
  EXPECT_EQ(g_hung_calls, 2);
}

}  // namespace
}  // namespace agent
