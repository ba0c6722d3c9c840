// Real OpenSSH servers on loopback ports, standing in for VPSes in delivery tests and the bench.
// Each SshHost has its own scratch directory with a host key, an authorized client key pair, an
// sshd config (key auth only, root login) and an install dir; it runs `sshd -D -e` until Stop()
// or destruction. Many can run at once (the bench starts 50).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controller/transport.h"
#include "tests/e2e/harness.h"

namespace e2e {

class SshHost {
 public:
  // Generates keys, picks a free port and starts sshd; throws if it does not come up.
  // sftp_subsystem: sshd's Subsystem sftp command (OpenSSH's own in-process server by default).
  // path_prefix: directories searched before the system's for the commands sshd runs (to put
  // hostile stand-ins for sha256sum & co. in the host's way).
  explicit SshHost(const std::string& sftp_subsystem = "internal-sftp",
                   const std::string& path_prefix = "");
  ~SshHost();
  SshHost(const SshHost&) = delete;
  SshHost& operator=(const SshHost&) = delete;

  int port() const { return port_; }
  std::string host_public_key() const;     // "ssh-ed25519 AAAA..." (no comment)
  std::string client_private_key() const;  // OpenSSH private key text, authorized for root
  std::string install_dir() const;         // an empty directory for the agent to be installed in
  const std::filesystem::path& dir() const { return dir_.path(); }  // everything of this host
  std::string Log() const;                 // what sshd printed
  // This host as a fleet to apply: Secret "key" (its client key), AgentProfile "standard" (the
  // loadavg collector only) and Host `name`, its agent listening on 127.0.0.1:agent_port.
  std::string OneHostFleet(const std::string& name, int agent_port) const;

  void Stop();  // as if the host went away: sshd no longer listens, established sessions end
  void Start();  // again on the same port with the same host key
  // A new host key (restarts sshd if it runs), as after a reinstall; type as for ssh-keygen -t.
  void RotateHostKey(const std::string& type = "ed25519");
  // Processes serving established connections (sshd's per-connection children and theirs), e.g.
  // to SIGSTOP them and play a host that accepted a connection and then hung.
  std::vector<int> SessionPids() const;

 private:
  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }
  // The tail of every agent.log under dir(), to stderr.
  void PrintAgentLogs() const;
  // Agents started through sshd are detached from it; end any whose pid file is in dir().
  void KillSupervisedAgent() const;

  TempDir dir_;
  int port_;
  std::unique_ptr<Process> sshd_;
};

// How the controller reaches host: 127.0.0.1 on its port, its client key, its host key pinned,
// a 5 s step timeout.
controller::SshTarget TargetFor(const SshHost& host);

}  // namespace e2e
