// Push response classification (remote write 1.0 rules) and capped jittered backoff.
#include "agent/sinks/retry.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

TEST(PushOutcome, FollowsRemoteWriteRules) {
  struct Case { int status; PushOutcome want; };
  for (const auto& c : std::vector<Case>{{200, PushOutcome::kDelivered}, {204, PushOutcome::kDelivered},
                                         {0, PushOutcome::kRetry}, {429, PushOutcome::kRetry},
                                         {500, PushOutcome::kRetry}, {503, PushOutcome::kRetry},
                                         {400, PushOutcome::kDrop}, {401, PushOutcome::kDrop},
                                         {404, PushOutcome::kDrop}, {413, PushOutcome::kDrop}}) {
    EXPECT_EQ(ClassifyPushStatus(c.status), c.want) << c.status;
  }
}

TEST(Backoff, GrowsExponentiallyWithJitterUpToTheCap) {
  using std::chrono::milliseconds;
  Backoff backoff(milliseconds(100), milliseconds(1000));
  const std::vector<long> ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
  for (long ceiling : ceilings) {
    const auto d = backoff.Next().count();
    EXPECT_GE(d, ceiling / 2);
    EXPECT_LE(d, ceiling);
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next().count(), 100);
}

}  // namespace
}  // namespace agent
