#include "controller/tailscale.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "fleet/core/subprocess.h"
#include "fleet/core/text.h"

namespace controller {
namespace {

constexpr size_t kMaxStatusBytes = 16 * 1024 * 1024;

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
  // A tailnet of thousands of nodes prints a few MB.
  fleet::SubprocessLimits limits{timeout, kMaxStatusBytes};
  Result<fleet::SubprocessResult> ran =
      fleet::RunSubprocess({tailscale_cmd, "status", "--json"}, limits);
  if (!ran.ok()) return ran.status();
  if (ran->exit_code != 0) {
    return Status::Unavailable(tailscale_cmd + " status --json exited " +
                               std::to_string(ran->exit_code) + ": " +
                               fleet::ForeignText(ran->err));
  }
  return ResolveTailnetAddressFromStatus(ran->out, name);
}

}  // namespace controller
