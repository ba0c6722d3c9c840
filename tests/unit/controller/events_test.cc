#include "controller/events.h"

#include <gtest/gtest.h>

namespace controller {
namespace {

using fleet::Json;

std::vector<fleet::Condition> Conditions(
    std::initializer_list<std::tuple<const char*, const char*, const char*>> cs) {
  std::vector<fleet::Condition> out;
  for (const auto& [type, status, reason] : cs) out.push_back({type, status, reason, "m"});
  return out;
}

TEST(EventRecorderTest, RepeatsAreCountedAndTheListIsBounded) {
  EventRecorder events(3);
  events.Record("a", "Warning", "ConnectFailed", "refused");
  events.Record("a", "Warning", "ConnectFailed", "refused");
  Json list = events.List("a");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["count"], 2);
  for (int i = 0; i < 5; ++i) events.Record("a", "Normal", "Delivering", std::to_string(i));
  list = events.List("a");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2]["message"], "4");
  EXPECT_TRUE(events.List("b").empty());
  events.Forget("a");
  EXPECT_TRUE(events.List("a").empty());
}

TEST(EventRecorderTest, ConditionTransitionsBecomeEvents) {
  EventRecorder events;
  auto before = Conditions({{"Reachable", "True", "Connected"}, {"Healthy", "True", "AgentHealthy"}});
  auto after = Conditions({{"Reachable", "False", "HostKeyMismatch"}, {"Healthy", "True", "AgentHealthy"}});
  RecordConditionChanges(events, "h", before, after);
  Json list = events.List("h");
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["type"], "Warning");
  EXPECT_EQ(list[0]["reason"], "HostKeyMismatch");
  EXPECT_EQ(list[0]["message"], "Reachable: m");
  RecordConditionChanges(events, "h", after, after);
  EXPECT_EQ(events.List("h").size(), 1u) << "no change, no event";
}

}  // namespace
}  // namespace controller
