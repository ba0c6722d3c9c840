// Rollouts end to end with real parts: fleet-controller delivers fleet-agent over SSH to real sshd
// hosts (loopback ports) under a Rollout; fleetctl follows it the way a CI job would. The timeline
// is sampled from the API while it runs, so the guarantees (canary first, never more than
// maxUnavailable hosts updating at once, untouched hosts never touched) are checked as they
// happened, not only at the end.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

using e2e::ReadFile;

using e2e::Indent;

// What the API showed at one moment.
struct Sample {
  std::map<std::string, std::string> host_revision;  // Host status.revision
  std::map<std::string, std::string> host_healthy;   // Healthy condition status
  Json entries;                                      // Rollout status.hosts
};

class RolloutE2E : public ::testing::Test {
 protected:
  void TearDown() override { StopSampling(); }

  void StartFleet(int hosts) {
    for (int i = 0; i < hosts; ++i) {
      hosts_.push_back(std::make_unique<e2e::SshHost>());
      listen_ports_.push_back(e2e::FreePort());
    }
    controller_ = std::make_unique<e2e::Controller>(
        tmp_.path(), std::vector<std::string>{"--agent-bundle", e2e::BinaryDir() + "/agent-bundle",
                                              "--report-timeout", "6", "--resync", "2",
                                              "--agent-report-interval", "1"});
    StartController();
  }

  void StartController() {
    std::vector<std::string> versions;
    if (std::filesystem::exists(BundlesDir())) versions = {"--agent-bundles", BundlesDir()};
    ASSERT_TRUE(controller_->Start(versions)) << controller_->Log();
  }

  e2e::CommandResult Fleetctl(std::vector<std::string> args, const std::string& in = "") {
    return controller_->Fleetctl(std::move(args), in, 180s);
  }

  static std::string HostName(int i) { return "vps-" + std::to_string(i); }

  // More agent versions for the controller (--agent-bundles), made by the build's own bundling
  // script: version given, binary is stamped with it and reports it; binary may be any program.
  std::string BundlesDir() { return (tmp_.path() / "bundles").string(); }
  void MakeBundle(const std::string& binary, const std::string& dir_name, const std::string& version) {
    std::vector<std::string> argv = {"sh", e2e::SourceDir() + "/agent/make-bundle.sh", binary,
                                     e2e::SourceDir() + "/agent/fleet-supervise.sh",
                                     BundlesDir() + "/" + dir_name};
    if (!version.empty()) argv.push_back(version);
    auto made = e2e::Run(argv, "", {}, 120s);
    ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  }
  std::vector<std::string> InstalledVersions() {
    std::vector<std::string> out;
    for (const auto& h : hosts_) out.push_back(ReadFile(h->install_dir() + "/VERSION"));
    return out;
  }

