#include <gtest/gtest.h>

#include <set>

#include "fleet/core/text.h"
#include "fleet/resource.h"
#include "fleet/types/agent_profile.h"
#include "fleet/types/conditions.h"
#include "fleet/types/crd_default.h"
#include "fleet/types/host.h"
#include "fleet/types/rollout.h"
#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

// Objects as stored: a Host applied from YAML (schema defaults filled in, as apply does) and
// statuses as the controller writes them.
Json AppliedHost(const std::string& spec_yaml) {
  Json host = testing::Yaml("apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-1}\nspec:\n" +
                            spec_yaml);
  auto errors = ValidateObject(host, true);
  EXPECT_TRUE(errors.empty()) << errors.front().ToString();
  return host;
}

TEST(HostTypesTest, SpecRoundTripsUnchanged) {
  const std::string specs[] = {
      "  address: 10.0.0.5\n  profile: standard\n",
      "  address: web-1\n  profile: standard\n  transport: tailscale\n  tailscale: {name: web-one}\n"
      "  installDir: /srv/fleet-agent\n  paused: true\n  vars: {extraLabels: {dc: ams}, httpListen: '127.0.0.1:9000', x: [1]}\n",
      "  address: 10.0.0.6\n  profile: edge\n  ssh: {port: 2222, user: deploy, keySecretRef: deploy-key, useAgent: false,\n"
      "        hostKeyPolicy: accept-new, connectTimeoutSeconds: 5, knownHostsFile: /etc/ssh/k,\n"
      "        hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=='}\n",
  };
  for (const auto& yaml : specs) {
    const Json stored = AppliedHost(yaml)["spec"];
    EXPECT_EQ(Json(stored.get<HostSpec>()), stored) << yaml;
    // Without the defaults apply fills in (an object stored before a field had one).
    const Json bare = testing::Yaml(yaml);
    EXPECT_EQ(Json(bare.get<HostSpec>()), bare) << yaml;
  }
}

TEST(HostTypesTest, StatusRoundTripsUnchanged) {
  const Json statuses[] = {
      Json::object(),
      {{"observedGeneration", 3},
       {"revision", "3f1c2a9b07de"},
       {"agentVersion", "0.4.0"},
       {"sshHostKey", "ssh-ed25519 AAAA"},
       {"tokenHash", "ab12"},
       {"conditions",
        {{{"type", "Reachable"}, {"status", "True"}, {"reason", "Connected"}, {"message", "ssh root@10.0.0.5:22"},
          {"lastTransitionTime", "2026-12-01T10:00:00Z"}},
         {{"type", "Healthy"}, {"status", "Unknown"}, {"reason", "AwaitingReport"}, {"message", ""},
          {"lastTransitionTime", "2026-12-01T10:00:01Z"}}}}},
      {{"lastSeen", "2026-12-01T10:00:00Z"},
       {"resolvedAddress", "100.64.0.7"},
       {"agentResources", {{"rssBytes", 1.5e7}, {"memoryPressure", "none"}}}},
  };
  for (const auto& stored : statuses) EXPECT_EQ(Json(stored.get<HostStatus>()), stored) << stored;
}

// Unknown status fields are not kept (see HostStatus); this holds only while the struct has a
// member for every field the CRD's closed status schema allows.
TEST(HostTypesTest, StatusCoversTheCrdStatusSchema) {
  HostStatus full;
  full.observed_generation = 1;
  full.revision = full.agent_version = full.last_seen = full.resolved_address = "x";
  full.ssh_host_key = full.token_hash = full.compose_project = "x";
  full.agent_resources = Json::object();
  full.conditions = {{"Healthy", "True", "AgentHealthy", "m", "t"}};
  std::set<std::string> written, declared;
  const Json full_json = full;
  for (const auto& [key, value] : full_json.items()) written.insert(key);
  for (const auto& [key, value] : FindKind("Host")->schema["properties"]["status"]["properties"].items()) {
    declared.insert(key);
  }
  EXPECT_EQ(written, declared);
}

// The defaults applied to a stored Host that lacks a field are the CRD's, read at run time.
TEST(HostTypesTest, DefaultsAreTheCrds) {
  const Json& spec = FindKind("Host")->schema["properties"]["spec"]["properties"];
  const Json& ssh = spec["ssh"]["properties"];
  const HostSpec bare = testing::Yaml("address: a\nprofile: p\n").get<HostSpec>();
  EXPECT_EQ(bare.InstallDir(), spec["installDir"]["default"]);
  EXPECT_EQ(bare.Tailscale(), spec["transport"]["default"] == "tailscale");
  EXPECT_EQ(bare.Ssh().Port(), ssh["port"]["default"]);
  EXPECT_EQ(bare.Ssh().User(), ssh["user"]["default"]);
  EXPECT_EQ(bare.Ssh().ConnectTimeoutSeconds(), ssh["connectTimeoutSeconds"]["default"]);
  EXPECT_EQ(bare.Ssh().AcceptNew(), ssh["hostKeyPolicy"]["default"] == "accept-new");
  // And the stored value wins over it.
  EXPECT_EQ(AppliedHost("  address: a\n  profile: p\n  installDir: /srv/x\n")["spec"].get<HostSpec>().InstallDir(),
            "/srv/x");
}

