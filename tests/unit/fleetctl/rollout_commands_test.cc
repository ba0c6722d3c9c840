// `fleetctl rollout ...`: what `status` makes of a Rollout (exit codes, lines, when a status is
// current) and the history table. The commands against a real API server are in
// tests/integration/fleetctl_rollout_commands_test.cc.
#include "fleetctl/rollout_commands.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/fleetctl/rollouts.h"

namespace fleetctl {
namespace {

using fleet::Json;
using rollouts::Hosts;
using rollouts::Rollout;

TEST(ViewRolloutTest, ExitCodesAndWhenAStatusIsCurrent) {
  const Json web = {{"matchLabels", {{"role", "web"}}}};
  struct Row {
    const char* name;
    Json rollout;
    int64_t inputs;
    Json hosts;
    bool current;
    std::optional<int> exit_code;
  };
  const Row rows[] = {
      {"completed", Rollout("Completed", {}, web), 40, Hosts(3), true, kRolloutCompleted},
      {"failed", Rollout("Failed", {}, web), 40, Hosts(3), true, kRolloutFailed},
      {"rolled back", Rollout("RolledBack", {}, web), 40, Hosts(3), true, kRolloutFailed},
      {"paused", Rollout("Paused", {}, web), 40, Hosts(3), true, kRolloutPaused},
      {"progressing: keep waiting", Rollout("Progressing", {}, web), 40, Hosts(3), true, std::nullopt},
      {"no phase yet", Rollout("", {}, web), 40, Hosts(3), true, std::nullopt},
      {"spec edited, not yet observed", Rollout("Completed", {{"observedGeneration", 1}}, web), 40, Hosts(3), false, std::nullopt},
      {"profile applied after the status", Rollout("Completed", {}, web), 41, Hosts(3), false, std::nullopt},
      {"a selected Host's own spec edited", Rollout("Completed", {}, web), 40, Hosts(4), false, std::nullopt},
      {"a new selected Host not yet observed", Rollout("Completed", {{"observedHostGenerations", Json::object()}}, web), 40, Hosts(3), false, std::nullopt},
      {"an unselected Host's edit does not matter", Rollout("Completed", {}, web), 40, Hosts(3), true, kRolloutCompleted},
      {"empty selector selects every Host", Rollout("Completed", {}, Json::object()), 40, Hosts(3), false, std::nullopt},
  };
  for (const auto& row : rows) {
    RolloutView v = ViewRollout(row.rollout, row.inputs, row.hosts);
    EXPECT_EQ(v.current, row.current) << row.name;
    EXPECT_EQ(v.exit_code, row.exit_code) << row.name;
    if (!row.current) {
      EXPECT_EQ(v.line, "waiting for the controller to observe the latest change") << row.name;
    }
  }
  EXPECT_EQ(ViewRollout(Rollout("Progressing", {}, web), 40, Hosts(3)).line,
            "revision 2 Progressing: 1/2 updated, 0 failed - m");
}

TEST(RolloutProgressBarTest, UpdatedOutOfTheTargetsHosts) {
  struct Row {
    int updated;
    const char* bar;
  };
  for (const Row& row : {Row{0, "[..........]"}, Row{1, "[#####.....]"}, Row{2, "[##########]"}, Row{5, "[##########]"}}) {
    EXPECT_EQ(RolloutProgressBar(Rollout("Progressing", {{"updatedHosts", row.updated}}), 10), row.bar) << row.updated;
  }
  EXPECT_EQ(RolloutProgressBar(Json::object(), 4), "[....]") << "no status yet";
}

TEST(FormatRolloutHistoryTest, OneLinePerRevisionWithTargetAndCompletedNoted) {
  Json rollout = Rollout("Progressing", {{"targetRevision", "bbb"}, {"currentRevision", "aaa"}});
  rollout["status"]["history"][0]["createdAt"] = "2026-12-02T10:00:00Z";
  rollout["status"]["history"][1]["createdAt"] = "2026-12-02T11:00:00Z";
  EXPECT_EQ(FormatRolloutHistory(rollout),
            "REVISION  CREATED               HOSTS  FINGERPRINT   NOTE\n"
            "1         2026-12-02T10:00:00Z  2      aaa           completed\n"
            "2         2026-12-02T11:00:00Z  2      bbb           target (Progressing)\n");
  EXPECT_EQ(FormatRolloutHistory(Json::object()), "REVISION  CREATED               HOSTS  FINGERPRINT   NOTE\n");
}

}  // namespace
}  // namespace fleetctl
