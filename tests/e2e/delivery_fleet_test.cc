// The whole delivery loop with real parts: fleet-controller installs fleet-agent over SSH on real
// sshd hosts (loopback ports), the agents report Healthy with their per-host tokens and ship
// metrics by remote write to a real Prometheus.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

using e2e::ReadFile;

using e2e::Indent;

class DeliveryE2E : public ::testing::Test {
 protected:
  static constexpr int kHosts = 10;

  void SetUp() override {
    prom_port_ = e2e::FreePort();
    tmp_.Write("prometheus.yml", "global: {scrape_interval: 15s}\n");
    prometheus_ = std::make_unique<e2e::Process>(std::vector<std::string>{
        "prometheus", "--config.file=" + (tmp_.path() / "prometheus.yml").string(),
        "--web.enable-remote-write-receiver",
        "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_),
        "--storage.tsdb.path=" + (tmp_.path() / "prom").string()});
    for (int i = 0; i < kHosts; ++i) {
      hosts_.push_back(std::make_unique<e2e::SshHost>());
      pinned_keys_.push_back(hosts_.back()->host_public_key());  // as the operator pinned them
      listen_ports_.push_back(e2e::FreePort());
    }
    controller_ = std::make_unique<e2e::Controller>(
        tmp_.path(), std::vector<std::string>{"--agent-bundle", e2e::BinaryDir() + "/agent-bundle",
                                              "--report-timeout", "10", "--agent-report-interval", "2",
                                              "--resync", "3"});
    ASSERT_TRUE(controller_->Start()) << controller_->Log();
    ASSERT_TRUE(e2e::WaitFor([&] { return e2e::Http("GET", prom_port_, "/-/ready").status == 200; }, 30s));
  }

  e2e::CommandResult Fleetctl(std::vector<std::string> args, const std::string& in = "") {
    return controller_->Fleetctl(std::move(args), in, 60s);
  }

  static std::string HostName(int i) { return "vps-" + std::to_string(i); }

  // The fleet: one key Secret per host (each test sshd authorizes its own key), a profile
  // shipping to the local Prometheus, and a HostGroup with an entry per host.
  // relabelled: the one host (if any) that gets an extra external label, i.e. a new revision.
  std::string Fleet(const std::string& scrape_interval, int relabelled = -1) {
    std::string out;
    for (int i = 0; i < kHosts; ++i) {
      out += "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key-" + HostName(i) +
             "}\ntype: ssh-auth\nstringData:\n  ssh-privatekey: |\n" +
             Indent(hosts_[i]->client_private_key(), 4) + "---\n";
    }
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
           "  job: integrations/vps\n  scrapeInterval: " + scrape_interval + "\n"
           "  collectors: {enabled: [cpu, loadavg, meminfo, uname], container: {enabled: false}}\n"
           "  remoteWrite: {url: 'http://127.0.0.1:" + std::to_string(prom_port_) + "/api/v1/write'}\n"
           // The hosts share the machine's Docker: containers labelled for scraping there (a
           // benchmark's) would be scraped by every host, as the same series.
           "  scrapeLabelledContainers: {enabled: false}\n---\n";
    out += "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: lab, labels: {region: lab}}\n"
           "spec:\n  defaults: {profile: standard, ssh: {user: root}}\n  hosts:\n";
    for (int i = 0; i < kHosts; ++i) {
      out += "    - name: " + HostName(i) + "\n      address: 127.0.0.1\n      installDir: " +
             hosts_[i]->install_dir() + "\n      ssh: {port: " + std::to_string(hosts_[i]->port()) +
             ", keySecretRef: key-" + HostName(i) + ", hostKey: '" + pinned_keys_[i] +
             "'}\n      vars:\n        httpListen: 127.0.0.1:" + std::to_string(listen_ports_[i]) +
             // Hostile values: if anything reached a shell unquoted, the marker file would appear.
             "\n        note: \"$(touch " + Marker() + ") `touch " + Marker() + "`; touch " + Marker() +
             "\"\n        extraLabels: {quoted: \"'; touch " + Marker() + "; '\"" +
             (i == relabelled ? ", tier: canary" : "") + "}\n";
    }
    return out;
  }

