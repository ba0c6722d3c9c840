#include "controller/workqueue.h"

#include <gtest/gtest.h>

namespace controller {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, DeduplicatesQueuedKeys) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsProcessedAgainAfterDone) {
  WorkQueue q;
  q.Add("a");
  auto k = q.Get();
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u) << "not handed to a second worker while in flight";
  q.Done(*k);
  EXPECT_EQ(q.Len(), 1u);
}

TEST(WorkQueueTest, BackoffDoublesPerFailureAndResetsOnForget) {
  WorkQueue q(10ms, 1000ms);
  EXPECT_EQ(q.NextBackoff("a"), 10ms);
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextBackoff("a"), 20ms);
  q.AddRateLimited("a");
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextBackoff("a"), 80ms);
  for (int i = 0; i < 10; ++i) q.AddRateLimited("a");
  EXPECT_EQ(q.NextBackoff("a"), 1000ms) << "capped";
  q.Forget("a");
  EXPECT_EQ(q.NextBackoff("a"), 10ms);
}

TEST(WorkQueueTest, DelayedAddArrivesAfterTheDelay) {
  WorkQueue q;
  auto start = std::chrono::steady_clock::now();
  q.AddAfter("a", 100ms);
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST(WorkQueueTest, ShutDownReleasesWaiters) {
  WorkQueue q;
  std::thread t([&] { EXPECT_FALSE(q.Get().has_value()); });
  std::this_thread::sleep_for(20ms);
  q.ShutDown();
  t.join();
}

}  // namespace
}  // namespace controller
