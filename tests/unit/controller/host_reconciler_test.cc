#include "controller/host_reconciler.h"

#include <gtest/gtest.h>

#include <fstream>

#include "controller/reports.h"
#include "controller/revisions.h"
#include "controller/rollout.h"
#include "tests/unit/controller/fakes.h"
#include "controller/ssh_transport.h"
#include "fleet/core/crypto.h"
#include "fleet/core/text.h"

namespace controller {
namespace {

using fleet::Json;
using fleet::Status;
using Clock = std::chrono::system_clock;

class HostReconcilerTest : public ReconcilerFixture {
 protected:
  void SetUp() override {
    ReconcilerFixture::SetUp();
    ApplyFleet("15s");
  }

  void ApplyFleet(const std::string& interval, const std::string& agent_version = "") {
    Json secret = {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Secret"},
                   {"metadata", {{"name", "deploy-key"}}},
                   {"stringData", {{"ssh-privatekey", "PRIVATE KEY"}, {"password", "pw"}}}};
    Json profile = {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "AgentProfile"},
                    {"metadata", {{"name", "standard"}}},
                    {"spec", {{"scrapeInterval", interval},
                              {"remoteWrite", {{"url", "http://mimir/api/v1/push"},
                                               {"basicAuth", {{"username", "m"}, {"passwordSecretRef", "deploy-key"}}}}}}}};
    Json host = {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Host"},
                 {"metadata", {{"name", "web-1"}}},
                 {"spec", {{"address", "10.0.0.5"}, {"profile", "standard"}, {"installDir", "/srv/fa"},
                           {"ssh", {{"keySecretRef", "deploy-key"}, {"hostKeyPolicy", "accept-new"}, {"port", 2222}}}}}};
    if (!agent_version.empty()) profile["spec"]["agent"] = {{"version", agent_version}};
    auto r = registry_->Apply({secret, profile, host}, false);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  Json Status_() { return (*store_->Get("Host", "web-1"))["status"]; }
  std::string Condition(const std::string& type, const char* field = "status") {
    const Json status = Status_();
    for (const auto& c : status["conditions"]) {
      if (c["type"] == type) return c[field];
    }
    return "";
  }
  void Report(const std::string& revision, bool healthy, Clock::time_point at = Clock::now(),
              const std::string& version = "0.1.0") {
    health_.Record("web-1", {version, revision, healthy, Json::array(), Json::object(), at});
  }

};

TEST_F(HostReconcilerTest, FirstReconcileDeliversEverythingAndRecordsTheHostKey) {
  auto r = reconciler_->Reconcile("web-1");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(host_.last_target.port, 2222);
  EXPECT_EQ(host_.last_target.private_key, "PRIVATE KEY");
  EXPECT_EQ(host_.installs, 1);
  EXPECT_EQ(host_.restarts, 1);
  ASSERT_TRUE(host_.files.count("/srv/fa/config.yaml"));
  EXPECT_EQ(host_.files["/srv/fa/secrets/deploy-key.password"], std::make_pair(std::string("pw"), 0600));
  EXPECT_EQ(host_.files["/srv/fa/secrets/controller-token"].second, 0600);
  Json st = Status_();
  EXPECT_EQ(st["tokenHash"], fleet::Sha256Hex(host_.files["/srv/fa/secrets/controller-token"].first));
  EXPECT_EQ(st["sshHostKey"], host_.host_key);
  EXPECT_EQ(st["revision"].get<std::string>().size(), 12u);
  EXPECT_EQ(st["observedGeneration"], 1);
  EXPECT_EQ(Condition("Reachable"), "True");
  EXPECT_EQ(Condition("AgentInstalled"), "True");
  EXPECT_EQ(Condition("ConfigApplied"), "True");
  EXPECT_EQ(Condition("Healthy"), "Unknown");
  EXPECT_EQ(Condition("Healthy", "reason"), "AwaitingReport");
  EXPECT_EQ(r.requeue_after, std::chrono::seconds(2));
}

// A host's words (its SSH banner in libssh's error, a command's stderr) reach the condition and
// the event as valid, bounded UTF-8, and the status write that carries them succeeds.
TEST_F(HostReconcilerTest, WhatAHostSaysIsStoredAsValidBoundedUtf8) {
  EventRecorder events;
  reconciler_->SetEventRecorder(&events);
  host_.connect_error = Status::Unavailable("connecting (10.0.0.5:2222): Protocol mismatch: SSH-1.5-\xff\xfe" +
                                            std::string(100000, 'x'));
  auto r = reconciler_->Reconcile("web-1");
  EXPECT_EQ(r.status.code(), fleet::Code::kUnavailable);
  const std::string message = Condition("Reachable", "message");
  EXPECT_EQ(message.rfind("connecting (10.0.0.5:2222): Protocol mismatch: SSH-1.5-\uFFFD\uFFFD", 0), 0u) << message;
  EXPECT_LT(message.size(), fleet::kForeignTextMax + 64);
  EXPECT_NE(message.find("bytes cut)"), std::string::npos);
  const Json listed = events.List("web-1");
  ASSERT_FALSE(listed.empty());
  EXPECT_NO_THROW((void)listed.dump());
  // The store still takes writes.
  host_.connect_error = Status::Ok();
  EXPECT_TRUE(reconciler_->Reconcile("web-1").status.ok());
}

// Under strict, the known_hosts file (or a pinned key) is the truth on every connect: a key seen
// earlier is neither recorded nor trusted, so a key rotated or revoked in the file takes effect.
TEST(SshTargetFor, TheRecordedKeyCountsOnlyUnderAcceptNewTable) {
  const Json status = {{"sshHostKey", "ssh-ed25519 AAAArecorded"}};
  const Json known_hosts = {{"knownHostsFile", "/etc/vpsfleet/known_hosts"}};
  const struct {
    const char* name;
    Json ssh;
    KnownHostsAnswer answer;  // for the key now presented, "ssh-ed25519 AAAArotated"
    bool accepted;
  } cases[] = {
      {"strict, rotated in known_hosts", known_hosts, KnownHostsAnswer::kMatch, true},
      {"strict, removed from known_hosts", known_hosts, KnownHostsAnswer::kUnknown, false},
      {"strict, nothing", Json::object(), KnownHostsAnswer::kNotConsulted, false},
      {"accept-new, differs from the recorded", {{"hostKeyPolicy", "accept-new"}}, KnownHostsAnswer::kNotConsulted, false},
      {"pinned", {{"hostKey", "ssh-ed25519 AAAArotated"}}, KnownHostsAnswer::kNotConsulted, true},
  };
  for (const auto& c : cases) {
    const Json spec = {{"address", "10.0.0.5"}, {"ssh", c.ssh}};
    auto t = SshTargetFor(spec.get<fleet::HostSpec>(), {}, status.get<fleet::HostStatus>(), nullptr);
    ASSERT_TRUE(t.ok()) << c.name << ": " << t.status().ToString();
    const Status verified = VerifyHostKey(*t, "ssh-ed25519 AAAArotated", c.answer);
    EXPECT_EQ(verified.ok(), c.accepted) << c.name << ": " << verified.ToString();
  }
  const Json accept_new = {{"address", "10.0.0.5"}, {"ssh", {{"hostKeyPolicy", "accept-new"}}}};
  auto t = SshTargetFor(accept_new.get<fleet::HostSpec>(), {}, status.get<fleet::HostStatus>(), nullptr);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(VerifyHostKey(*t, "ssh-ed25519 AAAArecorded", KnownHostsAnswer::kNotConsulted).ok());
}

TEST_F(HostReconcilerTest, StrictHostsRecordNoKey) {
  Json host = *store_->Get("Host", "web-1");
  host["spec"]["ssh"] = {{"keySecretRef", "deploy-key"}, {"knownHostsFile", "/etc/vpsfleet/known_hosts"}};
  host["metadata"].erase("resourceVersion");
  ASSERT_TRUE(registry_->Apply({host}, false).ok());
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Condition("Reachable"), "True");
  EXPECT_FALSE(Status_().contains("sshHostKey")) << Status_().dump();
}

TEST_F(HostReconcilerTest, SteadyStateUploadsNothingAndWritesNothing) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  Report(Status_()["revision"], true);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Condition("Healthy"), "True");
  int uploads = host_.uploads, restarts = host_.restarts;
  int64_t rev = store_->Revision();
  auto r = reconciler_->Reconcile("web-1");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(host_.uploads, uploads);
  EXPECT_EQ(host_.restarts, restarts);
  EXPECT_EQ(store_->Revision(), rev) << "no condition changed, so no store write";
  EXPECT_EQ(host_.installs, 1) << "healthy on the desired revision: no SSH at all";
}

