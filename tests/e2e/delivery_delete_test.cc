// Deleting a Host stops its agent: fleet-controller delivers fleet-agent to real sshd hosts, and a
// deleted Host stays Terminating (finalizer vpsfleet.io/agent-cleanup) until the controller has
// stopped the agent and removed its config and secrets over SSH. An unreachable host stays
// Terminating, visibly, until it answers again; --force removes one that is gone for good.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class DeliveryDeleteE2E : public ::testing::Test {
 protected:
  static constexpr int kHosts = 3;  // solo: deleted cleanly; grouped: unreachable, then back; gone: forced

  void SetUp() override {
    for (int i = 0; i < kHosts; ++i) {
      hosts_.push_back(std::make_unique<e2e::SshHost>());
      listen_ports_.push_back(e2e::FreePort());
    }
    controller_ = std::make_unique<e2e::Controller>(
        tmp_.path(), std::vector<std::string>{"--agent-bundle", e2e::BinaryDir() + "/agent-bundle",
                                              "--report-timeout", "10", "--agent-report-interval", "2",
                                              "--resync", "2"});
    ASSERT_TRUE(controller_->Start()) << controller_->Log();
  }

  e2e::CommandResult Fleetctl(std::vector<std::string> args, const std::string& in = "") {
    return controller_->Fleetctl(std::move(args), in);
  }

  // The fields of one host entry (as a Host spec or a HostGroup entry).
  std::string HostFields(int i, const std::string& indent) {
    return indent + "address: 127.0.0.1\n" + indent + "profile: standard\n" + indent +
           "installDir: " + hosts_[i]->install_dir() + "\n" + indent + "ssh: {port: " +
           std::to_string(hosts_[i]->port()) + ", keySecretRef: key-" + std::to_string(i) +
           ", hostKey: '" + hosts_[i]->host_public_key() + "'}\n" + indent +
           "vars: {httpListen: '127.0.0.1:" + std::to_string(listen_ports_[i]) + "'}\n";
  }

  std::string Fleet() {
    std::string out;
    for (int i = 0; i < kHosts; ++i) {
      out += "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key-" + std::to_string(i) +
             "}\ntype: ssh-auth\nstringData:\n  ssh-privatekey: |\n" +
             e2e::Indent(hosts_[i]->client_private_key(), 4) + "---\n";
    }
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
           "  collectors: {enabled: [loadavg, uname], container: {enabled: false}}\n---\n";
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: solo}\nspec:\n" + HostFields(0, "  ") + "---\n";
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: lab}\nspec:\n  hosts:\n"
           "    - name: grouped\n" + HostFields(1, "      ") + "---\n";
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: gone}\nspec:\n" + HostFields(2, "  ");
    return out;
  }

  Json Get(const std::string& name) {
    auto r = Fleetctl({"get", "host", name, "-o", "json"});
    return r.exit_code == 0 ? Json::parse(r.out) : Json();
  }
  static std::string Condition(const Json& host, const std::string& type, const char* field = "status") {
    for (const auto& c : host.value("status", Json::object()).value("conditions", Json::array())) {
      if (c["type"] == type) return c[field];
    }
    return "";
  }
  bool AgentAnswers(int i) { return e2e::Http("GET", listen_ports_[i], "/-/healthy", "", {}, 2s).status == 200; }
  fs::path InstallDir(int i) { return hosts_[i]->install_dir(); }

  e2e::TempDir tmp_;
  std::vector<std::unique_ptr<e2e::SshHost>> hosts_;
  std::vector<int> listen_ports_;
  std::unique_ptr<e2e::Controller> controller_;
};

TEST_F(DeliveryDeleteE2E, DeletingAHostStopsItsAgentAndAnUnreachableOneStaysTerminating) {
  auto applied = Fleetctl({"apply", "-f", "-"}, Fleet());
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ASSERT_TRUE(e2e::WaitFor([&] {
    for (const char* h : {"solo", "grouped", "gone"}) {
      if (Condition(Get(h), "Healthy") != "True") return false;
    }
    return true;
  }, 120s)) << Fleetctl({"get", "hosts", "-o", "yaml"}).out << controller_->Log();
  EXPECT_EQ(Get("solo")["metadata"]["finalizers"], Json::array({"vpsfleet.io/agent-cleanup"}));
  ASSERT_TRUE(AgentAnswers(0));

  // A clean delete: the command returns once the agent is stopped and the Host is gone.
  auto deleted = Fleetctl({"delete", "host", "solo"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err;
  EXPECT_NE(deleted.out.find("host/solo terminating (waiting for vpsfleet.io/agent-cleanup"), std::string::npos) << deleted.out;
  EXPECT_NE(deleted.out.find("host/solo deleted\n"), std::string::npos) << deleted.out;
  EXPECT_EQ(Fleetctl({"get", "host", "solo"}).exit_code, 1);
  EXPECT_FALSE(AgentAnswers(0)) << "the agent was stopped";
  EXPECT_FALSE(fs::exists(InstallDir(0) / "config.yaml"));
  EXPECT_FALSE(fs::exists(InstallDir(0) / "secrets"));
  EXPECT_FALSE(fs::exists(InstallDir(0) / "run" / "agent.pid"));
  EXPECT_TRUE(fs::exists(InstallDir(0) / "bin" / "fleet-agent")) << "the bundle stays";

  // Unreachable: deleting the group leaves its host Terminating, visibly, with the reason.
  hosts_[1]->Stop();
  auto group = Fleetctl({"delete", "hostgroup", "lab", "--no-wait"});
  ASSERT_EQ(group.exit_code, 0) << group.err;
  EXPECT_NE(group.out.find("host/grouped terminating (via hostgroup/lab)"), std::string::npos) << group.out;
  ASSERT_TRUE(e2e::WaitFor([&] { return Condition(Get("grouped"), "AgentRemoved") == "False"; }, 30s))
      << Fleetctl({"describe", "host", "grouped"}).out;
  EXPECT_NE(Fleetctl({"get", "hosts"}).out.find("Terminating"), std::string::npos);
  auto described = Fleetctl({"describe", "host", "grouped"}).out;
  EXPECT_NE(described.find("CleanupFailed"), std::string::npos) << described;
  auto timed_out = Fleetctl({"delete", "host", "grouped", "--timeout", "2"});
  EXPECT_EQ(timed_out.exit_code, 1);
  EXPECT_NE(timed_out.err.find("still Terminating after 2s"), std::string::npos) << timed_out.err;
  EXPECT_NE(timed_out.err.find("last attempt:"), std::string::npos) << timed_out.err;
  EXPECT_TRUE(AgentAnswers(1)) << "nothing touched the agent while its host was unreachable";
  // Back: the retry (with backoff) finishes the job.
  hosts_[1]->Start();
  EXPECT_TRUE(e2e::WaitFor([&] { return Fleetctl({"get", "host", "grouped"}).exit_code == 1; }, 60s))
      << Fleetctl({"describe", "host", "grouped"}).out << controller_->Log();
  EXPECT_FALSE(AgentAnswers(1));
  EXPECT_FALSE(fs::exists(InstallDir(1) / "secrets"));

  // Gone for good: --force removes the Host at once and leaves the host alone.
  hosts_[2]->Stop();
  auto forced = Fleetctl({"delete", "host", "gone", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.out.find("host/gone deleted (forced"), std::string::npos) << forced.out;
  EXPECT_EQ(Fleetctl({"get", "host", "gone"}).exit_code, 1);
  EXPECT_TRUE(fs::exists(InstallDir(2) / "config.yaml"));
}

}  // namespace