  // Key Secrets, the profile (its scrapeInterval is the change rolled out), the HostGroup and the
  // Rollout. Short gates: agents report every second.
  // profile_extra: more lines of the profile's spec (indented two spaces), e.g. a bad change.
  std::string Fleet(const std::string& scrape_interval, const std::string& strategy,
                    const std::string& agent_version = "", const std::string& profile_extra = "") {
    std::string out;
    for (size_t i = 0; i < hosts_.size(); ++i) {
      out += "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key-" + HostName(i) +
             "}\ntype: ssh-auth\nstringData:\n  ssh-privatekey: |\n" +
             Indent(hosts_[i]->client_private_key(), 4) + "---\n";
    }
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
           "  scrapeInterval: " + scrape_interval + "\n" +
           (agent_version.empty() ? "" : "  agent: {version: " + agent_version + "}\n") +
           "  collectors: {enabled: [loadavg, uname], container: {enabled: false}}\n" + profile_extra +
           "---\n";
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: lab, labels: {role: web}}\n"
           "spec:\n  defaults: {profile: standard, ssh: {user: root}}\n  hosts:\n";
    for (size_t i = 0; i < hosts_.size(); ++i) {
      out += "    - name: " + HostName(i) + "\n      address: 127.0.0.1\n      installDir: " +
             hosts_[i]->install_dir() + "\n      ssh: {port: " + std::to_string(hosts_[i]->port()) +
             ", keySecretRef: key-" + HostName(i) + ", hostKey: '" + hosts_[i]->host_public_key() +
             "'}\n      vars: {httpListen: '127.0.0.1:" + std::to_string(listen_ports_[i]) + "'}\n";
    }
    out += "---\napiVersion: vpsfleet.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n"
           "  selector: {matchLabels: {role: web}}\n  strategy: " + strategy + "\n"
           "  healthGate: {minHealthySeconds: 2, progressDeadlineSeconds: 15}\n"
           "  failureThreshold: 1\n  autoRollback: true\n";
    return out;
  }

  Json Get(const std::string& path) {
    auto r = e2e::Http("GET", controller_->port(), path, "", {{"Authorization", "Bearer " + controller_->token()}});
    // A reply cut short (the test kills the controller mid-rollout) counts as no answer.
    Json body = r.status == 200 ? Json::parse(r.body, nullptr, /*allow_exceptions=*/false) : Json();
    return body.is_discarded() ? Json() : body;
  }
  Json Rollout() { return Get("/apis/vpsfleet.io/v1alpha1/rollouts/web"); }

  static std::string Condition(const Json& host, const std::string& type) {
    for (const auto& c : host.value("status", Json::object()).value("conditions", Json::array())) {
      if (c["type"] == type) return c["status"];
    }
    return "";
  }

  // Applies the fleet and waits until every host runs the agent, healthy, and the rollout settled.
  void Install(const std::string& scrape_interval, const std::string& strategy,
               const std::string& profile_extra = "") {
    auto applied = Fleetctl({"apply", "-f", "-"}, Fleet(scrape_interval, strategy, "", profile_extra));
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
    ASSERT_TRUE(e2e::WaitFor([&] {
      Json hosts = Get("/apis/vpsfleet.io/v1alpha1/hosts");
      int healthy = 0;
      for (const auto& h : hosts.value("items", Json::array())) healthy += Condition(h, "Healthy") == "True";
      return healthy == static_cast<int>(hosts_.size());
    }, 120s)) << Fleetctl({"get", "hosts", "-o", "yaml"}).out << controller_->Log();
    auto status = Fleetctl({"rollout", "status", "web", "--timeout", "60"});
    ASSERT_EQ(status.exit_code, 0) << status.out << status.err;
  }

  std::vector<std::string> Configs() {
    std::vector<std::string> out;
    for (const auto& h : hosts_) out.push_back(ReadFile(h->install_dir() + "/config.yaml"));
    return out;
  }

  void StartSampling() {
    sampling_ = true;
    sampler_ = std::thread([this] {
      while (sampling_) {
        Json hosts = Get("/apis/vpsfleet.io/v1alpha1/hosts");
        Json rollout = Rollout();
        if (hosts.is_object() && rollout.is_object()) {
          Sample s;
          for (const auto& h : hosts["items"]) {
            std::string name = h["metadata"]["name"];
            s.host_revision[name] = h.value("status", Json::object()).value("revision", "");
            s.host_healthy[name] = Condition(h, "Healthy");
          }
          s.entries = rollout.value("status", Json::object()).value("hosts", Json::object());
          std::lock_guard lock(samples_mu_);
          samples_.push_back(std::move(s));
        }
        std::this_thread::sleep_for(100ms);
      }
    });
  }
  void StopSampling() {
    sampling_ = false;
    if (sampler_.joinable()) sampler_.join();
  }
  // The most hosts updating at once: admitted and not yet through the health gate.
  int MaxUpdating() {
    int most = 0;
    for (const auto& s : samples_) {
      int n = 0;
      for (const auto& [name, e] : s.entries.items()) n += e["state"] == "Admitted" || e["state"] == "Failed";
      most = std::max(most, n);
    }
    return most;
  }
  // The most hosts not Healthy at once.
  int MaxUnhealthy() {
    int most = 0;
    for (const auto& s : samples_) {
      int n = 0;
      for (const auto& [name, healthy] : s.host_healthy) n += healthy != "True";
      most = std::max(most, n);
    }
    return most;
  }
  // Canary first: at the first sample where a host other than the canary (the rollout's batch 0)
  // runs a changed revision, the canary has passed its health gate. The sampler need not have
  // seen the canary changed alone: under load it can be starved for longer than the gate takes.
  void ExpectCanaryFirst(const std::map<std::string, std::string>& before) {
    std::string canary;
    for (auto it = samples_.rbegin(); it != samples_.rend() && canary.empty(); ++it) {
      for (const auto& [name, e] : it->entries.items()) {
        if (e.value("batch", -1) == 0) canary = name;
      }
    }
    ASSERT_FALSE(canary.empty()) << "no sample shows the rollout's canary";
    for (const auto& s : samples_) {
      bool other_changed = false;
      for (const auto& [name, rev] : s.host_revision) {
        if (name != canary && before.count(name) && rev != before.at(name)) other_changed = true;
      }
      if (!other_changed) continue;
      ASSERT_TRUE(s.entries.contains(canary));
      EXPECT_EQ(s.entries[canary]["state"], "Updated") << "a batch began before the canary passed";
      EXPECT_EQ(s.entries[canary]["batch"], 0);
      return;
    }
    ADD_FAILURE() << "no second host ever changed";
  }
  std::map<std::string, std::string> Revisions() {
    std::map<std::string, std::string> out;
    const Json hosts = Get("/apis/vpsfleet.io/v1alpha1/hosts");
    for (const auto& h : hosts.value("items", Json::array())) {
      out[h["metadata"]["name"]] = h["status"].value("revision", "");
    }
    return out;
  }

  e2e::TempDir tmp_;
  std::vector<std::unique_ptr<e2e::SshHost>> hosts_;
  std::vector<int> listen_ports_;
  std::unique_ptr<e2e::Controller> controller_;
  std::atomic<bool> sampling_{false};
  std::thread sampler_;
  std::mutex samples_mu_;
  std::vector<Sample> samples_;
};

