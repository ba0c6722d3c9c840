#include "controller/rollout.h"

#include <gtest/gtest.h>

#include "tests/unit/controller/fakes.h"

namespace controller {
namespace {

using fleet::Json;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

const Clock::time_point kStart = Clock::from_time_t(1'800'000'000);

Json MakeRollout(Json strategy, Json extra_spec = Json::object()) {
  Json spec = {{"strategy", std::move(strategy)},
               {"healthGate", {{"minHealthySeconds", 10}, {"progressDeadlineSeconds", 60}}},
               {"failureThreshold", 1},
               {"autoRollback", true}};
  spec.update(extra_spec);
  return {{"metadata", {{"name", "web"}, {"generation", 1}}}, {"spec", spec}};
}

Json HostStatus(const std::string& revision, const char* healthy, const char* reason,
                Clock::time_point since) {
  return {{"revision", revision},
          {"conditions",
           {{{"type", "Reachable"}, {"status", "True"}, {"lastTransitionTime", FormatRfc3339(kStart - seconds(3600))}},
            {{"type", "Healthy"}, {"status", healthy}, {"reason", reason}, {"message", "m"},
             {"lastTransitionTime", FormatRfc3339(since)}}}}};
}

// n hosts running "old-<i>" healthy for an hour, rendered to "new-<i>".
std::vector<RolloutHost> Fleet(int n) {
  std::vector<RolloutHost> hosts;
  for (int i = 0; i < n; ++i) {
    std::string name = "h" + std::to_string(10 + i);
    hosts.push_back({name, "new-" + name, HostStatus("old-" + name, "True", "AgentHealthy", kStart - seconds(3600))});
  }
  return hosts;
}

// What the Host reconcilers would do with a decision: each host runs what it was admitted to,
// and becomes healthy on it at `now` (or, for hosts in `broken`, never).
void Deliver(const Json& status, std::vector<RolloutHost>& hosts, Clock::time_point now,
             const std::set<std::string>& broken = {}) {
  for (auto& h : hosts) {
    if (!status["hosts"].contains(h.name)) continue;
    const Json& e = status["hosts"][h.name];
    if (h.status["revision"] == e["revision"]) continue;
    bool ok = !broken.count(e["revision"]);
    h.status = HostStatus(e["revision"], ok ? "True" : "False", ok ? "AgentHealthy" : "RevisionMismatch", now);
  }
}

struct Step {
  RolloutDecision decision;
  std::vector<std::string> admitted;  // newly admitted in this step
};

// Runs the rollout until it settles; every step is one reconcile, minHealthySeconds + 1 apart.
std::vector<Step> Drive(Json& rollout, std::vector<RolloutHost>& hosts, Clock::time_point& now,
                        const std::set<std::string>& broken = {}) {
  std::vector<Step> steps;
  for (int i = 0; i < 40; ++i) {
    Step s;
    s.decision = DecideRollout(rollout, hosts, "7", now);
    const Json& before = rollout.value("status", Json::object()).value("hosts", Json::object());
    for (const auto& [name, e] : s.decision.status["hosts"].items()) {
      if (!before.contains(name) && e["state"] == "Admitted") s.admitted.push_back(name);
    }
    rollout["status"] = s.decision.status;
    steps.push_back(s);
    std::string phase = s.decision.status["phase"];
    if (phase != "Progressing") break;
    Deliver(rollout["status"], hosts, now, broken);
    now += seconds(11);
  }
  return steps;
}

TEST(DecideRolloutTest, CanaryThenBatchesBoundedByMaxUnavailable) {
  struct Row {
    const char* name;
    Json strategy;
    int hosts;
    std::vector<size_t> batches;
  };
  const Row rows[] = {
      {"canary 1, maxUnavailable 2", {{"canary", {{"hosts", 1}}}, {"maxUnavailable", 2}}, 10, {1, 2, 2, 2, 2, 1}},
      {"percentages", {{"canary", {{"hosts", "20%"}}}, {"maxUnavailable", "30%"}}, 10, {2, 3, 3, 2}},
      {"no canary", {{"maxUnavailable", 3}}, 7, {3, 3, 1}},
      {"tiny percentage still moves", {{"canary", {{"hosts", "1%"}}}, {"maxUnavailable", "1%"}}, 3, {1, 1, 1}},
  };
  for (const auto& row : rows) {
    Json rollout = MakeRollout(row.strategy);
    auto hosts = Fleet(row.hosts);
    auto now = kStart;
    auto steps = Drive(rollout, hosts, now);
    std::vector<size_t> batches;
    for (const auto& s : steps) {
      if (!s.admitted.empty()) batches.push_back(s.admitted.size());
      int unavailable = 0;
      for (const auto& [name, e] : s.decision.status["hosts"].items()) unavailable += e["state"] == "Admitted";
      EXPECT_LE(unavailable, std::max<int>(row.batches[0], row.batches.size() > 1 ? row.batches[1] : 0)) << row.name;
    }
    EXPECT_EQ(batches, row.batches) << row.name;
    const Json& st = steps.back().decision.status;
    EXPECT_EQ(st["phase"], "Completed") << row.name;
    EXPECT_EQ(st["updatedHosts"], row.hosts) << row.name;
    EXPECT_EQ(st["currentRevision"], st["targetRevision"]) << row.name;
    EXPECT_EQ(st["revision"], 1) << row.name;
    for (const auto& h : hosts) EXPECT_EQ(h.status["revision"], h.desired) << row.name;
  }
}

TEST(DecideRolloutTest, HealthGate) {
  const auto admitted_at = kStart;
  struct Row {
    const char* name;
    Json host_status;
    int seconds_after_admission;
    const char* state;
  };
  Json unreachable_after = HostStatus("old-h10", "True", "AgentHealthy", kStart - seconds(100));
  unreachable_after["conditions"][0] = {{"type", "Reachable"}, {"status", "False"}, {"message", "refused"},
                                        {"lastTransitionTime", FormatRfc3339(kStart + seconds(1))}};
  Json unreachable_before = unreachable_after;
  unreachable_before["conditions"][0]["lastTransitionTime"] = FormatRfc3339(kStart - seconds(5));
  const Row rows[] = {
      {"healthy on the new revision long enough", HostStatus("new-h10", "True", "AgentHealthy", kStart + seconds(2)), 12, "Updated"},
      {"healthy, not yet long enough", HostStatus("new-h10", "True", "AgentHealthy", kStart + seconds(2)), 11, "Admitted"},
      {"healthy since before admission counts from admission", HostStatus("new-h10", "True", "AgentHealthy", kStart - seconds(99)), 9, "Admitted"},
      {"reports unhealthy right after the restart", HostStatus("new-h10", "False", "AgentUnhealthy", kStart + seconds(2)), 3, "Admitted"},
      {"reports unhealthy until the deadline", HostStatus("new-h10", "False", "AgentUnhealthy", kStart + seconds(2)), 61, "Failed"},
      {"unhealthy at first, then healthy long enough", HostStatus("new-h10", "True", "AgentHealthy", kStart + seconds(40)), 50, "Updated"},
      {"still on the old revision, within the deadline", HostStatus("old-h10", "True", "AgentHealthy", kStart - seconds(99)), 59, "Admitted"},
      {"never healthy by the deadline", HostStatus("new-h10", "False", "RevisionMismatch", kStart + seconds(2)), 61, "Failed"},
      {"unreachable after admission", unreachable_after, 3, "Failed"},
      {"unreachable before admission is not this rollout's failure", unreachable_before, 3, "Admitted"},
  };
  for (const auto& row : rows) {
    Json rollout = MakeRollout({{"canary", {{"hosts", 1}}}}, {{"autoRollback", false}});
    std::vector<RolloutHost> hosts = Fleet(2);
    rollout["status"] = DecideRollout(rollout, hosts, "7", admitted_at).status;
    ASSERT_EQ(rollout["status"]["hosts"].size(), 1u);
    hosts[0].status = row.host_status;
    auto d = DecideRollout(rollout, hosts, "7", admitted_at + seconds(row.seconds_after_admission));
    EXPECT_EQ(d.status["hosts"]["h10"]["state"], row.state) << row.name;
  }
}

TEST(DecideRolloutTest, BriefUnhealthyAfterRestartIsNotAFailure) {
  Json rollout = MakeRollout({{"canary", {{"hosts", 1}}}, {"maxUnavailable", 1}});
  auto hosts = Fleet(2);
  auto now = kStart;
  rollout["status"] = DecideRollout(rollout, hosts, "7", now).status;
  // The canary restarts and reports unhealthy for a few seconds, then healthy.
  hosts[0].status = HostStatus("new-h10", "False", "AgentUnhealthy", now + seconds(1));
  rollout["status"] = DecideRollout(rollout, hosts, "7", now + seconds(2)).status;
  EXPECT_EQ(rollout["status"]["hosts"]["h10"]["state"], "Admitted");
  EXPECT_EQ(rollout["status"]["phase"], "Progressing");
  hosts[0].status = HostStatus("new-h10", "True", "AgentHealthy", now + seconds(5));
  auto d = DecideRollout(rollout, hosts, "7", now + seconds(16));
  EXPECT_EQ(d.status["hosts"]["h10"]["state"], "Updated");
  EXPECT_EQ(d.status["failedHosts"], 0);
  // One that stays unhealthy fails at the deadline, saying why.
  Json stuck = rollout;
  hosts[0].status = HostStatus("new-h10", "False", "AgentUnhealthy", now + seconds(1));
  auto failed = DecideRollout(stuck, hosts, "7", now + seconds(61));
  EXPECT_EQ(failed.status["phase"], "RolledBack");
  EXPECT_NE(failed.status["message"].get<std::string>().find("not healthy on new-h10 within 60s (AgentUnhealthy: m)"),
            std::string::npos) << failed.status["message"];
}

TEST(DecideRolloutTest, FailedCanaryRollsBackOnlyTheAdmittedHosts) {
  for (bool auto_rollback : {true, false}) {
    Json rollout = MakeRollout({{"canary", {{"hosts", 1}}}, {"maxUnavailable", 2}}, {{"autoRollback", auto_rollback}});
    auto hosts = Fleet(5);
    auto now = kStart;
    auto steps = Drive(rollout, hosts, now, {"new-h10"});
    const Json& st = steps.back().decision.status;
    EXPECT_EQ(st["phase"], auto_rollback ? "RolledBack" : "Failed");
    EXPECT_EQ(st["failedHosts"], auto_rollback ? 0 : 1);
    ASSERT_EQ(st["hosts"].size(), 1u) << "only the canary was ever admitted";
    EXPECT_EQ(st["hosts"]["h10"]["revision"], auto_rollback ? "old-h10" : "new-h10");
    for (const auto& c : st["conditions"]) {
      if (c["type"] == "Progressing") {
        EXPECT_EQ(c["status"], "False");
        EXPECT_EQ(c["reason"], "FailureThresholdReached");
      }
    }
    // Stopped: later reconciles admit nothing more.
    auto again = DecideRollout(rollout, hosts, "7", now + seconds(600));
    EXPECT_EQ(again.status["hosts"].size(), 1u);
    // A new change (a fix) starts a new rollout from the hosts' current revisions.
    for (auto& h : hosts) h.desired = "fix-" + h.name;
    auto fixed = DecideRollout(rollout, hosts, "8", now + seconds(601));
    EXPECT_EQ(fixed.status["phase"], "Progressing");
    EXPECT_EQ(fixed.status["revision"], 2);
    ASSERT_EQ(fixed.status["hosts"].size(), 1u);
    EXPECT_EQ(fixed.status["hosts"]["h10"]["revision"], "fix-h10");
  }
}

TEST(DecideRolloutTest, PauseAfterCanaryWaitsForResume) {
  Json rollout = MakeRollout({{"canary", {{"hosts", 1}}}, {"maxUnavailable", 2}, {"pauseAfterCanary", true}});
  auto hosts = Fleet(4);
  auto now = kStart;
  auto steps = Drive(rollout, hosts, now);
  const auto& paused = steps.back().decision;
  EXPECT_TRUE(paused.pause) << "the controller sets spec.paused";
  EXPECT_EQ(paused.status["phase"], "Paused");
  EXPECT_EQ(paused.status["hosts"].size(), 1u);
  rollout["spec"]["paused"] = true;  // as the controller wrote it
  now += seconds(100);
  auto still = DecideRollout(rollout, hosts, "7", now);
  EXPECT_FALSE(still.pause);
  EXPECT_EQ(still.status["phase"], "Paused");
  EXPECT_EQ(still.status["hosts"].size(), 1u);
  rollout["spec"]["paused"] = false;  // fleetctl rollout resume
  auto rest = Drive(rollout, hosts, now);
  EXPECT_EQ(rest.back().decision.status["phase"], "Completed");
  EXPECT_EQ(rest[0].admitted.size(), 2u);
}

TEST(DecideRolloutTest, UndoTargetsAnEarlierRevisionUntilTheNextChange) {
  Json rollout = MakeRollout({{"maxUnavailable", 2}});
  auto hosts = Fleet(3);
  auto now = kStart;
  for (auto& h : hosts) h.desired = h.status["revision"];  // revision 1: what runs now
  Drive(rollout, hosts, now);
  for (auto& h : hosts) h.desired = "new-" + h.name;  // revision 2
  Drive(rollout, hosts, now);
  ASSERT_EQ(rollout["status"]["revision"], 2);
  ASSERT_EQ(rollout["status"]["phase"], "Completed");

  rollout["spec"]["rollbackTo"] = {{"revision", 0}};  // fleetctl rollout undo
  auto undo = DecideRollout(rollout, hosts, "7", now);
  EXPECT_TRUE(undo.clear_rollback_to);
  EXPECT_EQ(undo.status["revision"], 1);
  EXPECT_EQ(undo.status["pinned"]["revision"], 1);
  rollout["status"] = undo.status;
  rollout["spec"].erase("rollbackTo");  // as the controller clears it
  auto steps = Drive(rollout, hosts, now);
  EXPECT_EQ(steps.back().decision.status["phase"], "Completed");
  for (const auto& h : hosts) EXPECT_EQ(h.status["revision"], "old-" + h.name);
  EXPECT_EQ(rollout["status"]["history"].size(), 2u) << "an undo reuses the history entry";

  for (auto& h : hosts) h.desired = "next-" + h.name;  // the next change ends the undo
  auto next = DecideRollout(rollout, hosts, "9", now);
  EXPECT_FALSE(next.status.contains("pinned"));
  EXPECT_EQ(next.status["revision"], 3);

  rollout["spec"]["rollbackTo"] = {{"revision", 42}};
  auto missing = DecideRollout(rollout, hosts, "9", now);
  EXPECT_TRUE(missing.clear_rollback_to);
  EXPECT_EQ(missing.status["revision"], 3);
}

TEST(DecideRolloutTest, HostsBeingInstalledAreNotAdmittedButHoldCompletion) {
  Json rollout = MakeRollout({{"maxUnavailable", 1}});
  auto hosts = Fleet(2);
  hosts[1].status = Json::object();  // never delivered: its reconciler installs the target
  auto d = DecideRollout(rollout, hosts, "7", kStart);
  EXPECT_FALSE(d.status["hosts"].contains("h11"));
  rollout["status"] = d.status;
  hosts[0].status = HostStatus("new-h10", "True", "AgentHealthy", kStart);
  auto later = DecideRollout(rollout, hosts, "7", kStart + seconds(30));
  EXPECT_EQ(later.status["phase"], "Progressing");
  hosts[1].status = HostStatus("new-h11", "True", "AgentHealthy", kStart);
  EXPECT_EQ(DecideRollout(rollout, hosts, "7", kStart + seconds(31)).status["phase"], "Completed");
}

// The gate with the real store and Host reconciler: a governed host keeps its revision until
// admitted, then runs the admitted one, and goes back to an old one from its history.
class RolloutGateTest : public ReconcilerFixture {
 protected:
  void Apply(const std::string& scrape_interval, bool with_rollout, const std::string& agent_version = "") {
    Json profile_spec = {{"scrapeInterval", scrape_interval}};
    if (!agent_version.empty()) profile_spec["agent"] = {{"version", agent_version}};
    std::vector<Json> objects = {
        {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "AgentProfile"}, {"metadata", {{"name", "p"}}},
         {"spec", profile_spec}},
        {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Host"},
         {"metadata", {{"name", "web-1"}, {"labels", {{"role", "web"}}}}},
         {"spec", {{"address", "10.0.0.5"}, {"profile", "p"}, {"installDir", "/srv/fa"},
                   {"ssh", {{"hostKeyPolicy", "accept-new"}}}}}}};
    if (with_rollout) {
      objects.push_back({{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Rollout"}, {"metadata", {{"name", "web"}}},
                         {"spec", {{"selector", {{"matchLabels", {{"role", "web"}}}}},
                                   {"strategy", {{"canary", {{"hosts", 1}}}}}}}});
    }
    auto r = registry_->Apply(objects, false);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  std::string Config() { return host_.files["/srv/fa/config.yaml"].first; }
  std::string Revision() { return (*store_->Get("Host", "web-1"))["status"]["revision"]; }
  void ReconcileRollout() {
    auto r = RolloutReconciler(*registry_, options_).Reconcile("web");
    ASSERT_TRUE(r.status.ok()) << r.status.message();
  }
};

TEST_F(RolloutGateTest, GovernedHostMovesOnlyWhenAdmittedAndGoesBackFromHistory) {
  Apply("15s", true);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_NE(Config().find("scrapeInterval: 15s"), std::string::npos) << "nothing delivered yet: install";
  const std::string first = Revision();
  ReconcileRollout();

  Apply("30s", true);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Revision(), first) << "not admitted: keeps its revision";
  EXPECT_NE(Config().find("scrapeInterval: 15s"), std::string::npos);

  ReconcileRollout();  // admits the canary: the only host
  Json rollout = *store_->Get("Rollout", "web");
  ASSERT_EQ(rollout["status"]["hosts"]["web-1"]["state"], "Admitted");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_NE(Revision(), first);
  EXPECT_NE(Config().find("scrapeInterval: 30s"), std::string::npos);

  // Sent back (as autoRollback or undo would): the old revision comes from the history.
  rollout["status"]["hosts"]["web-1"]["revision"] = first;
  ASSERT_TRUE(registry_->UpdateStatus(*fleet::FindKind("Rollout"), "web", rollout, false).ok());
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Revision(), first);
  EXPECT_NE(Config().find("scrapeInterval: 15s"), std::string::npos);
}

// A store through which the second read of an AgentProfile first runs `between`: an apply that
// commits while a reconciler renders its hosts one after the other.
class InterleavingStore : public fleet::Store {
 public:
  InterleavingStore(fleet::Store& inner, std::function<void()> between)
      : inner_(inner), between_(std::move(between)) {}
  fleet::Result<Json> Get(const std::string& kind, const std::string& name) override {
    if (kind == "AgentProfile" && ++profile_reads_ == 2) between_();
    return inner_.Get(kind, name);
  }
  fleet::Result<fleet::StoredList> List(const std::string& kind) override { return inner_.List(kind); }
  fleet::Result<int64_t> Commit(std::vector<fleet::StoreOp> ops) override { return inner_.Commit(std::move(ops)); }
  fleet::Result<std::unique_ptr<fleet::Watch>> WatchFrom(const std::string& kind, int64_t from,
                                                         std::function<void(const fleet::WatchEvent&)> on_event) override {
    return inner_.WatchFrom(kind, from, std::move(on_event));
  }
  int64_t Revision() override { return inner_.Revision(); }

