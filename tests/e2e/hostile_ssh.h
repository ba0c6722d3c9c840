// Hostile SSH hosts for tests of what the controller takes from hosts: a fake server that greets
// with whatever bytes it is given (an invalid UTF-8 banner, a banner and then silence), and a
// real sshd host whose commands are replaced by hostile stand-ins (printing invalid UTF-8,
// flooding). A hostile-fleet test combines them with ordinary hosts.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace e2e {

// A TCP listener on a free 127.0.0.1 port that sends `greeting` to every connection and then
// says nothing more, keeping the connection open until destroyed: with a valid banner it is a
// server hung after its banner; with an invalid one the client gives up at once. Serves from a
// thread of its own; the destructor closes everything.
class FakeSshServer {
 public:
  explicit FakeSshServer(std::string greeting);
  ~FakeSshServer();
  FakeSshServer(const FakeSshServer&) = delete;
  FakeSshServer& operator=(const FakeSshServer&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_; }  // accepted so far

 private:
  void Serve();

  const std::string greeting_;
  int port_ = 0;
  int listener_ = -1;
  int stop_[2] = {-1, -1};  // a byte on stop_[1] ends Serve
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// A banner that is not UTF-8, before any key is exchanged.
inline constexpr char kInvalidUtf8Banner[] = "SSH-1.5-\xff\xfe\xc0 hostile\r\n";
// A valid banner of a server that then hangs.
inline constexpr char kValidBanner[] = "SSH-2.0-OpenSSH_9.2p1\r\n";

// A real sshd host (see SshHost) with a directory searched first for the commands it runs:
// Replace(name, script) puts a shell script there that runs instead of the system's `name`.
class HostileCommandsHost {
 public:
  HostileCommandsHost();
  SshHost& host() { return *host_; }
  void Replace(const std::string& name, const std::string& script) const;

 private:
  TempDir bin_;
  std::unique_ptr<SshHost> host_;
};

// Shell scripts for HostileCommandsHost::Replace.
// Prints invalid UTF-8 on stdout and stderr, then fails.
inline constexpr char kPrintsInvalidUtf8[] =
    "#!/bin/sh\nprintf 'bad \\377\\376 stdout\\n'; printf 'bad \\377\\376 stderr\\n' >&2; exit 1\n";

}  // namespace e2e