constexpr const char* kCanaryThenTwo = "{canary: {hosts: 1}, maxUnavailable: 2}";

TEST_F(RolloutE2E, GoodChangeGoesCanaryFirstThenAtMostTwoAtOnceAndCompletes) {
  StartFleet(10);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo));
  auto before = Revisions();
  ASSERT_EQ(before.size(), hosts_.size());
  StartSampling();
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("3s", kCanaryThenTwo)).exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "150"});
  auto took = std::chrono::steady_clock::now() - started;
  StopSampling();
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err << controller_->Log();
  EXPECT_NE(status.out.find("Completed: 10/10 updated, 0 failed"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Z rollout/web revision 2 Progressing"), std::string::npos)
      << "plain timestamped lines when stdout is not a terminal:\n" << status.out;

  for (const auto& config : Configs()) EXPECT_NE(config.find("scrapeInterval: 3s"), std::string::npos);
  auto after = Revisions();
  for (const auto& [name, rev] : after) EXPECT_NE(rev, before[name]) << name;
  EXPECT_LE(MaxUpdating(), 2);
  EXPECT_LE(MaxUnhealthy(), 2);
  EXPECT_GE(MaxUpdating(), 2) << "batches of two did run";
  ExpectCanaryFirst(before);
  std::cout << "[ figures  ] 10 hosts, canary 1 + maxUnavailable 2: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms, "
            << samples_.size() << " samples, max updating " << MaxUpdating() << ", max unhealthy "
            << MaxUnhealthy() << "\n";

  // On a terminal (script(1) gives it one): a progress bar redrawn in place.
  auto tty = e2e::Run({"script", "-qec", e2e::Bin("fleetctl") + " rollout status web --timeout 10", "/dev/null"},
                      "", controller_->FleetctlEnv());
  EXPECT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_NE(tty.out.find("\r\033[K[####################] rollout/web revision 2 Completed"), std::string::npos) << tty.out;

  auto history = Fleetctl({"rollout", "history", "web"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("target (Completed)"), std::string::npos) << history.out;
  EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '\n'), 3) << "header + 2 revisions:\n" << history.out;
}