TEST_F(HostReconcilerTest, ProfileChangeRerendersUploadsAndReloadsTheRunningAgent) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  std::string first = Status_()["revision"];
  Report(first, true);
  ApplyFleet("30s");
  int restarts = host_.restarts;
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_NE(Status_()["revision"], first);
  EXPECT_NE(host_.files["/srv/fa/config.yaml"].first.find("scrapeInterval: 30s"), std::string::npos);
  EXPECT_EQ(host_.reloads, 1) << "a reporting agent re-reads its config in place";
  EXPECT_EQ(host_.restarts, restarts);
  EXPECT_EQ(Condition("Healthy"), "False");
  EXPECT_EQ(Condition("Healthy", "reason"), "RevisionMismatch");
}

TEST_F(HostReconcilerTest, ChangedFilesRestartAnAgentThatIsNotReporting) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  // Its last report is older than the report timeout: nothing is known to run that could reload.
  Report(Status_()["revision"], true, Clock::now() - std::chrono::minutes(5));
  ApplyFleet("30s");
  int restarts = host_.restarts;
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.restarts, restarts + 1);
  EXPECT_EQ(host_.reloads, 0);
}

TEST_F(HostReconcilerTest, AnAgentThatNeverReportsIsUnhealthyAndRestartedAfterTheTimeout) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_EQ(Condition("Healthy", "reason"), "AwaitingReport");
  int restarts = host_.restarts;
  // The agent started a report timeout ago (as after 45 s) and has not reported.
  health_.ExpectReport("web-1", Clock::now() - std::chrono::seconds(46));
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.restarts, restarts + 1) << "restarted, as an agent whose reports stopped is";
  EXPECT_EQ(Condition("Healthy"), "Unknown") << "its restart is awaited again";
  EXPECT_EQ(Condition("Healthy", "reason"), "AwaitingReport");
  // Still silent: unhealthy, and not restarted again within twice the timeout.
  health_.ExpectReport("web-1", Clock::now() - std::chrono::seconds(46));
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.restarts, restarts + 1);
  EXPECT_EQ(Condition("Healthy"), "False");
  EXPECT_EQ(Condition("Healthy", "reason"), "NoReport");
}

