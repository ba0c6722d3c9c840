#include "tests/e2e/ssh_hosts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace e2e {
namespace {

void KeyGen(const std::string& path, const std::string& type = "ed25519") {
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".pub");
  CommandResult r = e2e::Run({"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "", "-f", path});
  if (r.exit_code != 0) throw std::runtime_error("ssh-keygen failed: " + r.err);
}

// True once something on the port greets like an SSH server.
bool AnswersSsh(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    char banner[4] = {};
    ok = ::recv(fd, banner, sizeof banner, MSG_WAITALL) == 4 && std::string(banner, 4) == "SSH-";
  }
  ::close(fd);
  return ok;
}

}  // namespace

SshHost::SshHost(const std::string& sftp_subsystem, const std::string& path_prefix)
    : port_(FreePort()) {
  std::filesystem::create_directories("/run/sshd");  // sshd's privilege-separation directory
  std::filesystem::create_directories(install_dir());
  KeyGen(Path("host_key"));
  KeyGen(Path("client_key"));
  dir_.Write("authorized_keys", ReadFile(Path("client_key.pub")), 0600);
  dir_.Write("sshd_config",
             "ListenAddress 127.0.0.1:" + std::to_string(port_) + "\n" +
             "HostKey " + Path("host_key") + "\n" +
             "AuthorizedKeysFile " + Path("authorized_keys") + "\n" +
             "PidFile " + Path("sshd.pid") + "\n" +
             "PermitRootLogin prohibit-password\n"
             "PubkeyAuthentication yes\n"
             "PasswordAuthentication no\n"
             "KbdInteractiveAuthentication no\n"
             "UsePAM no\n"
             "StrictModes no\n"
             "UseDNS no\n"
             "MaxStartups 200\n"
             "MaxSessions 50\n"
             // VERBOSE: a line per session started ("Starting session: command ..."), which
             // tests count.
             "LogLevel VERBOSE\n"
             // Debian's bash sources ~/.bashrc for commands run by sshd unless SHLVL says it is
             // nested; this machine's root .bashrc (pyenv init) costs ~200 ms per command, which
             // a VPS's does not, so the hosts skip it.
             "SetEnv SHLVL=1" +
             (path_prefix.empty() ? "" : " PATH=" + path_prefix + ":/usr/local/bin:/usr/bin:/bin") +
             "\n"
             "Subsystem sftp " + sftp_subsystem + "\n");
  Start();
}

SshHost::~SshHost() {
  // The host's directory goes with it: a failed test shows what its agents said first.
  if (::testing::Test::HasFailure()) PrintAgentLogs();
  KillSupervisedAgent();
  Stop();
}

std::string SshHost::host_public_key() const {
  std::istringstream line(ReadFile(Path("host_key.pub")));
  std::string type, base64;
  line >> type >> base64;
  return type + " " + base64;
}

std::string SshHost::client_private_key() const { return ReadFile(Path("client_key")); }

std::string SshHost::install_dir() const { return Path("install"); }

std::string SshHost::Log() const { return sshd_ ? sshd_->Log() : ""; }

std::string SshHost::OneHostFleet(const std::string& name, int agent_port) const {
  return "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key}\ntype: ssh-auth\n"
         "stringData:\n  ssh-privatekey: |\n" + Indent(client_private_key(), 4) +
         "---\napiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
         "  collectors: {enabled: [loadavg], container: {enabled: false}}\n---\n"
         "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: " + name + "}\nspec:\n"
         "  address: 127.0.0.1\n  profile: standard\n  installDir: " + install_dir() + "\n"
         "  ssh: {port: " + std::to_string(port()) + ", keySecretRef: key, hostKey: '" +
         host_public_key() + "'}\n  vars: {httpListen: '127.0.0.1:" + std::to_string(agent_port) + "'}\n";
}

void SshHost::Start() {
  if (sshd_ && sshd_->Running()) return;
  sshd_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", Path("sshd_config")},
      std::map<std::string, std::string>{}, Path("sshd.log"));
  if (!WaitFor([&] { return AnswersSsh(port_); }, std::chrono::seconds(10))) {
    throw std::runtime_error("sshd did not come up on port " + std::to_string(port_) + ": " +
                             sshd_->Log());
  }
}

void SshHost::Stop() {
  if (!sshd_) return;
  // Sessions outlive sshd's listener (as on a real host, where `systemctl restart ssh` keeps
  // them); a host that goes away takes them along, and the controller keeps its sessions open
  // between reconciles, so they must end here too. A test may have left some stopped.
  const std::vector<int> sessions = SessionPids();
  sshd_->Stop();
  for (int pid : sessions) {
    ::kill(pid, SIGKILL);
    ::kill(pid, SIGCONT);
  }
}

void SshHost::RotateHostKey(const std::string& type) {
  const bool running = sshd_ && sshd_->Running();
  Stop();
  KeyGen(Path("host_key"), type);
  if (running) Start();
}

std::vector<int> SshHost::SessionPids() const {
  std::map<int, std::vector<int>> children;  // ppid -> pids, from /proc/<pid>/stat
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = ReadFile(entry.path().string() + "/stat");
    const size_t after_comm = stat.rfind(')');  // the command name may contain spaces
    if (after_comm == std::string::npos) continue;
    std::istringstream fields(stat.substr(after_comm + 1));
    std::string state;
    int ppid = 0;
    fields >> state >> ppid;
    children[ppid].push_back(std::stoi(name));
  }
  std::vector<int> pids;
  if (!sshd_) return pids;
  std::vector<int> frontier = {sshd_->pid()};
  while (!frontier.empty()) {
    const int parent = frontier.back();
    frontier.pop_back();
    for (int child : children[parent]) {
      pids.push_back(child);
      frontier.push_back(child);
    }
  }
  return pids;
}

void SshHost::PrintAgentLogs() const {
  constexpr size_t kTailBytes = 4096;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path(), ec)) {
    if (entry.path().filename() != "agent.log") continue;
    const std::string log = ReadFile(entry.path().string());
    std::cerr << "--- " << entry.path().string() << " (sshd port " << port_ << ", last "
              << std::min(log.size(), kTailBytes) << " of " << log.size() << " bytes)\n"
              << log.substr(log.size() - std::min(log.size(), kTailBytes)) << "---\n";
  }
}

controller::SshTarget TargetFor(const SshHost& host) {
  controller::SshTarget t;
  t.address = "127.0.0.1";
  t.port = host.port();
  t.private_key = host.client_private_key();
  t.expected_host_key = host.host_public_key();
  t.timeout = std::chrono::seconds(5);
  return t;
}

void SshHost::KillSupervisedAgent() const {
  // Supervisors first, or they would start the agent again.
  for (const char* pid_file : {"supervisor.pid", "agent.pid"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path(), ec)) {
      if (entry.path().filename() != pid_file) continue;
      const int pid = std::atoi(ReadFile(entry.path().string()).c_str());
      if (pid > 1) ::kill(pid, SIGKILL);
    }
  }
}

}  // namespace e2e