TEST_F(RolloutE2E, AChangeTheAgentWouldRefuseIsStoppedBeforeAnyHostIsTouched) {
  StartFleet(2);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo));
  auto before = Configs();
  // The CRD accepts 0s; the agent's config schema does not, and the controller checks every
  // rendered config with the agent's parser before it opens an SSH session.
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("0s", kCanaryThenTwo)).exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "60"});
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_NE(status.err.find("cannot be rendered"), std::string::npos) << status.err;
  EXPECT_NE(status.err.find("scrapeInterval: must be positive"), std::string::npos)
      << "the agent's own message, with the field: " << status.err;
  ASSERT_TRUE(e2e::WaitFor([&] {
    return Condition(Get("/apis/vpsfleet.io/v1alpha1/hosts/vps-0"), "ConfigApplied") == "False";
  }, 30s)) << Fleetctl({"get", "hosts", "-o", "yaml"}).out;
  EXPECT_EQ(Configs(), before) << "no host was sent the refused config";
  EXPECT_EQ(Rollout()["status"].value("hosts", Json::object()).size(), 0u) << "none was admitted";
}

TEST_F(RolloutE2E, BadChangeStopsAfterTheCanaryAndRollsBackOthersUntouched) {
  StartFleet(4);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo));
  auto before = Configs();
  // A change the agent's parser accepts but the agent cannot run (its listener's certificate is
  // not one): the canary keeps its old config and never reports the new revision.
  const std::string bad_tls = "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: bad-tls}\n"
                              "type: tls\nstringData: {tls.crt: not a certificate, tls.key: not a key}\n---\n";
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"},
                     bad_tls + Fleet("2s", kCanaryThenTwo, "", "  http: {tls: {secretRef: bad-tls}}\n"))
                .exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "90"});
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_NE(status.err.find("RolledBack"), std::string::npos) << status.err;
  EXPECT_NE(status.err.find("vps-0"), std::string::npos) << "the reason names the failed host: " << status.err;

  Json rollout = Rollout();
  ASSERT_EQ(rollout["status"]["hosts"].size(), 1u) << rollout.dump(2);
  EXPECT_EQ(rollout["status"]["hosts"]["vps-0"]["state"], "RolledBack");
  // The canary runs its previous config again, healthy; the others were never touched.
  ASSERT_TRUE(e2e::WaitFor([&] { return Configs()[0] == before[0]; }, 30s));
  ASSERT_TRUE(e2e::WaitFor([&] {
    return Condition(Get("/apis/vpsfleet.io/v1alpha1/hosts/vps-0"), "Healthy") == "True";
  }, 30s)) << controller_->Log();
  auto now = Configs();
  for (size_t i = 1; i < now.size(); ++i) EXPECT_EQ(now[i], before[i]) << HostName(i);
  // A failed rollout stays stopped: nothing else is admitted later. A new input (a Secret) makes
  // the reconciler decide again; once its status shows it observed that input, it has.
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\n"
                                           "metadata: {name: later-input}\nstringData: {k: v}\n").exit_code, 0);
  const std::string later = Get("/apis/vpsfleet.io/v1alpha1/secrets/later-input")["metadata"]["resourceVersion"];
  ASSERT_TRUE(e2e::WaitFor([&] {
    return Rollout()["status"].value("observedInputsRevision", "") == later;
  }, 30s)) << Rollout().dump(2);
  EXPECT_EQ(Rollout()["status"]["hosts"].size(), 1u);
  EXPECT_EQ(Fleetctl({"rollout", "status", "web", "--timeout", "5"}).exit_code, 1);
}

