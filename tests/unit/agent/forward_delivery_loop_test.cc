// DeliveryLoop with a scripted fake receiver: what is acknowledged in the buffer, retried, dropped
// and counted for each kind of response.
#include "agent/sinks/delivery_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>

namespace agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Answers with the scripted statuses in order, then 200; records every body it was sent.
class ScriptedPusher : public HttpPusher {
 public:
  ScriptedPusher(std::deque<int> statuses, std::vector<std::string>* bodies, std::mutex* mu)
      : statuses_(std::move(statuses)), bodies_(bodies), mu_(mu) {}
  PushResponse Post(const std::string& body, const std::map<std::string, std::string>&) override {
    std::lock_guard lock(*mu_);
    bodies_->push_back(body);
    int status = 200;
    if (!statuses_.empty()) {
      status = statuses_.front();
      statuses_.pop_front();
    }
    return {status, status == 0 ? "connection refused" : ""};
  }

 private:
  std::deque<int> statuses_;
  std::vector<std::string>* bodies_;
  std::mutex* mu_;
};

struct Case {
  const char* name;
  std::deque<int> statuses;
  size_t posts;          // requests made for the one batch
  const char* outcome;   // what the last request counted as
  double items_sent;
  double items_dropped;
};

class DeliveryLoopTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("delivery_loop_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

Payload JoinRecords(const std::vector<std::string>& records) {
  Payload p;
  for (const auto& r : records) p.body += r + ";";
  p.items = records.size();
  return p;
}

TEST_P(DeliveryLoopTest, BatchIsAcknowledgedOnlyWhenDeliveredOrRejected) {
  const Case& c = GetParam();
  auto buffer = SegmentBuffer::Open({dir_, 1 << 20, 0, FsyncPolicy::kNever, {}});
  ASSERT_TRUE(buffer.ok());
  for (const char* r : {"a", "b", "c"}) ASSERT_TRUE((*buffer)->Append(r).ok());
  std::vector<std::string> bodies;
  std::mutex mu;
  ForwardMetrics metrics;
  DeliveryLoop loop({"test", [](std::string_view) { return 1; }, 10, 50ms, 1ms, 4ms}, **buffer,
                    std::make_unique<ScriptedPusher>(c.statuses, &bodies, &mu), JoinRecords, metrics);
  loop.Start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((*buffer)->acked() == BufferCursor{} && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_NE((*buffer)->acked(), BufferCursor{});
  loop.Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), c.posts);
  for (const auto& b : bodies) EXPECT_EQ(b, "a;b;c;");  // the same batch every time
  EXPECT_EQ(metrics.requests.Value({"test", c.outcome}), 1);
  EXPECT_EQ(metrics.requests.Value({"test", "retry"}), static_cast<double>(c.posts - 1));
  EXPECT_EQ(metrics.items_sent.Value({"test"}), c.items_sent);
  EXPECT_EQ(metrics.items_dropped.Value({"test"}), c.items_dropped);
}

INSTANTIATE_TEST_SUITE_P(
    Responses, DeliveryLoopTest,
    ::testing::Values(Case{"Accepted", {}, 1, "delivered", 3, 0},
                      Case{"RetriedUntilAccepted", {0, 503, 429, 500}, 5, "delivered", 3, 0},
                      Case{"Rejected", {400}, 1, "dropped", 0, 3},
                      Case{"RetriedThenRejected", {502, 413}, 2, "dropped", 0, 3}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DeliveryLoop, StoppingDuringRetriesLeavesTheBatchForTheNextRun) {
  const fs::path dir = fs::temp_directory_path() / ("delivery_loop_stop_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    auto buffer = SegmentBuffer::Open({dir, 1 << 20, 0, FsyncPolicy::kNever, {}});
    ASSERT_TRUE((*buffer)->Append("x").ok());
    std::vector<std::string> bodies;
    std::mutex mu;
    ForwardMetrics metrics;
    DeliveryLoop loop({"test", [](std::string_view) { return 1; }, 10, 10ms, 1ms, 2ms}, **buffer,
                      std::make_unique<ScriptedPusher>(std::deque<int>(1000, 503), &bodies, &mu),
                      JoinRecords, metrics);
    loop.Start();
    std::this_thread::sleep_for(100ms);
    loop.Stop();
    EXPECT_EQ((*buffer)->acked(), BufferCursor{});
  }
  auto reopened = SegmentBuffer::Open({dir, 1 << 20, 0, FsyncPolicy::kNever, {}});
  auto batch = (*reopened)->Read({}, [](std::string_view) { return 1; }, 10, std::chrono::steady_clock::now());
  EXPECT_EQ(batch->records, std::vector<std::string>{"x"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace agent