TEST_F(HostReconcilerTest, AgentVersionChangeIsANewRevisionThatInstallsThatVersion) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.agent_version, "0.1.0") << "no spec.agent.version: the default";
  const std::string first = Status_()["revision"];
  const std::string first_config = host_.files["/srv/fa/config.yaml"].first;
  Report(first, true);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_EQ(Condition("Healthy"), "True");

  ApplyFleet("15s", "0.2.0");  // the same config, a new agent version
  int restarts = host_.restarts;
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_NE(Status_()["revision"], first);
  EXPECT_EQ(host_.agent_version, "0.2.0");
  EXPECT_EQ(host_.restarts, restarts + 1);
  EXPECT_EQ(Condition("AgentInstalled", "message"), "fleet-agent 0.2.0 installed in /srv/fa");
  // Only the revision line of the config differs.
  EXPECT_NE(host_.files["/srv/fa/config.yaml"].first, first_config);
  // The config is there, but the old agent still reports: not healthy on this revision yet.
  Report(Status_()["revision"], true, Clock::now(), "0.1.0");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Condition("Healthy"), "False");
  EXPECT_EQ(Condition("Healthy", "reason"), "VersionMismatch");
  Report(Status_()["revision"], true, Clock::now(), "0.2.0");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Condition("Healthy"), "True");
  EXPECT_EQ(Status_()["agentVersion"], "0.2.0");
}

TEST_F(HostReconcilerTest, UnknownAgentVersionIsAConditionAndChangesNothing) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  const std::string first = Status_()["revision"];
  const auto files = host_.files;
  int installs = host_.installs, uploads = host_.uploads, restarts = host_.restarts;
  ApplyFleet("30s", "9.9.9");
  auto r = reconciler_->Reconcile("web-1");
  EXPECT_TRUE(r.status.ok()) << "a condition, not a retry storm";
  EXPECT_EQ(Condition("ConfigApplied"), "False");
  EXPECT_EQ(Condition("ConfigApplied", "reason"), "AgentVersionUnavailable");
  EXPECT_EQ(Condition("ConfigApplied", "message"),
            "agentprofile/standard spec.agent.version: fleet-agent 9.9.9 is not available (the "
            "controller has 0.1.0, 0.2.0)");
  EXPECT_EQ(Status_()["revision"], first);
  EXPECT_EQ(host_.installs, installs);
  EXPECT_EQ(host_.uploads, uploads);
  EXPECT_EQ(host_.restarts, restarts);
  EXPECT_EQ(host_.files, files);
}

TEST_F(HostReconcilerTest, ConnectFailuresBecomeConditionsAndErrors) {
  struct Row {
    Status error;
    const char* reason;
  };
  const Row rows[] = {
      {Status(fleet::Code::kForbidden, "host key mismatch: got ssh-ed25519 BBBB"), "HostKeyMismatch"},
      {Status(fleet::Code::kForbidden, "host key unknown: nothing to verify against"), "HostKeyUnknown"},
      {Status(fleet::Code::kUnauthorized, "publickey refused"), "AuthenticationFailed"},
      {Status(fleet::Code::kUnavailable, "connection refused"), "ConnectFailed"},
      {Status(fleet::Code::kDeadlineExceeded, "timed out"), "Timeout"},
  };
  for (const auto& row : rows) {
    host_.connect_error = row.error;
    auto r = reconciler_->Reconcile("web-1");
    EXPECT_FALSE(r.status.ok());
    EXPECT_EQ(Condition("Reachable"), "False") << row.reason;
    EXPECT_EQ(Condition("Reachable", "reason"), row.reason);
    EXPECT_EQ(Condition("Reachable", "message"), row.error.message());
  }
  EXPECT_EQ(host_.uploads, 0);
}