// Agent versions are revisions too. 0.1.1 is the same fleet-agent build bundled for another
// release (make-bundle.sh stamps the version into the binary, which then reports it); 0.1.2 is a
// release whose agent exits as soon as it starts (/bin/false bundled by the same script).
TEST_F(RolloutE2E, AgentVersionUpgradeGoesCanaryFirstAndEveryHostReportsTheNewVersion) {
  ASSERT_NO_FATAL_FAILURE(MakeBundle(e2e::Bin("fleet-agent"), "0.1.1", "0.1.1"));
  StartFleet(4);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo));
  for (const auto& v : InstalledVersions()) ASSERT_EQ(v, std::string(VPSFLEET_VERSION) + "\n");
  auto before = Revisions();
  StartSampling();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("2s", kCanaryThenTwo, "0.1.1")).exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "120"});
  StopSampling();
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err << controller_->Log();
  ExpectCanaryFirst(before);
  EXPECT_LE(MaxUpdating(), 2);
  for (const auto& v : InstalledVersions()) EXPECT_EQ(v, "0.1.1\n");
  const Json hosts = Get("/apis/vpsfleet.io/v1alpha1/hosts");
  for (const auto& h : hosts["items"]) {
    EXPECT_EQ(h["status"]["agentVersion"], "0.1.1") << "the health gate saw the new agent report";
    EXPECT_NE(h["status"]["revision"], before[h["metadata"]["name"]]);
  }
  auto history = Fleetctl({"rollout", "history", "web"});
  EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '\n'), 3) << history.out;
}

TEST_F(RolloutE2E, AgentVersionThatCannotStartStopsAfterTheCanaryAndRollsBack) {
  ASSERT_NO_FATAL_FAILURE(MakeBundle("/bin/false", "0.1.2", ""));
  StartFleet(4);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo));
  const auto configs = Configs();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("2s", kCanaryThenTwo, "0.1.2")).exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "90"});
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_NE(status.err.find("RolledBack"), std::string::npos) << status.err;
  EXPECT_NE(status.err.find("vps-0"), std::string::npos) << status.err;
  Json rollout = Rollout();
  ASSERT_EQ(rollout["status"]["hosts"].size(), 1u) << rollout.dump(2);
  EXPECT_EQ(rollout["status"]["hosts"]["vps-0"]["state"], "RolledBack");
  // The canary runs the previous agent and config again, healthy; the others were never touched.
  const std::string previous = std::string(VPSFLEET_VERSION) + "\n";
  ASSERT_TRUE(e2e::WaitFor([&] {
    Json h = Get("/apis/vpsfleet.io/v1alpha1/hosts/vps-0");
    return InstalledVersions()[0] == previous && Configs()[0] == configs[0] &&
           Condition(h, "Healthy") == "True" && h["status"].value("agentVersion", "") == VPSFLEET_VERSION;
  }, 60s)) << controller_->Log();
  auto versions = InstalledVersions();
  auto now = Configs();
  for (size_t i = 1; i < hosts_.size(); ++i) {
    EXPECT_EQ(versions[i], previous) << HostName(i);
    EXPECT_EQ(now[i], configs[i]) << HostName(i);
  }
}