TEST(CrdDefaultTest, WalksDottedPaths) {
  EXPECT_EQ(CrdDefault("Host", "spec.installDir"), "/opt/fleet-agent");
  EXPECT_EQ(CrdDefault("Rollout", "spec.healthGate.minHealthySeconds"), 30);
  EXPECT_DEATH(CrdDefault("Host", "spec.address"), "no CRD default for Host spec.address");
  EXPECT_DEATH(CrdDefault("Nope", "spec.x"), "no CRD default");
}

TEST(ConditionsTest, SetConditionMovesLastTransitionTimeOnlyWhenStatusChanges) {
  const Condition before{"Reachable", "True", "Connected", "ssh a", "T0"};
  struct Row {
    const char* name;
    Condition set;
    bool changed;
    const char* transition_time;
  };
  const Row rows[] = {
      {"same everything", {"Reachable", "True", "Connected", "ssh a"}, false, "T0"},
      {"new message only", {"Reachable", "True", "Connected", "ssh b"}, true, "T0"},
      {"new reason only", {"Reachable", "True", "Reconnected", "ssh a"}, true, "T0"},
      {"new status", {"Reachable", "False", "Timeout", "ssh a"}, true, "T1"},
      {"new status, same reason", {"Reachable", "Unknown", "Connected", "ssh a"}, true, "T1"},
  };
  for (const auto& row : rows) {
    std::vector<Condition> conditions = {{"Healthy", "True", "AgentHealthy", "", "T-1"}, before};
    EXPECT_EQ(SetCondition(conditions, row.set, "T1"), row.changed) << row.name;
    ASSERT_EQ(conditions.size(), 2u) << row.name;
    EXPECT_EQ(conditions[1].last_transition_time, row.transition_time) << row.name;
    EXPECT_EQ(conditions[1].status, row.set.status) << row.name;
    EXPECT_EQ(conditions[1].reason, row.set.reason) << row.name;
    EXPECT_EQ(conditions[0].last_transition_time, "T-1") << row.name << ": another type is left alone";
  }
  std::vector<Condition> none;
  EXPECT_TRUE(SetCondition(none, {"AgentRemoved", "False", "RemoveFailed", "x"}, "T2"));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].last_transition_time, "T2") << "a new condition starts its transition now";
}

TEST(ConditionsTest, MessagesAreStoredAsBoundedUtf8) {
  std::vector<Condition> conditions;
  SetCondition(conditions, {"Reachable", "False", "ConnectFailed", "banner \xff" + std::string(10000, 'x')}, "T");
  EXPECT_EQ(conditions[0].message, ForeignText("banner \xff" + std::string(10000, 'x')));
  EXPECT_LT(conditions[0].message.size(), 10000u);
}

TEST(ConditionsTest, ChangedConditionsAreNewOrChangedInStatusOrReason) {
  const std::vector<Condition> before = {{"Reachable", "True", "Connected", "a", "T0"},
                                         {"Healthy", "False", "NoReport", "a", "T0"},
                                         {"ConfigApplied", "True", "Applied", "a", "T0"}};
  const std::vector<Condition> after = {{"Reachable", "True", "Connected", "b", "T0"},
                                        {"Healthy", "False", "ReportsStopped", "a", "T0"},
                                        {"ConfigApplied", "False", "UploadFailed", "a", "T1"},
                                        {"AgentInstalled", "True", "Installed", "a", "T1"}};
  std::vector<std::string> changed;
  for (const auto& c : ChangedConditions(before, after)) changed.push_back(c.type);
  EXPECT_EQ(changed, (std::vector<std::string>{"Healthy", "ConfigApplied", "AgentInstalled"}));
}

// A Rollout's status as the controller stores it mid-rollout (undo pinned, paused after the
// canary), and as it starts.
TEST(RolloutTypesTest, StatusRoundTripsUnchanged) {
  const Json statuses[] = {
      Json::object(),
      {{"history", Json::array()}, {"hosts", Json::object()}, {"observedGeneration", 1}, {"observedInputsRevision", "7"}},
      testing::Yaml(R"(
observedGeneration: 4
observedInputsRevision: "212"
observedHostGenerations: {web-1: 3, web-2: 1}
revision: 2
phase: Paused
currentRevision: 0a1b2c3d4e5f
targetRevision: 9f8e7d6c5b4a
updatedHosts: 1
healthyHosts: 2
failedHosts: 0
message: revision 2 paused after the canary
conditions:
- {type: Progressing, status: Unknown, reason: RolloutPaused, message: revision 2 paused, lastTransitionTime: "2026-12-01T10:00:00Z"}
- {type: SelectorOverlap, status: "False", reason: NoOverlap, message: none, lastTransitionTime: "2026-12-01T09:00:00Z"}
hosts:
  web-1: {revision: r2, previous: r1, state: Updated, batch: 0, admittedAt: "2026-12-01T09:59:00Z"}
  web-2: {revision: r1, previous: r1, state: RolledBack, batch: 1, admittedAt: "2026-12-01T09:59:30Z", message: "unreachable: refused"}
pinned: {revision: 1, whileRendered: 5e5e5e5e5e5e}
pausedAfterBatch: 0
history:
- {revision: 1, fingerprint: 0a1b2c3d4e5f, hosts: {web-1: r1, web-2: r1}, createdAt: "2026-12-01T08:00:00Z"}
- {revision: 2, fingerprint: 9f8e7d6c5b4a, hosts: {web-1: r2, web-2: r2}, createdAt: "2026-12-01T09:58:00Z"}
)"),
  };
  for (const auto& stored : statuses) EXPECT_EQ(Json(stored.get<RolloutStatus>()), stored) << stored;
}