  std::string Marker() { return (tmp_.path() / "pwned").string(); }

  Json Hosts() { return Json::parse(Fleetctl({"get", "hosts", "-o", "json"}).out)["items"]; }

  static std::string Condition(const Json& host, const std::string& type, const char* field = "status") {
    for (const auto& c : host.value("status", Json::object()).value("conditions", Json::array())) {
      if (c["type"] == type) return c[field];
    }
    return "";
  }

  // Waits until pred holds for every host (or the named one), returns whether it did.
  bool WaitHosts(const std::function<bool(const Json&)>& pred, std::chrono::seconds timeout,
                 const std::string& only = "") {
    return e2e::WaitFor([&] {
      Json hosts = Hosts();
      int ok = 0, n = 0;
      for (const auto& h : hosts) {
        if (!only.empty() && h["metadata"]["name"] != only) continue;
        ++n;
        ok += pred(h);
      }
      return n > 0 && ok == n;
    }, timeout);
  }

  int InstancesInPrometheus(const std::string& query) {
    auto r = e2e::Http("GET", prom_port_, "/api/v1/query?query=" + query);
    if (r.status != 200) return -1;
    return static_cast<int>(Json::parse(r.body)["data"]["result"].size());
  }

  e2e::TempDir tmp_;
  int prom_port_ = 0;
  std::unique_ptr<e2e::Process> prometheus_;
  std::vector<std::unique_ptr<e2e::SshHost>> hosts_;
  std::vector<std::string> pinned_keys_;
  std::vector<int> listen_ports_;
  std::unique_ptr<e2e::Controller> controller_;
};