TEST_F(RolloutE2E, PauseAfterCanaryResumeThenUndoToTheFirstRevision) {
  StartFleet(4);
  const std::string strategy = "{canary: {hosts: 1}, maxUnavailable: 2, pauseAfterCanary: true}";
  ASSERT_NO_FATAL_FAILURE(Install("2s", strategy));
  auto first = Configs();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("3s", strategy)).exit_code, 0);
  auto paused = Fleetctl({"rollout", "status", "web", "--timeout", "60"});
  ASSERT_EQ(paused.exit_code, 3) << paused.out << paused.err;
  EXPECT_NE(paused.err.find("after the canary"), std::string::npos) << paused.err;
  auto configs = Configs();
  EXPECT_EQ(std::count_if(configs.begin(), configs.end(),
                          [](const std::string& c) { return c.find("scrapeInterval: 3s") != std::string::npos; }),
            1);

  ASSERT_EQ(Fleetctl({"rollout", "resume", "web"}).exit_code, 0);
  auto resumed = Fleetctl({"rollout", "status", "web", "--timeout", "60"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  for (const auto& c : Configs()) EXPECT_NE(c.find("scrapeInterval: 3s"), std::string::npos);

  // A manual pause holds the next rollout (the undo) before it admits anything.
  ASSERT_EQ(Fleetctl({"rollout", "pause", "web"}).exit_code, 0);
  ASSERT_EQ(Fleetctl({"rollout", "undo", "web", "--to-revision", "1"}).exit_code, 0);
  auto held = Fleetctl({"rollout", "status", "web", "--timeout", "30"});
  EXPECT_EQ(held.exit_code, 3) << held.out << held.err;
  EXPECT_EQ(Rollout()["status"]["hosts"].size(), 0u);
  ASSERT_EQ(Fleetctl({"rollout", "resume", "web"}).exit_code, 0);
  // The canary pauses again; resume it through to the end.
  EXPECT_EQ(Fleetctl({"rollout", "status", "web", "--timeout", "60"}).exit_code, 3);
  ASSERT_EQ(Fleetctl({"rollout", "resume", "web"}).exit_code, 0);
  auto undone = Fleetctl({"rollout", "status", "web", "--timeout", "60"});
  ASSERT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  EXPECT_EQ(Configs(), first) << "every host runs revision 1's config again";
  EXPECT_EQ(Rollout()["status"]["revision"], 1);
}

TEST_F(RolloutE2E, ControllerKilledMidRolloutResumesFromTheStoreWithTheSameGuarantees) {
  StartFleet(6);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo));
  auto before = Revisions();
  StartSampling();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("3s", kCanaryThenTwo)).exit_code, 0);
  // Kill it once the canary passed and a batch is on its way.
  ASSERT_TRUE(e2e::WaitFor([&] {
    const Json entries = Rollout().value("status", Json::object()).value("hosts", Json::object());
    for (const auto& [name, e] : entries.items()) {
      if (e["batch"] == 1) return true;
    }
    return false;
  }, 60s)) << controller_->Log();
  controller_->Stop(SIGKILL);
  StartController();
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "90"});
  StopSampling();
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err << controller_->Log();
  for (const auto& c : Configs()) EXPECT_NE(c.find("scrapeInterval: 3s"), std::string::npos);
  EXPECT_LE(MaxUpdating(), 2);
  ExpectCanaryFirst(before);
}

// The alloy-compose flavor with the real docker-compose and Docker, driven over SSH by the
// controller. The stack's images cannot be pulled here (no registry): stand-ins are built from
// the offline busybox image under the names the profile gives, and sleep until stopped. This
// machine runs no privileged container and its / is not a shared mount, so the profile's
// composePatch turns those two upstream settings off, which is what the patch is for.
class AlloyComposeE2E : public RolloutE2E {
 protected:
  void SetUp() override {
    std::string output;
    ASSERT_TRUE(e2e::EnsureDockerd(&output)) << output;
    const std::string dockerfile = tmp_.path() / "Dockerfile";
    std::ofstream(dockerfile) << "FROM vpsfleet-busybox:latest\n"
                                 "ENTRYPOINT [\"sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 1; done\", \"stand-in\"]\n";
    for (const char* image : {"alloy", "node-exporter", "cadvisor"}) {
      auto built = e2e::Run({"docker", "build", "-q", "-t", std::string("vpsfleet-test/") + image + ":stand-in",
                             "-f", dockerfile, tmp_.path().string()}, "", {}, 120s);
      ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    }
  }
  // Every stack a test started goes, whatever the controller managed to do.
  void TearDown() override {
    RolloutE2E::TearDown();
    if (controller_) controller_->Stop();  // before the stacks go, or it would bring them back
    for (size_t i = 0; i < hosts_.size(); ++i) {
      e2e::Run({"sh", "-c", "docker ps -aq --filter label=com.docker.compose.project=\"$1\" | xargs -r docker rm -f; "
                            "docker network rm \"$1_default\" 2>/dev/null; true", "sh", Project(i)}, "", {}, 60s);
    }
  }