 private:
  fleet::Store& inner_;
  std::function<void()> between_;
  int profile_reads_ = 0;
};

// An apply that lands while the Rollout reconciler renders: the hosts rendered before it have the
// old profile and those after it the new one. Deciding on that mix admitted its canary, and the
// next reconcile (the real target) another: two hosts past a canary of one.
TEST_F(RolloutGateTest, AnApplyLandingWhileTheHostsRenderDoesNotLetTwoHostsPastACanaryOfOne) {
  auto apply = [&](const std::string& scrape_interval) {
    std::vector<Json> objects = {
        {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "AgentProfile"}, {"metadata", {{"name", "p"}}},
         {"spec", {{"scrapeInterval", scrape_interval}}}},
        {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Rollout"}, {"metadata", {{"name", "web"}}},
         {"spec", {{"selector", {{"matchLabels", {{"role", "web"}}}}},
                   {"strategy", {{"canary", {{"hosts", 1}}}, {"pauseAfterCanary", true}}}}}}};
    for (const char* name : {"web-1", "web-2"}) {
      objects.push_back({{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Host"},
                         {"metadata", {{"name", name}, {"labels", {{"role", "web"}}}}},
                         {"spec", {{"address", "10.0.0.5"}, {"profile", "p"}, {"installDir", "/srv/fa"},
                                   {"ssh", {{"hostKeyPolicy", "accept-new"}}}}}});
    }
    auto r = registry_->Apply(objects, false);
    ASSERT_TRUE(r.ok()) << r.status().message();
  };
  auto revision = [&](const char* host) { return (*store_->Get("Host", host))["status"].value("revision", ""); };
  apply("15s");
  for (const char* host : {"web-1", "web-2"}) ASSERT_TRUE(reconciler_->Reconcile(host).status.ok());
  ReconcileRollout();
  const std::string first[] = {revision("web-1"), revision("web-2")};

  InterleavingStore interleaving(*store_, [&] { apply("30s"); });
  fleet::Registry interleaved(interleaving, "k");
  auto r = RolloutReconciler(interleaved, options_).Reconcile("web");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_GT(r.requeue_after.count(), 0) << "looks again at once";
  for (int round = 0; round < 2; ++round) {
    for (const char* host : {"web-1", "web-2"}) ASSERT_TRUE(reconciler_->Reconcile(host).status.ok());
    ReconcileRollout();
  }
  const int moved = (revision("web-1") != first[0]) + (revision("web-2") != first[1]);
  EXPECT_EQ(moved, 1) << (*store_->Get("Rollout", "web"))["status"].dump();
}

TEST_F(RolloutGateTest, AgentVersionChangeIsGatedLikeAConfigChangeAndGoesBack) {
  Apply("15s", true);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_EQ(host_.agent_version, "0.1.0");
  const std::string first = Revision();
  ReconcileRollout();

  Apply("15s", true, "0.2.0");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Revision(), first) << "not admitted: keeps its revision and its agent";
  EXPECT_EQ(host_.agent_version, "0.1.0");