// "0s" passes the CRD's pattern, but the agent refuses a zero scrape interval: the controller
// finds that with the agent's own parser before it opens an SSH session.
TEST_F(HostReconcilerTest, ARenderedConfigTheAgentWouldRefuseIsAFailedConditionNotAPush) {
  ApplyFleet("0s");
  host_.connect_error = Status(fleet::Code::kUnavailable, "the test opens no session");
  auto r = reconciler_->Reconcile("web-1");
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Condition("ConfigApplied"), "False");
  EXPECT_EQ(Condition("ConfigApplied", "reason"), "RenderFailed");
  EXPECT_EQ(Condition("ConfigApplied", "message"),
            "rendered config of host/web-1:20:17: scrapeInterval: must be positive");
  EXPECT_EQ(Condition("Reachable"), "") << "no SSH session was attempted";
  EXPECT_EQ(host_.uploads, 0);
}

TEST_F(HostReconcilerTest, MissingProfileIsAConditionNotARetryStorm) {
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("AgentProfile"), "standard", false).ok());
  auto r = reconciler_->Reconcile("web-1");
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(Condition("ConfigApplied"), "False");
  EXPECT_EQ(Condition("ConfigApplied", "reason"), "ProfileNotFound");
  EXPECT_EQ(host_.installs, 0);
}

TEST(DecideHostTest, Table) {
  ReconcilerOptions o{"u", std::chrono::seconds(45), std::chrono::seconds(30), std::chrono::seconds(2)};
  auto now = Clock::now();
  Json delivered = {{"revision", "r1"}, {"tokenHash", "h"},
                    {"conditions", {{{"type", "AgentInstalled"}, {"status", "True"}}}}};
  auto report = [&](const char* rev, bool healthy, int age, const char* version = "0.1.0") {
    return std::optional<HealthReport>(
        HealthReport{version, rev, healthy, Json::array({{{"name", "sink/loki"}, {"healthy", false}, {"message", "503"}}}),
                     Json::object(), now - std::chrono::seconds(age)});
  };
  struct Row {
    const char* name;
    Json status;
    std::optional<HealthReport> report;
    bool deliver;
    const char* healthy;
    const char* reason;
    const char* desired_version = "";
    int report_due_for = 5;  // seconds since a report was due (the agent's start)
  };
  const Row rows[] = {
      {"new host", Json::object(), std::nullopt, true, "Unknown", "AwaitingReport"},
      {"delivered, awaiting report", delivered, std::nullopt, false, "Unknown", "AwaitingReport"},
      {"delivered, no report long after the start", delivered, std::nullopt, true, "False", "NoReport", "", 46},
      {"never installed: nothing started to report", Json::object(), std::nullopt, true, "Unknown",
       "AwaitingReport", "", 100},
      {"healthy", delivered, report("r1", true, 5), false, "True", "AgentHealthy"},
      {"unhealthy component", delivered, report("r1", false, 5), false, "False", "AgentUnhealthy"},
      {"old revision running", delivered, report("r0", true, 5), false, "False", "RevisionMismatch"},
      {"reports stopped", delivered, report("r1", true, 100), true, "False", "ReportsStopped"},
      {"desired moved on", Json{{"revision", "r0"}, {"tokenHash", "h"}}, report("r0", true, 1), true, "False", "RevisionMismatch"},
      {"healthy on the desired agent version", delivered, report("r1", true, 5, "0.2.0"), false, "True", "AgentHealthy", "0.2.0"},
      {"config applied, old agent version still runs", delivered, report("r1", true, 5, "0.1.0"), false, "False", "VersionMismatch", "0.2.0"},
      {"no version chosen: any version", delivered, report("r1", true, 5, "0.0.9"), false, "True", "AgentHealthy", ""},
  };
  auto desired = [](const char* version) {
    fleet::RenderedAgent r;
    r.revision = "r1";
    r.agent_version = version;
    return r;
  };
  for (const auto& row : rows) {
    auto d = DecideHost(desired(row.desired_version), row.status, row.report,
                        now - std::chrono::seconds(row.report_due_for), now, o);
    EXPECT_EQ(d.deliver, row.deliver) << row.name;
    EXPECT_EQ(d.healthy.status, row.healthy) << row.name;
    EXPECT_EQ(d.healthy.reason, row.reason) << row.name;
  }
  auto unhealthy = DecideHost(desired(""), delivered, report("r1", false, 5), now, now, o);
  EXPECT_EQ(unhealthy.healthy.message, "sink/loki: 503");
  auto silent = DecideHost(desired(""), delivered, std::nullopt, now - std::chrono::seconds(50), now, o);
  EXPECT_EQ(silent.healthy.message, "no report from the agent 50s after it was started (timeout 45s); can the host reach u?");
  auto healthy = DecideHost(desired(""), delivered, report("r1", true, 40), now, now, o);
  EXPECT_EQ(healthy.requeue_after, std::chrono::seconds(6)) << "look again right after the report expires";
}

