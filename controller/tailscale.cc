#include "controller/tailscale.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

extern char** environ;

namespace controller {
namespace {

using fleet::Result;
using fleet::Status;
using Json = nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string WithoutTrailingDot(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string StringField(const Json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> TailscaleIps(const Json& node) {
  std::vector<std::string> ips;
  auto it = node.find("TailscaleIPs");
  if (it == node.end() || !it->is_array()) return ips;
  for (const Json& ip : *it) {
    if (ip.is_string()) ips.push_back(ip.get<std::string>());
  }
  return ips;
}

// How well `wanted` names a node: 2 = exactly (MagicDNS name or address), 1 = by HostName.
int MatchStrength(const Json& node, const std::string& wanted) {
  const std::string dns = Lower(WithoutTrailingDot(StringField(node, "DNSName")));
  const std::string short_dns = dns.substr(0, dns.find('.'));
  const std::vector<std::string> ips = TailscaleIps(node);
  if ((!dns.empty() && (wanted == dns || wanted == short_dns)) ||
      std::find(ips.begin(), ips.end(), wanted) != ips.end()) {
    return 2;
  }
  return Lower(StringField(node, "HostName")) == wanted ? 1 : 0;
}

std::string NodeLabel(const Json& node) {
  const std::string dns = WithoutTrailingDot(StringField(node, "DNSName"));
  return dns.empty() ? StringField(node, "HostName") : dns;
}

// stdout, stderr and exit status of argv; the child is killed when timeout passes.
struct CommandOutput {
  int exit_code = -1;
  std::string out, err;
};

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                 std::chrono::seconds timeout) {
  std::array<int, 2> out_pipe{}, err_pipe{};
  if (pipe(out_pipe.data()) != 0) return Status::Internal("pipe failed");
  if (pipe(err_pipe.data()) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Status::Internal("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
    posix_spawn_file_actions_addclose(&actions, fd);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandOutput output;
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Status::Unavailable("cannot run " + argv[0] + ": " + strerror(spawned));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds = {pollfd{out_pipe[0], POLLIN, 0}, pollfd{err_pipe[0], POLLIN, 0}};
  bool timed_out = false;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[8192];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        (i == 0 ? output.out : output.err).append(buffer, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) {
    return Status(fleet::Code::kDeadlineExceeded,
                  argv[0] + " did not answer within " + std::to_string(timeout.count()) + "s");
  }
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

}  // namespace

Result<std::string> ResolveTailnetAddressFromStatus(std::string_view status_json,
                                                    const std::string& name) {
  const Json status = Json::parse(status_json, nullptr, /*allow_exceptions=*/false);
  if (!status.is_object()) return Status::Invalid("tailscale status --json: not a JSON object");
  const std::string state = StringField(status, "BackendState");
  if (!state.empty() && state != "Running") {
    return Status::Unavailable("tailscale is not running here (BackendState " + state + ")");
  }
  const std::string wanted = Lower(WithoutTrailingDot(name));
  if (wanted.empty()) return Status::Invalid("empty tailnet name");

  std::vector<std::pair<int, const Json*>> matches;
  auto consider = [&](const Json& node) {
    if (!node.is_object()) return;
    if (int strength = MatchStrength(node, wanted); strength > 0) {
      matches.emplace_back(strength, &node);
    }
  };
  if (auto self = status.find("Self"); self != status.end()) consider(*self);
  if (auto peers = status.find("Peer"); peers != status.end() && peers->is_object()) {
    for (const Json& peer : *peers) consider(peer);
  }
  if (matches.empty()) return Status::NotFound("no tailnet node named " + name);
  std::stable_sort(matches.begin(), matches.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (matches.size() > 1 && matches[0].first == matches[1].first) {
    return Status::Invalid("tailnet name " + name + " is ambiguous: " +
                           NodeLabel(*matches[0].second) + " and " +
                           NodeLabel(*matches[1].second));
  }
  const Json& node = *matches[0].second;
  auto online = node.find("Online");
  if (online != node.end() && online->is_boolean() && !online->get<bool>()) {
    return Status::Unavailable("tailnet node " + NodeLabel(node) + " is offline (last seen " +
                               StringField(node, "LastSeen") + ")");
  }
  for (const std::string& ip : TailscaleIps(node)) {
    if (ip.find('.') != std::string::npos && ip.find(':') == std::string::npos) return ip;
  }
  return Status::NotFound("tailnet node " + NodeLabel(node) + " has no IPv4 address");
}

Result<std::string> ResolveTailnetAddress(const std::string& tailscale_cmd,
                                          const std::string& name, std::chrono::seconds timeout) {
  Result<CommandOutput> ran = RunCommand({tailscale_cmd, "status", "--json"}, timeout);
  if (!ran.ok()) return ran.status();
  if (ran->exit_code != 0) {
    return Status::Unavailable(tailscale_cmd + " status --json exited " +
                               std::to_string(ran->exit_code) + ": " + ran->err);
  }
  return ResolveTailnetAddressFromStatus(ran->out, name);
}

}  // namespace controller
