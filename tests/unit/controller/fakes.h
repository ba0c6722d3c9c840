// Fakes for the delivery side of the controller: an in-memory host behind a Transport and an
// AgentInstaller, recording what was done to it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "controller/host_reconciler.h"
#include "fleet/crypto.h"

namespace controller {

using fleet::Status;

// An in-memory host: files by path, and a record of what was done to it.
struct FakeHost {
  std::map<std::string, std::pair<std::string, int>> files;  // path -> (content, mode)
  int uploads = 0;
  int restarts = 0;
  int installs = 0;
  Status connect_error = Status::Ok();
  std::string host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKEKEY";
  SshTarget last_target;
};

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
  fleet::Result<ExecResult> Exec(const std::vector<std::string>&) override { return ExecResult{0, "", ""}; }

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
  fleet::Result<bool> Install(RemoteSession&, const std::string& dir) override {
    bool fresh = !h_.files.count(dir + "/bin/fleet-agent");
    h_.files[dir + "/bin/fleet-agent"] = {"agent", 0755};
    ++h_.installs;
    return fresh;
  }
  Status Restart(RemoteSession&, const std::string&, const std::string&) override {
    ++h_.restarts;
    return Status::Ok();
  }

 private:
  FakeHost& h_;
};

}  // namespace controller