  static std::string Project(size_t i) { return "vpsfleet-" + HostName(i); }
  static std::string StackProfile() {
    return "  flavor: alloy-compose\n  alloyCompose:\n    uiListen: ''\n"
           "    images: {alloy: 'vpsfleet-test/alloy:stand-in', nodeExporter: 'vpsfleet-test/node-exporter:stand-in',"
           " cadvisor: 'vpsfleet-test/cadvisor:stand-in'}\n"
           "    composePatch: {services: {cadvisor: {privileged: false}, node-exporter: {volumes: ['/:/host:ro']}}}\n";
  }
  // service -> "status startedAt" of host i's stack, as Docker has it.
  std::map<std::string, std::string> Stack(size_t i) {
    auto r = e2e::Run({"sh", "-c", "ids=$(docker ps -aq --filter label=com.docker.compose.project=\"$1\"); "
                                   "[ -z \"$ids\" ] || docker inspect --format "
                                   "'{{index .Config.Labels \"com.docker.compose.service\"}} {{.State.Status}} {{.State.StartedAt}}' $ids",
                       "sh", Project(i)}, "", {}, 60s);
    std::map<std::string, std::string> out;
    std::istringstream lines(r.out);
    for (std::string service, rest; lines >> service && std::getline(lines, rest);) out[service] = rest.substr(1);
    return out;
  }
  bool StackRunning(size_t i) {
    auto stack = Stack(i);
    if (stack.size() != 3) return false;
    for (const auto& [service, state] : stack) {
      if (state.rfind("running ", 0) != 0) return false;
    }
    return true;
  }
  // When host i's stack containers died since `since` (Docker's events, in ns), oldest first.
  std::vector<int64_t> StackDeaths(size_t i, int64_t since_unix) {
    auto r = e2e::Run({"docker", "events", "--since", std::to_string(since_unix), "--until",
                       std::to_string(time(nullptr) + 1), "--filter", "type=container", "--filter", "event=die",
                       "--filter", "label=com.docker.compose.project=" + Project(i), "--format", "{{.TimeNano}}"},
                      "", {}, 60s);
    std::vector<int64_t> out;
    std::istringstream lines(r.out);
    for (int64_t t; lines >> t;) out.push_back(t);
    std::sort(out.begin(), out.end());
    return out;
  }
  Json Host(size_t i) { return Get("/apis/vpsfleet.io/v1alpha1/hosts/" + HostName(i)); }
  static std::string ConditionField(const Json& host, const std::string& type, const std::string& field) {
    for (const auto& c : host.value("status", Json::object()).value("conditions", Json::array())) {
      if (c["type"] == type) return c.value(field, "");
    }
    return "";
  }
};