  ReconcileRollout();
  Json rollout = *store_->Get("Rollout", "web");
  ASSERT_EQ(rollout["status"]["hosts"]["web-1"]["state"], "Admitted");
  EXPECT_EQ(rollout["status"]["revision"], 2) << "a version change is a revision in the history";
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_NE(Revision(), first);
  EXPECT_EQ(host_.agent_version, "0.2.0");

  // Rolled back: the previous revision brings the previous agent version with it.
  rollout["status"]["hosts"]["web-1"]["revision"] = first;
  ASSERT_TRUE(registry_->UpdateStatus(*fleet::FindKind("Rollout"), "web", rollout, false).ok());
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Revision(), first);
  EXPECT_EQ(host_.agent_version, "0.1.0");
}

TEST_F(RolloutGateTest, UnknownAgentVersionLeavesTheHostOutOfTheRollout) {
  Apply("15s", true);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  const std::string first = Revision();
  ReconcileRollout();
  Apply("15s", true, "9.9.9");
  ReconcileRollout();
  Json rollout = *store_->Get("Rollout", "web");
  EXPECT_FALSE(rollout["status"]["hosts"].contains("web-1")) << rollout["status"].dump();
  EXPECT_EQ(rollout["status"]["phase"], "Failed") << "not a rollout that completes without its hosts";
  EXPECT_EQ(rollout["status"]["message"],
            "1 host(s) cannot be rendered (web-1: agentprofile/p spec.agent.version: fleet-agent 9.9.9 is "
            "not available (the controller has 0.1.0, 0.2.0)); nothing more is admitted");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Revision(), first);
  EXPECT_EQ(host_.agent_version, "0.1.0");
}