TEST_F(DeliveryE2E, FleetIsInstalledReportsHealthyShipsMetricsAndFollowsChanges) {
  auto applied = Fleetctl({"apply", "-f", "-"}, Fleet("2s"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  auto healthy = [](const Json& h) { return Condition(h, "Healthy") == "True"; };
  ASSERT_TRUE(WaitHosts(healthy, 120s)) << Fleetctl({"get", "hosts", "-o", "yaml"}).out << controller_->Log();

  // Each host runs the agent from its install dir with its own rendered config and token.
  for (int i = 0; i < kHosts; ++i) {
    std::string config = ReadFile(hosts_[i]->install_dir() + "/config.yaml");
    EXPECT_NE(config.find("instance: " + HostName(i)), std::string::npos);
    EXPECT_FALSE(ReadFile(hosts_[i]->install_dir() + "/secrets/controller-token").empty());
  }
  auto table = Fleetctl({"get", "hosts"});
  EXPECT_NE(table.out.find("True"), std::string::npos) << table.out;
  ASSERT_TRUE(e2e::WaitFor([&] { return InstancesInPrometheus("node_load1%7Bjob%3D%22integrations%2Fvps%22%7D") == kHosts; }, 60s))
      << "metrics from every host arrive by remote write";
  EXPECT_FALSE(std::filesystem::exists(Marker())) << "a hostile var reached a shell";

  // A profile change re-renders every host's config; all come back Healthy on the new revision.
  std::map<std::string, std::string> first_revisions;
  for (const auto& h : Hosts()) first_revisions[h["metadata"]["name"]] = h["status"]["revision"];
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("3s")).exit_code, 0);
  ASSERT_TRUE(WaitHosts([&](const Json& h) {
    return h["status"].value("revision", "") != first_revisions[h["metadata"]["name"]] &&
           Condition(h, "Healthy") == "True";
  }, 120s)) << Fleetctl({"get", "hosts", "-o", "yaml"}).out;
  EXPECT_NE(ReadFile(hosts_[0]->install_dir() + "/config.yaml").find("scrapeInterval: 3s"), std::string::npos);

  // A change to one host's vars re-renders only that host; the others are not touched.
  std::map<std::string, std::string> revisions;
  for (const auto& h : Hosts()) revisions[h["metadata"]["name"]] = h["status"]["revision"];
  std::vector<std::filesystem::file_time_type> mtimes;
  for (const auto& h : hosts_) mtimes.push_back(std::filesystem::last_write_time(h->install_dir() + "/config.yaml"));
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("3s", 3)).exit_code, 0);
  ASSERT_TRUE(WaitHosts([&](const Json& h) {
    return h["status"].value("revision", "") != revisions[HostName(3)] && Condition(h, "Healthy") == "True";
  }, 60s, HostName(3)));
  for (const auto& h : Hosts()) {
    if (h["metadata"]["name"] == HostName(3)) continue;
    EXPECT_EQ(h["status"]["revision"], revisions[h["metadata"]["name"]]) << h["metadata"]["name"];
  }
  for (int i = 0; i < kHosts; ++i) {
    if (i == 3) continue;
    EXPECT_EQ(std::filesystem::last_write_time(hosts_[i]->install_dir() + "/config.yaml"), mtimes[i])
        << HostName(i) << " was re-uploaded";
  }
  EXPECT_NE(ReadFile(hosts_[3]->install_dir() + "/config.yaml").find("tier: canary"), std::string::npos);
  auto described = Fleetctl({"describe", "host", HostName(3)});
  EXPECT_NE(described.out.find("Events:"), std::string::npos) << described.out;
  EXPECT_TRUE(std::regex_search(described.out, std::regex("Normal +Delivering +.* +revision ")))
      << described.out;

  // A host whose key changed is refused and left alone.
  hosts_[1]->RotateHostKey();
  std::string before = ReadFile(hosts_[1]->install_dir() + "/config.yaml");
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("4s")).exit_code, 0);
  ASSERT_TRUE(WaitHosts([](const Json& h) { return Condition(h, "Reachable", "reason") == "HostKeyMismatch"; },
                        60s, HostName(1)))
      << Fleetctl({"describe", "host", HostName(1)}).out;
  EXPECT_EQ(ReadFile(hosts_[1]->install_dir() + "/config.yaml"), before);
  EXPECT_TRUE(std::regex_search(Fleetctl({"describe", "host", HostName(1)}).out,
                                std::regex("Warning +HostKeyMismatch +")));

  // sshd down: the host is unreachable and retried with backoff; when it returns, it catches up.
  hosts_[2]->Stop();
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("5s")).exit_code, 0);
  ASSERT_TRUE(WaitHosts([](const Json& h) { return Condition(h, "Reachable") == "False"; }, 60s, HostName(2)));
  hosts_[2]->Start();
  ASSERT_TRUE(WaitHosts([](const Json& h) {
    return Condition(h, "Reachable") == "True" && Condition(h, "Healthy") == "True";
  }, 120s, HostName(2))) << Fleetctl({"describe", "host", HostName(2)}).out;
  EXPECT_NE(ReadFile(hosts_[2]->install_dir() + "/config.yaml").find("scrapeInterval: 5s"), std::string::npos);
}

TEST_F(DeliveryE2E, ControllerKilledMidPushLeavesNoPartialFileAndFinishesAfterRestart) {
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, Fleet("2s")).exit_code, 0);
  // Bundles are a few MB per host: SIGKILL lands while uploads are in flight.
  std::this_thread::sleep_for(300ms);
  controller_->Stop(SIGKILL);
  int configs = 0;
  for (const auto& h : hosts_) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(h->install_dir())) {
      std::string name = entry.path().filename().string();
      if (name == "config.yaml") {
        ++configs;
        std::string text = ReadFile(entry.path().string());
        EXPECT_NE(text.find("revision: "), std::string::npos) << "partial config: " << text;
      }
    }
  }
  std::cout << configs << " of " << kHosts << " hosts had their config when the controller died\n";
  ASSERT_TRUE(controller_->Start()) << controller_->Log();
  ASSERT_TRUE(WaitHosts([](const Json& h) { return Condition(h, "Healthy") == "True"; }, 120s))
      << Fleetctl({"get", "hosts", "-o", "yaml"}).out;
  for (const auto& h : hosts_) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(h->install_dir())) {
      EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos)
          << "left behind: " << entry.path();
    }
  }
}

}  // namespace
