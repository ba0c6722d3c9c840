// `fleetctl rollout ...` end to end against the controller's real API server in this process
// (SQLite store in a scratch directory), with statuses written the way the Rollout reconciler
// writes them.
#include "fleetctl/rollout_commands.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/api_fixture.h"
#include "tests/unit/fleetctl/rollouts.h"

namespace fleetctl {
namespace {

using fleet::Json;
using rollouts::Rollout;

// The commands through fleetctl's own command line, against the real API server.
class RolloutCommandsTest : public ApiServerFixture {
 protected:
  void SetUp() override {
    ApiServerFixture::SetUp();
    auto applied = registry_->Apply(
        {{{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Rollout"}, {"metadata", {{"name", "web"}}},
          {"spec", {{"selector", {{"matchLabels", {{"role", "web"}}}}}}}}},
        false);
    ASSERT_TRUE(applied.ok()) << applied.status().message();
  }

  // Writes a status as the controller would: current for the stored generation.
  void SetStatus(const std::string& phase) {
    Json r = *store_->Get("Rollout", "web");
    Json status = Rollout(phase)["status"];
    status["observedGeneration"] = r["metadata"]["generation"];
    status["observedInputsRevision"] = std::to_string(store_->Revision());
    status["message"] = "because";
    Json body = {{"metadata", {{"resourceVersion", r["metadata"]["resourceVersion"]}}}, {"status", status}};
    auto written = registry_->UpdateStatus(*fleet::FindKind("Rollout"), "web", body, false);
    ASSERT_TRUE(written.ok()) << written.status().message();
  }
  Json Spec() { return (*store_->Get("Rollout", "web"))["spec"]; }
};

TEST_F(RolloutCommandsTest, StatusExitCodes) {
  struct Row {
    const char* phase;
    int rc;
    const char* err;  // on stderr
  };
  const Row rows[] = {
      {"Completed", 0, ""},
      {"Failed", 1, "rollout/web Failed: because"},
      {"RolledBack", 1, "rollout/web RolledBack: because"},
      {"Paused", 3, "rollout/web Paused: because"},
      {"Progressing", 2, "rollout/web: timed out after 1s (revision 2 Progressing: 1/2 updated, 0 failed - because)"},
  };
  for (const auto& row : rows) {
    ASSERT_NO_FATAL_FAILURE(SetStatus(row.phase));
    auto r = Fleetctl({"rollout", "status", "web", "--timeout", "1"});
    EXPECT_EQ(r.rc, row.rc) << row.phase << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(row.err), std::string::npos) << row.phase << ": " << r.err;
    EXPECT_NE(r.out.find("rollout/web revision 2 " + std::string(row.phase)), std::string::npos) << r.out;
  }
  auto missing = Fleetctl({"rollout", "status", "nope", "--timeout", "1"});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("error: "), std::string::npos) << missing.err;
}

TEST_F(RolloutCommandsTest, StatusWaitsForAStatusThatCoversTheLatestChange) {
  ASSERT_NO_FATAL_FAILURE(SetStatus("Completed"));
  // A Host the rollout selects is applied after the status was written: not covered yet.
  auto applied = registry_->Apply({{{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Host"},
                                    {"metadata", {{"name", "web-9"}, {"labels", {{"role", "web"}}}}},
                                    {"spec", {{"address", "10.0.0.9"}, {"profile", "p"}}}}},
                                  false);
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  auto r = Fleetctl({"rollout", "status", "web", "--timeout", "1"});
  EXPECT_EQ(r.rc, kRolloutTimedOut) << r.out << r.err;
  EXPECT_NE(r.out.find("waiting for the controller to observe the latest change"), std::string::npos) << r.out;
}

TEST_F(RolloutCommandsTest, UndoPauseResumeWriteTheSpec) {
  struct Row {
    std::vector<std::string> args;
    int rc;
    Json rollback_to;  // spec.rollbackTo afterwards (null: absent)
  };
  const Row rows[] = {
      {{"undo", "web"}, 0, {{"revision", 0}}},
      {{"undo", "web", "--to-revision", "3"}, 0, {{"revision", 3}}},
      {{"undo", "web", "--to-revision", "-1"}, 105, nullptr},
      {{"undo", "web", "--to-revision", "two"}, 105, nullptr},
      {{"undo", "nope", "--to-revision", "1"}, 1, nullptr},
  };
  for (const auto& row : rows) {
    Json r = *store_->Get("Rollout", "web");
    r["spec"].erase("rollbackTo");
    r.erase("status");
    ASSERT_TRUE(registry_->Update(*fleet::FindKind("Rollout"), "web", r, false).ok());
    std::vector<std::string> args = {"rollout"};
    args.insert(args.end(), row.args.begin(), row.args.end());
    auto out = Fleetctl(args);
    const std::string what = row.args.back();
    EXPECT_EQ(out.rc, row.rc) << what << ": " << out.out << out.err;
    if (row.rollback_to.is_null()) {
      EXPECT_FALSE(Spec().contains("rollbackTo")) << what;
    } else {
      EXPECT_EQ(Spec()["rollbackTo"], row.rollback_to) << what;
    }
  }
  EXPECT_EQ(Fleetctl({"rollout", "undo", "web", "--to-revision", "3"}).out, "rollout/web rolling back to revision 3\n");
  EXPECT_EQ(Fleetctl({"rollout", "pause", "web"}).out, "rollout/web paused\n");
  EXPECT_EQ(Spec()["paused"], true);
  EXPECT_EQ(Fleetctl({"rollout", "resume", "web"}).out, "rollout/web resumed\n");
  EXPECT_EQ(Spec()["paused"], false);
}

TEST_F(RolloutCommandsTest, HistoryPrintsTheTable) {
  ASSERT_NO_FATAL_FAILURE(SetStatus("Completed"));
  auto r = Fleetctl({"rollout", "history", "web"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, FormatRolloutHistory(*store_->Get("Rollout", "web")));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
}

}  // namespace
}  // namespace fleetctl