// The condition of that type in rollout's status; null when it has none.
Json ConditionOf(const Json& rollout, const std::string& type) {
  for (const auto& c : rollout["status"].value("conditions", Json::array())) {
    if (c["type"] == type) return c;
  }
  return nullptr;
}

TEST_F(RolloutGateTest, TwoRolloutsSelectingOneHostMarkTheLaterOne) {
  Apply("15s", true);  // rollout/web selects role=web
  Json everything = {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Rollout"}, {"metadata", {{"name", "zz-all"}}},
                     {"spec", {{"selector", Json::object()}}}};
  ASSERT_TRUE(registry_->Apply({everything}, false).ok());
  for (const char* name : {"web", "zz-all"}) {
    auto r = RolloutReconciler(*registry_, options_).Reconcile(name);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
  }
  const Json later = *store_->Get("Rollout", "zz-all");
  const Json overlap = ConditionOf(later, "SelectorOverlap");
  ASSERT_FALSE(overlap.is_null()) << later["status"].dump(2);
  EXPECT_EQ(overlap["status"], "True");
  EXPECT_EQ(overlap["reason"], "OverlappingSelectors");
  EXPECT_EQ(overlap["message"],
            "1 selected host(s) left to another Rollout (the first by name wins): rollout/web governs web-1; "
            "this Rollout does not change them");
  EXPECT_TRUE(ConditionOf(*store_->Get("Rollout", "web"), "SelectorOverlap").is_null())
      << "the Rollout that governs its hosts has no overlap to report";

  // The first one goes away: the later one now governs the host, and says the overlap is over.
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Rollout"), "web", false).ok());
  ASSERT_TRUE(RolloutReconciler(*registry_, options_).Reconcile("zz-all").status.ok());
  const Json now = *store_->Get("Rollout", "zz-all");
  EXPECT_EQ(ConditionOf(now, "SelectorOverlap")["status"], "False") << now["status"].dump(2);
}