TEST_F(HostReconcilerTest, ReportsNeedTheHostsOwnToken) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  std::string token = host_.files["/srv/fa/secrets/controller-token"].first;
  std::vector<std::string> enqueued;
  HealthTracker fresh;  // as after a controller restart: the hash comes from the store
  ReportReceiver receiver(*store_, fresh, std::chrono::seconds(45),
                          [&](const std::string& h) { enqueued.push_back(h); });
  const Json resources = {{"rssBytes", 9437184}, {"cpuSeconds", 1.5}, {"memoryBudgetBytes", 33554432},
                          {"memoryPressure", "none"}};
  Json body = {{"version", "0.1.0"}, {"revision", "x"}, {"healthy", true}, {"resources", resources}};
  EXPECT_EQ(receiver.Receive("web-1", "wrong", body).code(), fleet::Code::kUnauthorized);
  EXPECT_EQ(receiver.Receive("web-1", "", body).code(), fleet::Code::kUnauthorized);
  EXPECT_EQ(receiver.Receive("other", token, body).code(), fleet::Code::kUnauthorized);
  EXPECT_TRUE(receiver.Receive("web-1", token, body).ok());
  EXPECT_TRUE(receiver.Receive("web-1", token, body).ok());
  EXPECT_EQ(enqueued, std::vector<std::string>{"web-1"}) << "an unchanged report does not requeue";
  Json host = *store_->Get("Host", "web-1");
  receiver.Overlay(host);
  EXPECT_TRUE(host["status"].contains("lastSeen"));
  EXPECT_EQ(host["status"]["agentResources"], resources) << "reads show the agent's memory and CPU use";
}

TEST_F(HostReconcilerTest, DeletingADeliveredHostRemovesTheAgentThenTheHost) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  Json host = *store_->Get("Host", "web-1");
  EXPECT_EQ(host["metadata"]["finalizers"], Json::array({"vpsfleet.io/agent-cleanup"}))
      << "added before anything is put on the host";
  auto del = registry_->Delete(*fleet::FindKind("Host"), "web-1", false);
  ASSERT_TRUE(del.ok()) << del.status().message();
  EXPECT_EQ(del->objects.at(0).action, "terminating");
  EXPECT_TRUE(store_->Get("Host", "web-1").ok()) << "kept until the agent is removed";

  auto r = reconciler_->Reconcile("web-1");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(host_.removals, 1);
  EXPECT_FALSE(host_.files.count("/srv/fa/config.yaml"));
  EXPECT_FALSE(host_.files.count("/srv/fa/secrets/controller-token"));
  EXPECT_FALSE(host_.files.count("/srv/fa/secrets/deploy-key.password"));
  EXPECT_TRUE(host_.files.count("/srv/fa/bin/fleet-agent")) << "the bundle stays";
  EXPECT_EQ(store_->Get("Host", "web-1").status().code(), fleet::Code::kNotFound);
  EXPECT_TRUE(reconciler_->Reconcile("web-1").status.ok()) << "a gone host is forgotten";
}

// Defence in depth: a Host the store holds with a system directory as installDir (written before
// the CRD refused it, or around the API) is neither installed into nor cleaned up (removal ran
// `rm -rf -- //config.yaml //secrets //run` for installDir "/").
TEST_F(HostReconcilerTest, AStoredSystemInstallDirIsNeitherInstalledIntoNorRemoved) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_EQ(host_.installs, 1);
  for (const char* dir : {"/", "/usr", "/run", "/opt/../etc"}) {
    Json host = *store_->Get("Host", "web-1");
    host["spec"]["installDir"] = dir;
    ASSERT_TRUE(store_->Commit({{fleet::StoreOp::Type::kPut, "Host", "web-1", host, 0}}).ok());
    EXPECT_TRUE(reconciler_->Reconcile("web-1").status.ok()) << dir;
    EXPECT_EQ(host_.installs, 1) << dir;
    EXPECT_EQ(Condition("ConfigApplied"), "False") << dir;
    EXPECT_EQ(Condition("ConfigApplied", "reason"), "UnsafeInstallDir") << dir;
    // The summary, then each broken rule of the CRD on a line of its own.
    EXPECT_TRUE(Condition("ConfigApplied", "message")
                    .starts_with("not installing into spec.installDir:\nspec.installDir: invalid value"))
        << Condition("ConfigApplied", "message");
  }
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Host"), "web-1", false).ok());
  auto r = reconciler_->Reconcile("web-1");
  EXPECT_EQ(r.status.code(), fleet::Code::kInvalid);
  ASSERT_EQ(r.status.causes().size(), 1u) << r.status.message();
  EXPECT_EQ(r.status.causes()[0].field, "spec.installDir");
  EXPECT_EQ(host_.removals, 0);
  EXPECT_EQ(Condition("AgentRemoved", "reason"), "UnsafeInstallDir");
  EXPECT_NE(Condition("AgentRemoved", "message").find("delete --force"), std::string::npos)
      << Condition("AgentRemoved", "message");
  EXPECT_TRUE(store_->Get("Host", "web-1").ok()) << "Terminating until forced";
}