TEST_F(AlloyComposeE2E, StackHostsHealFromComposePsAndMoveToFleetAgentCanaryFirstStoppingTheStackOnlyOnceHealthy) {
  StartFleet(3);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo, StackProfile()));
  for (size_t i = 0; i < hosts_.size(); ++i) {
    EXPECT_TRUE(StackRunning(i)) << HostName(i);
    const Json host = Host(i);
    EXPECT_EQ(ConditionField(host, "Healthy", "reason"), "StackHealthy") << host.dump(2);
    EXPECT_EQ(host["status"].value("composeProject", ""), Project(i));
    const std::string dir = hosts_[i]->install_dir() + "/alloy-compose";
    EXPECT_EQ(std::filesystem::status(dir + "/.env").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_NE(ReadFile(dir + "/.env").find("HOSTNAME='" + HostName(i) + "'"), std::string::npos);
    EXPECT_NE(ReadFile(dir + "/config.alloy").find("livedebugging {"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(hosts_[i]->install_dir() + "/config.yaml")) << "no fleet-agent";
  }

  // A service stopped by hand: unhealthy as compose ps shows it, then brought back by compose up.
  auto stopped = e2e::Run({"sh", "-c", "docker stop $(docker ps -q --filter label=com.docker.compose.project=\"$1\" "
                                       "--filter label=com.docker.compose.service=cadvisor)", "sh", Project(1)},
                          "", {}, 60s);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  ASSERT_TRUE(e2e::WaitFor([&] { return StackRunning(1) && ConditionField(Host(1), "Healthy", "status") == "True"; }, 60s))
      << Host(1).dump(2) << controller_->Log();

  // To fleet-agent, canary first; each stack stops once its host's agent reports healthy.
  auto before = Revisions();
  const int64_t move_started = time(nullptr);
  StartSampling();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("2s", kCanaryThenTwo)).exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "150"});
  StopSampling();
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err << controller_->Log();
  ExpectCanaryFirst(before);
  for (size_t i = 0; i < hosts_.size(); ++i) {
    SCOPED_TRACE(HostName(i));
    // compose down returns, then the status says so.
    ASSERT_TRUE(e2e::WaitFor([&] { return Stack(i).empty() && !Host(i)["status"].contains("composeProject"); }, 60s))
        << "the stack was stopped: " << Host(i).dump(2);
    const Json host = Host(i);
    EXPECT_EQ(ConditionField(host, "Healthy", "reason"), "AgentHealthy");
    EXPECT_TRUE(std::filesystem::exists(hosts_[i]->install_dir() + "/config.yaml"));
    // Docker's own record: no container of the stack died before the Host was first recorded
    // healthy on fleet-agent (its first AgentHealthy event; RFC 3339 seconds, so a lower bound).
    std::string healthy_since;
    for (const auto& e : Get("/apis/vpsfleet.io/v1alpha1/hosts/" + HostName(i) + "/events").value("items", Json::array())) {
      if (e.value("reason", "") == "AgentHealthy" && healthy_since.empty()) healthy_since = e.value("firstTimestamp", "");
    }
    ASSERT_FALSE(healthy_since.empty()) << "no AgentHealthy event";
    auto healthy_at = e2e::Run({"date", "-d", healthy_since, "+%s"});
    ASSERT_EQ(healthy_at.exit_code, 0) << healthy_since;
    const int64_t healthy_ns = std::stoll(healthy_at.out) * 1000000000LL;
    auto deaths = StackDeaths(i, move_started);
    ASSERT_EQ(deaths.size(), 3u) << "alloy, node-exporter and cadvisor stopped once each";
    EXPECT_GE(deaths.front(), healthy_ns) << "a container stopped before the agent reported healthy at " << healthy_since;
  }
}

TEST_F(AlloyComposeE2E, AMoveToFleetAgentThatNeverGetsHealthyRollsBackAndTheStackNeverStopped) {
  StartFleet(2);
  ASSERT_NO_FATAL_FAILURE(Install("2s", kCanaryThenTwo, StackProfile()));
  std::vector<std::map<std::string, std::string>> stacks = {Stack(0), Stack(1)};
  const int64_t move_started = time(nullptr);
  // The agent cannot start with a listener certificate that is not one.
  const std::string bad_tls = "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: bad-tls}\n"
                              "type: tls\nstringData: {tls.crt: not a certificate, tls.key: not a key}\n---\n";
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, bad_tls + Fleet("2s", kCanaryThenTwo, "", "  http: {tls: {secretRef: bad-tls}}\n"))
                .exit_code, 0);
  auto status = Fleetctl({"rollout", "status", "web", "--timeout", "90"});
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_NE(status.err.find("RolledBack"), std::string::npos) << status.err;
  // The canary is back on the stack, healthy by compose ps, its fleet-agent gone.
  ASSERT_TRUE(e2e::WaitFor([&] {
    const Json host = Host(0);
    return ConditionField(host, "Healthy", "reason") == "StackHealthy" && !host["status"].contains("tokenHash");
  }, 60s)) << Host(0).dump(2) << controller_->Log();
  EXPECT_FALSE(std::filesystem::exists(hosts_[0]->install_dir() + "/config.yaml")) << "the agent was removed";
  for (size_t i = 0; i < hosts_.size(); ++i) {
    EXPECT_EQ(Stack(i), stacks[i]) << HostName(i) << ": the same containers, started once";
    EXPECT_TRUE(StackDeaths(i, move_started).empty()) << HostName(i);
  }
}

}  // namespace