TEST(DecideRolloutTest, OverlapConditionNamesTheOtherRolloutsAndCountsManyHosts) {
  Json rollout = MakeRollout({{"maxUnavailable", 1}});
  RolloutOverlaps overlaps = {{"a", {"h1", "h2", "h3", "h4", "h5", "h6", "h7"}}, {"b", {"h9"}}};
  auto d = DecideRollout(rollout, Fleet(1), "7", kStart, overlaps);
  const Json decided = {{"status", d.status}};
  const Json c = ConditionOf(decided, "SelectorOverlap");
  EXPECT_EQ(c["message"],
            "8 selected host(s) left to another Rollout (the first by name wins): rollout/a governs h1, h2, "
            "h3, h4, h5 and 2 more; rollout/b governs h9; this Rollout does not change them");
  rollout["status"] = d.status;
  EXPECT_EQ(DecideRollout(rollout, Fleet(1), "7", kStart).status["conditions"].size(),
            d.status["conditions"].size()) << "cleared, not dropped";
}

TEST_F(RolloutGateTest, UngovernedHostFollowsItsRenderedRevision) {
  Apply("15s", false);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  const std::string first = Revision();
  Apply("30s", false);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_NE(Revision(), first);
  EXPECT_NE(Config().find("scrapeInterval: 30s"), std::string::npos);
}

}  // namespace
}  // namespace controller