TEST(RolloutTypesTest, StatusCoversTheCrdStatusSchema) {
  const Json full = testing::Yaml(R"(
{observedGeneration: 1, observedInputsRevision: "1", observedHostGenerations: {a: 1}, revision: 1, phase: Completed,
 currentRevision: x, targetRevision: x, updatedHosts: 1, healthyHosts: 1, failedHosts: 0, message: m,
 conditions: [{type: Progressing, status: "True"}], hosts: {a: {state: Updated}}, pinned: {revision: 1},
 pausedAfterBatch: 0, history: [{revision: 1}]})");
  std::set<std::string> written, declared;
  const Json round_trip = full.get<RolloutStatus>();
  for (const auto& [key, value] : round_trip.items()) written.insert(key);
  for (const auto& [key, value] : FindKind("Rollout")->schema["properties"]["status"]["properties"].items()) {
    declared.insert(key);
  }
  EXPECT_EQ(written, declared);
}

TEST(RolloutTypesTest, SpecRoundTripsAndDefaultsAreTheCrds) {
  Json rollout = testing::Yaml(R"(
apiVersion: vpsfleet.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {tier: web}}
  strategy: {canary: {hosts: 10%}, pauseAfterCanary: true}
  rollbackTo: {revision: 0}
)");
  ASSERT_TRUE(ValidateObject(rollout, true).empty());
  const Json& stored = rollout["spec"];
  const RolloutSpec spec = stored.get<RolloutSpec>();
  EXPECT_EQ(Json(spec), stored);
  EXPECT_EQ(spec.CanaryHosts(), "10%");
  EXPECT_TRUE(spec.PauseAfterCanary());
  EXPECT_EQ(spec.rollback_to, 0);
  const Json& schema = FindKind("Rollout")->schema["properties"]["spec"]["properties"];
  const RolloutSpec bare = Json::object().get<RolloutSpec>();
  EXPECT_EQ(bare.MaxUnavailable(), schema["strategy"]["properties"]["maxUnavailable"]["default"]);
  EXPECT_EQ(bare.MinHealthySeconds(), schema["healthGate"]["properties"]["minHealthySeconds"]["default"]);
  EXPECT_EQ(bare.ProgressDeadlineSeconds(), schema["healthGate"]["properties"]["progressDeadlineSeconds"]["default"]);
  EXPECT_EQ(bare.FailureThreshold(), schema["failureThreshold"]["default"]);
  EXPECT_EQ(bare.AutoRollback(), schema["autoRollback"]["default"]);
  EXPECT_EQ(bare.Paused(), schema["paused"]["default"]);
  EXPECT_EQ(bare.PauseAfterEachBatch(), schema["strategy"]["properties"]["pauseAfterEachBatch"]["default"]);
  EXPECT_EQ(bare.CanaryHosts(), 0) << "no canary unless asked for";
  EXPECT_FALSE(bare.rollback_to);
}

TEST(AgentProfileTypesTest, AgentRoundTripsAndCoversTheCrdSchema) {
  for (const Json& stored : {Json::object(), Json{{"version", "0.4.0"}}}) {
    EXPECT_EQ(Json(stored.get<AgentProfileAgent>()), stored) << stored;
  }
  const Json spec = testing::Yaml("agent: {version: 0.4.1-rc.1}\ncollectors: {enabled: [cpu]}\n");
  EXPECT_EQ(AgentOf(spec).version, "0.4.1-rc.1");
  EXPECT_FALSE(AgentOf(testing::Yaml("collectors: {enabled: [cpu]}\n")).version) << "no spec.agent";
  // Every field of the CRD's spec.agent has a member: the view drops none the controller needs.
  AgentProfileAgent full;
  full.version = "x";
  std::set<std::string> written, declared;
  const Json full_json = full;
  for (const auto& [key, value] : full_json.items()) written.insert(key);
  for (const auto& [key, value] :
       FindKind("AgentProfile")->schema["properties"]["spec"]["properties"]["agent"]["properties"].items()) {
    declared.insert(key);
  }
  EXPECT_EQ(written, declared);
}

}  // namespace
}  // namespace fleet