// The revision history keeps paths and hashes of secret files, not their content: once a Secret
// is rotated its old value is nowhere in the controller's database.
TEST_F(HostReconcilerTest, RevisionHistoryKeepsNoSecretValue) {
  auto password = [&](const std::string& value) {
    Json secret = {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Secret"},
                   {"metadata", {{"name", "deploy-key"}}},
                   {"stringData", {{"ssh-privatekey", "PRIVATE KEY"}, {"password", value}}}};
    ASSERT_TRUE(registry_->Apply({secret}, false).ok());
    ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
    ASSERT_EQ(host_.files.at("/srv/fa/secrets/deploy-key.password").first, value);
  };
  password("first-password-8c1d");
  password("second-password-77ab");
  Json revisions = *store_->Get("HostRevisions", "web-1");
  ASSERT_EQ(revisions["revisions"].size(), 2u);
  EXPECT_EQ(revisions["revisions"][0]["secretFileHashes"]["/srv/fa/secrets/deploy-key.password"],
            fleet::Sha256Hex("first-password-8c1d"));
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    std::ifstream in(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(bytes.find("first-password-8c1d"), std::string::npos);
  EXPECT_EQ(bytes.find(fleet::Base64Encode("first-password-8c1d")), std::string::npos);
}

// A revision from the history takes its secret files from the current Secrets while they match;
// a file whose Secret changed since is one the host must still have.
TEST_F(HostReconcilerTest, ARevisionFromHistoryNeedsItsOldSecretFilesOnTheHost) {
  fleet::RenderedAgent old;
  old.revision = "r-old";
  old.config_path = "/srv/fa/config.yaml";
  old.config = "old config";
  old.secret_files = {{"/srv/fa/secrets/a.password", "unchanged"}, {"/srv/fa/secrets/b.password", "rotated away"}};
  ASSERT_TRUE(RecordRevision(*store_, "web-1", old).ok());
  fleet::RenderedAgent now = old;
  now.revision = "r-new";
  now.secret_files["/srv/fa/secrets/b.password"] = "current";
  auto found = FindRevision(*store_, "web-1", "r-old", now);
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->config, "old config");
  EXPECT_EQ(found->secret_files, (std::map<std::string, std::string>{{"/srv/fa/secrets/a.password", "unchanged"}}));
  EXPECT_EQ(found->kept_secret_files,
            (std::map<std::string, std::string>{{"/srv/fa/secrets/b.password", fleet::Sha256Hex("rotated away")}}));
}

// Revisions recorded before the history kept only hashes held secret values: the next record
// rewrites them.
TEST_F(HostReconcilerTest, RevisionsRecordedWithSecretValuesAreRewrittenToHashes) {
  Json legacy = {{"kind", "HostRevisions"}, {"metadata", {{"name", "web-1"}}},
                 {"revisions", {{{"revision", "r-old"}, {"configPath", "/srv/fa/config.yaml"}, {"config", "c"},
                                 {"secretFiles", {{"/srv/fa/secrets/a.password", "legacy-value-51e0"}}}}}}};
  ASSERT_TRUE(store_->Commit({{fleet::StoreOp::Type::kPut, "HostRevisions", "web-1", legacy, -1}}).ok());
  fleet::RenderedAgent same;
  same.revision = "r-old";
  ASSERT_TRUE(RecordRevision(*store_, "web-1", same).ok()) << "a known revision still rewrites the old ones";
  const Json r = (*store_->Get("HostRevisions", "web-1"))["revisions"].at(0);
  EXPECT_FALSE(r.contains("secretFiles"));
  EXPECT_EQ(r.value("secretFileHashes", Json::object()).value("/srv/fa/secrets/a.password", ""),
            fleet::Sha256Hex("legacy-value-51e0"));
  EXPECT_EQ((*store_->Get("HostRevisions", "web-1")).dump().find("legacy-value"), std::string::npos);
}