namespace controller {
namespace {

const Json* Progressing(const Json& status) {
  for (const auto& c : status["conditions"]) {
    if (c["type"] == "Progressing") return &c;
  }
  return nullptr;
}

// Below the failure threshold, failed hosts still use up maxUnavailable: with none left the
// rollout fails (NoBudget) instead of admitting the next batch, and then stays stopped.
TEST(DecideRolloutTest, FailedHostsUsingTheWholeBudgetStopAdmission) {
  Json rollout = MakeRollout({{"maxUnavailable", 1}}, {{"failureThreshold", 2}, {"autoRollback", false}});
  auto hosts = Fleet(3);
  auto now = kStart;
  rollout["status"] = DecideRollout(rollout, hosts, "7", now).status;
  ASSERT_EQ(rollout["status"]["hosts"].size(), 1u);
  Deliver(rollout["status"], hosts, now, {"new-h10"});
  auto failed = DecideRollout(rollout, hosts, "7", now + seconds(61));
  EXPECT_EQ(failed.status["phase"], "Failed");
  EXPECT_EQ(failed.status["failedHosts"], 1);
  EXPECT_EQ(failed.status["hosts"].size(), 1u) << "nothing more admitted";
  ASSERT_NE(Progressing(failed.status), nullptr);
  EXPECT_EQ((*Progressing(failed.status))["reason"], "NoBudget");
  EXPECT_EQ(failed.requeue_after, seconds(30)) << "a stopped rollout waits for the resync";
  rollout["status"] = failed.status;
  auto later = DecideRollout(rollout, hosts, "7", now + seconds(300));
  EXPECT_EQ(later.status["phase"], "Failed");
  EXPECT_EQ((*Progressing(later.status))["reason"], "NoBudget");
}

// A progressing rollout looks again when a health gate can next decide: at the deadline after
// an admission, when minHealthySeconds have passed once the host is healthy.
TEST(DecideRolloutTest, RequeuesWhenTheHealthGateCanNextDecide) {
  Json rollout = MakeRollout({{"canary", {{"hosts", 1}}}});
  auto hosts = Fleet(2);
  auto admitted = DecideRollout(rollout, hosts, "7", kStart);
  EXPECT_EQ(admitted.requeue_after, seconds(60)) << "progressDeadlineSeconds";
  rollout["status"] = admitted.status;
  Deliver(rollout["status"], hosts, kStart + seconds(3));
  auto healthy = DecideRollout(rollout, hosts, "7", kStart + seconds(4));
  EXPECT_EQ(healthy.requeue_after, seconds(9)) << "healthy since +3s, minHealthySeconds 10";
}

}  // namespace
}  // namespace controller
