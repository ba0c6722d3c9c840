#include "controller/workqueue.h"

#include <gtest/gtest.h>

#include <thread>

namespace controller {
namespace {

using namespace std::chrono_literals;

// Time that moves only when a test says so.
struct FakeClock {
  WorkQueue::Clock::time_point now{};
  WorkQueue::Now Reader() {
    return [this] { return now; };
  }
};

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
  FakeClock clock;
  WorkQueue q(1s, 5min, clock.Reader());
  q.AddAfter("a", 100ms);
  EXPECT_EQ(q.Len(), 0u);
  clock.now += 99ms;
  EXPECT_EQ(q.Len(), 0u) << "1 ms early";
  clock.now += 1ms;
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(*q.Get(), "a");
}

TEST(WorkQueueTest, DelayedKeysArriveInDeadlineOrderOnce) {
  FakeClock clock;
  WorkQueue q(1s, 5min, clock.Reader());
  q.AddAfter("late", 2s);
  q.AddAfter("early", 1s);
  q.AddAfter("early", 1500ms);
  clock.now += 1s;
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(*q.Get(), "early");
  clock.now += 1s;
  EXPECT_EQ(q.Len(), 1u) << "the second \"early\" is queued once, while in flight";
  EXPECT_EQ(*q.Get(), "late");
  q.Done("early");
  EXPECT_EQ(*q.Get(), "early") << "due while being processed: processed again after Done";
}

TEST(WorkQueueTest, RateLimitedKeyComesBackAfterItsBackoff) {
  FakeClock clock;
  WorkQueue q(10ms, 1000ms, clock.Reader());
  q.AddRateLimited("a");
  q.AddRateLimited("a");  // the second failure waits 20 ms, the first 10 ms
  clock.now += 9ms;
  EXPECT_EQ(q.Len(), 0u);
  clock.now += 1ms;
  EXPECT_EQ(q.Len(), 1u);
}

TEST(WorkQueueTest, GetWaitsForADelayedKeyByTheClock) {
  WorkQueue q;  // the real clock: Get must wake by itself when the key is due
  const auto start = WorkQueue::Clock::now();
  q.AddAfter("a", 20ms);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_GE(WorkQueue::Clock::now() - start, 20ms);
}

TEST(WorkQueueTest, ShutDownReleasesWaiters) {
  // Whether Get is already waiting or not when ShutDown comes, it returns nullopt.
  WorkQueue q;
  q.AddAfter("a", 1h);
  std::thread t([&] { EXPECT_FALSE(q.Get().has_value()); });
  q.ShutDown();
  t.join();
}

}  // namespace
}  // namespace controller