TEST_F(HostReconcilerTest, AnUnreachableHostStaysTerminatingUntilItAnswersOrIsForced) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Host"), "web-1", false).ok());
  host_.connect_error = Status(fleet::Code::kUnavailable, "connect 10.0.0.5:2222: Connection refused");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = reconciler_->Reconcile("web-1");
    EXPECT_FALSE(r.status.ok()) << "an error: retried with backoff";
    EXPECT_EQ(host_.removals, 0);
    ASSERT_TRUE(store_->Get("Host", "web-1").ok());
  }
  EXPECT_EQ(Condition("AgentRemoved"), "False");
  EXPECT_EQ(Condition("AgentRemoved", "reason"), "ConnectFailed");
  EXPECT_NE(Condition("AgentRemoved", "message").find("Connection refused"), std::string::npos);
  Json spec_change = *store_->Get("Host", "web-1");
  spec_change["spec"]["address"] = "10.0.0.6";
  EXPECT_EQ(registry_->Update(*fleet::FindKind("Host"), "web-1", spec_change, false).status().code(),
            fleet::Code::kConflict) << "a Terminating host takes no spec changes";

  host_.connect_error = Status::Ok();  // it answers again
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.removals, 1);
  EXPECT_EQ(store_->Get("Host", "web-1").status().code(), fleet::Code::kNotFound);
}

TEST_F(HostReconcilerTest, ForceDeletesATerminatingHostWithoutTouchingIt) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  host_.connect_error = Status(fleet::Code::kDeadlineExceeded, "connect timed out");
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Host"), "web-1", false).ok());
  EXPECT_FALSE(reconciler_->Reconcile("web-1").status.ok());
  auto forced = registry_->Delete(*fleet::FindKind("Host"), "web-1", false, /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(forced->objects.at(0).action, "deleted");
  EXPECT_EQ(store_->Get("Host", "web-1").status().code(), fleet::Code::kNotFound);
  EXPECT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.removals, 0);
}

TEST_F(HostReconcilerTest, AHostNeverConnectedToGoesWithoutSsh) {
  host_.connect_error = Status(fleet::Code::kUnavailable, "no route to host");
  EXPECT_FALSE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_TRUE(store_->Get("Host", "web-1")->at("metadata").contains("finalizers"));
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Host"), "web-1", false).ok());
  EXPECT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(store_->Get("Host", "web-1").status().code(), fleet::Code::kNotFound);
}

TEST_F(HostReconcilerTest, DeletionOverridesPaused) {
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  Json paused = *store_->Get("Host", "web-1");
  paused["spec"]["paused"] = true;
  ASSERT_TRUE(registry_->Update(*fleet::FindKind("Host"), "web-1", paused, false).ok());
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Host"), "web-1", false).ok());
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.removals, 1);
  EXPECT_EQ(store_->Get("Host", "web-1").status().code(), fleet::Code::kNotFound);
}

}  // namespace
}  // namespace controller

namespace controller {
namespace {

class AlloyComposeReconcilerTest : public HostReconcilerTest {
 protected:
  void SetFlavor(const std::string& flavor) { PatchSpec({{"flavor", flavor}}); }
  void PatchSpec(const Json& patch) {
    Json profile = *store_->Get("AgentProfile", "standard");
    profile["spec"].merge_patch(patch);
    profile["metadata"].erase("resourceVersion");
    ASSERT_TRUE(registry_->Apply({profile}, false).ok());
  }
  int Mode(const std::string& path) { return host_.files.count(path) ? host_.files[path].second : -1; }
};

TEST_F(AlloyComposeReconcilerTest, TheStackRunsAndHealsAndAMoveToFleetAgentStopsItOnlyOnceTheAgentIsHealthy) {
  SetFlavor("alloy-compose");
  auto r = reconciler_->Reconcile("web-1");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.requeue_after, std::chrono::seconds(30)) << "its health is looked at every resync";
  EXPECT_EQ(host_.compose_actions, std::vector<std::string>{"up"});
  EXPECT_EQ(Mode("/srv/fa/alloy-compose/.env"), 0600);
  EXPECT_EQ(Mode("/srv/fa/alloy-compose/config.alloy"), 0644);
  EXPECT_EQ(Mode("/srv/fa/alloy-compose/compose.yaml"), 0644);
  EXPECT_EQ(host_.installs, 0) << "no fleet-agent on a compose host";
  EXPECT_EQ(Condition("Healthy", "reason"), "StackHealthy");
  EXPECT_EQ(Condition("AgentInstalled", "reason"), "ComposeStackUp");
  EXPECT_EQ(Status_()["composeProject"], "vpsfleet-web-1");
  const std::string stack_revision = Status_()["revision"];

