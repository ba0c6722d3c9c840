// Fakes for the delivery side of the controller: an in-memory host behind a Transport and an
// AgentInstaller, recording what was done to it; and a fixture running the real Host reconciler
// (with the Rollout gate) against them and a real SQLite store in a scratch directory.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controller/host_reconciler.h"
#include "controller/rollout.h"
#include "fleet/core/crypto.h"

namespace controller {

using fleet::Status;

// An in-memory host: files by path, and a record of what was done to it.
struct FakeHost {
  std::map<std::string, std::pair<std::string, int>> files;  // path -> (content, mode)
  int uploads = 0;
  int restarts = 0;
  int reloads = 0;
  int installs = 0;
  std::string agent_version;  // of the last install
  int removals = 0;
  Status connect_error = Status::Ok();
  std::string host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKEKEY";
  SshTarget last_target;
  // The alloy-compose stack (compose_stack.cc's script, by its action): the state of each
  // service's container, "running" once up; a service in compose_broken exits again at once.
  std::map<std::string, std::string> compose_services;
  std::set<std::string> compose_broken;
  bool compose_missing = false;  // the host has neither docker compose nor docker-compose
  std::vector<std::string> compose_actions;  // "up", "down", ..., with "agent removed" between
};

// What `docker inspect` prints of the fake stack's containers.
inline std::string FakeInspect(const FakeHost& h) {
  fleet::Json out = fleet::Json::array();
  for (const auto& [service, state] : h.compose_services) {
    out.push_back({{"Config", {{"Labels", {{"com.docker.compose.service", service}}}}},
                   {"State", {{"Status", state}, {"ExitCode", state == "running" ? 0 : 1}}}});
  }
  return out.dump();
}

class FakeSession : public RemoteSession {
 public:
  explicit FakeSession(FakeHost& h) : h_(h) {}
  const std::string& host_key() const override { return h_.host_key; }
  fleet::Result<std::string> Sha256(const std::string& path) override {
    auto it = h_.files.find(path);
    return it == h_.files.end() ? std::string() : fleet::Sha256Hex(it->second.first);
  }
  Status Upload(const std::string& path, std::string_view content, int mode) override {
    ++h_.uploads;
    h_.files[path] = {std::string(content), mode};
    return Status::Ok();
  }
  fleet::Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    if (argv.size() < 7 || argv[3] != "fleet-compose") return ExecResult{0, "", ""};
    const std::string& action = argv[4];
    if (h_.compose_missing) return ExecResult{127, "", "neither docker compose nor docker-compose is installed"};
    if (action == "containers") return ExecResult{0, FakeInspect(h_), ""};
    h_.compose_actions.push_back(action);
    if (action == "up" || action == "up-restart") {
      for (const char* service : {"alloy", "node-exporter", "cadvisor"}) {
        h_.compose_services[service] = h_.compose_broken.count(service) ? "exited" : "running";
      }
    } else {
      h_.compose_services.clear();
    }
    return ExecResult{0, "", ""};
  }

 private:
  FakeHost& h_;
};

class FakeTransport : public Transport {
 public:
  explicit FakeTransport(FakeHost& h) : h_(h) {}
  fleet::Result<std::unique_ptr<RemoteSession>> Connect(const SshTarget& t) override {
    h_.last_target = t;
    if (!h_.connect_error.ok()) return h_.connect_error;
    return std::unique_ptr<RemoteSession>(new FakeSession(h_));
  }

 private:
  FakeHost& h_;
};

class FakeInstaller : public AgentInstaller {
 public:
  explicit FakeInstaller(FakeHost& h) : h_(h) {}
  fleet::Result<bool> Install(RemoteSession&, const std::string& dir, const std::string& version) override {
    const std::string agent = "agent " + version;
    auto it = h_.files.find(dir + "/bin/fleet-agent");
    bool changed = it == h_.files.end() || it->second.first != agent;
    h_.files[dir + "/bin/fleet-agent"] = {agent, 0755};
    h_.agent_version = version;
    ++h_.installs;
    return changed;
  }
  Status Restart(RemoteSession&, const std::string&, const std::string&) override {
    ++h_.restarts;
    return Status::Ok();
  }
  Status Reload(RemoteSession&, const std::string&, const std::string&) override {
    ++h_.reloads;
    return Status::Ok();
  }
  // As RemoveAgent does: config and secrets/ go, the bundle stays.
  Status Remove(RemoteSession&, const std::string& dir) override {
    ++h_.removals;
    h_.compose_actions.push_back("agent removed");
    std::erase_if(h_.files, [&](const auto& f) {
      return f.first == dir + "/config.yaml" || f.first.rfind(dir + "/secrets/", 0) == 0;
    });
    return Status::Ok();
  }

 private:
  FakeHost& h_;
};

class ReconcilerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/controller-unit-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    store_ = std::move(fleet::OpenSqliteStore(dir_).value());
    registry_ = std::make_unique<fleet::Registry>(*store_, "k");
    gate_ = std::make_unique<RolloutGate>(*store_);
    // Two agent versions to install (their bundle digests stand in for real bundles).
    options_.agent_bundles = {{"0.1.0", "digest-0.1.0"}, {"0.2.0", "digest-0.2.0"}};
    options_.default_agent_version = "0.1.0";
    reconciler_ = std::make_unique<HostReconciler>(
        *registry_, transport_, installer_, health_, *gate_,
        [](const std::string& name) -> fleet::Result<std::string> { return "100.64.0.7 for " + name; },
        options_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::unique_ptr<fleet::Store> store_;
  std::unique_ptr<fleet::Registry> registry_;
  FakeHost host_;
  FakeTransport transport_{host_};
  FakeInstaller installer_{host_};
  HealthTracker health_;
  std::unique_ptr<RolloutGate> gate_;
  ReconcilerOptions options_{"http://127.0.0.1:7070", std::chrono::seconds(45), std::chrono::seconds(30),
                             std::chrono::seconds(2)};
  std::unique_ptr<HostReconciler> reconciler_;
};

}  // namespace controller