  // Steady: nothing uploaded, no compose up.
  int uploads = host_.uploads;
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.uploads, uploads);
  EXPECT_EQ(host_.compose_actions.size(), 1u);

  // A container that stopped is brought back by compose up; one that cannot run is reported.
  host_.compose_services["cadvisor"] = "exited";
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.compose_actions.back(), "up");
  EXPECT_EQ(Condition("Healthy"), "True");
  host_.compose_broken = {"cadvisor"};
  host_.compose_services["cadvisor"] = "exited";
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Condition("Healthy"), "False");
  EXPECT_EQ(Condition("Healthy", "reason"), "StackUnhealthy");
  EXPECT_EQ(Condition("Healthy", "message"), "compose project vpsfleet-web-1: cadvisor: exited (code 1)");
  host_.compose_broken.clear();
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(Condition("Healthy"), "True");

  // A new config.alloy: compose does not see a bind mount change, so alloy is restarted.
  PatchSpec({{"scrapeInterval", "45s"}});
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.compose_actions.back(), "up-restart");
  EXPECT_NE(host_.files["/srv/fa/alloy-compose/config.alloy"].first.find("scrape_interval = \"45s\""), std::string::npos);
  PatchSpec({{"scrapeInterval", "15s"}});
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());

  // To fleet-agent: installed and started beside the stack, which keeps running ...
  SetFlavor("fleet-agent");
  const size_t actions = host_.compose_actions.size();
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  const std::string agent_revision = Status_()["revision"];
  EXPECT_NE(agent_revision, stack_revision);
  EXPECT_EQ(host_.installs, 1);
  EXPECT_EQ(host_.compose_actions.size(), actions) << "not stopped before the agent reports";
  Report(agent_revision, false);
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.compose_actions.size(), actions) << "not stopped while the agent is unhealthy";
  EXPECT_EQ(Status_()["composeProject"], "vpsfleet-web-1");
  // ... until the Host is recorded healthy on the new revision (then the next reconcile, a
  // second later, stops it).
  Report(agent_revision, true);
  auto healthy = reconciler_->Reconcile("web-1");
  ASSERT_TRUE(healthy.status.ok());
  EXPECT_EQ(Condition("Healthy", "reason"), "AgentHealthy");
  EXPECT_EQ(host_.compose_actions.size(), actions) << "recorded first";
  EXPECT_EQ(healthy.requeue_after, std::chrono::seconds(1));
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.compose_actions.back(), "down");
  EXPECT_FALSE(Status_().contains("composeProject"));
  EXPECT_EQ(Mode("/srv/fa/alloy-compose/.env"), 0600) << "kept: a rollback to the stack needs it";

  // Back to the stack (what a rollback delivers): up first, then the agent goes.
  SetFlavor("alloy-compose");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_GE(host_.compose_actions.size(), 2u);
  EXPECT_EQ(host_.compose_actions[host_.compose_actions.size() - 2], "up");
  EXPECT_EQ(host_.compose_actions.back(), "agent removed");
  EXPECT_EQ(Status_()["revision"], stack_revision);
  EXPECT_FALSE(Status_().contains("tokenHash"));
  EXPECT_EQ(Condition("Healthy", "reason"), "StackHealthy");
}

TEST_F(AlloyComposeReconcilerTest, AHostWithoutComposeIsAFailedConditionAndARetry) {
  host_.compose_missing = true;
  SetFlavor("alloy-compose");
  auto r = reconciler_->Reconcile("web-1");
  EXPECT_FALSE(r.status.ok()) << "retried with backoff";
  EXPECT_EQ(Condition("AgentInstalled"), "False");
  EXPECT_EQ(Condition("AgentInstalled", "reason"), "ComposeFailed");
  EXPECT_EQ(Condition("Healthy"), "False");
  EXPECT_EQ(Condition("Healthy", "message"),
            "compose ps exited 127: neither docker compose nor docker-compose is installed");
  EXPECT_EQ(Condition("ConfigApplied"), "") << "nothing claims the stack runs";
}

TEST_F(AlloyComposeReconcilerTest, DeletingAComposeHostRemovesTheStackAndItsFiles) {
  SetFlavor("alloy-compose");
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  ASSERT_TRUE(registry_->Delete(*fleet::FindKind("Host"), "web-1", false).ok());
  ASSERT_TRUE(reconciler_->Reconcile("web-1").status.ok());
  EXPECT_EQ(host_.compose_actions.back(), "agent removed");
  EXPECT_EQ(host_.compose_actions[host_.compose_actions.size() - 2], "remove");
  EXPECT_FALSE(store_->Get("Host", "web-1").ok());
}

}  // namespace
}  // namespace controller
