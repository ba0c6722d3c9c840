#include "fleet/types/host.h"

#include "fleet/types/crd_default.h"
#include "fleet/types/json_fields.h"

namespace fleet {

using json_fields::Read;
using json_fields::Write;

int HostSsh::Port() const { return OrCrdDefault(port, "Host", "spec.ssh.port"); }
std::string HostSsh::User() const { return OrCrdDefault(user, "Host", "spec.ssh.user"); }
bool HostSsh::AcceptNew() const {
  return OrCrdDefault(host_key_policy, "Host", "spec.ssh.hostKeyPolicy") == "accept-new";
}
int HostSsh::ConnectTimeoutSeconds() const {
  return OrCrdDefault(connect_timeout_seconds, "Host", "spec.ssh.connectTimeoutSeconds");
}

void to_json(Json& j, const HostSsh& s) {
  j = Json::object();
  Write(j, "port", s.port);
  Write(j, "user", s.user);
  Write(j, "keySecretRef", s.key_secret_ref);
  Write(j, "useAgent", s.use_agent);
  Write(j, "hostKey", s.host_key);
  Write(j, "knownHostsFile", s.known_hosts_file);
  Write(j, "hostKeyPolicy", s.host_key_policy);
  Write(j, "connectTimeoutSeconds", s.connect_timeout_seconds);
}
void from_json(const Json& j, HostSsh& s) {
  Read(j, "port", s.port);
  Read(j, "user", s.user);
  Read(j, "keySecretRef", s.key_secret_ref);
  Read(j, "useAgent", s.use_agent);
  Read(j, "hostKey", s.host_key);
  Read(j, "knownHostsFile", s.known_hosts_file);
  Read(j, "hostKeyPolicy", s.host_key_policy);
  Read(j, "connectTimeoutSeconds", s.connect_timeout_seconds);
}

std::string HostSpec::InstallDir() const { return OrCrdDefault(install_dir, "Host", "spec.installDir"); }
bool HostSpec::Tailscale() const { return OrCrdDefault(transport, "Host", "spec.transport") == "tailscale"; }
std::string HostSpec::TailnetName() const { return tailscale_name.value_or(address); }

void to_json(Json& j, const HostSpec& s) {
  j = Json::object();
  j["address"] = s.address;
  Write(j, "transport", s.transport);
  if (s.tailscale_name) j["tailscale"] = {{"name", *s.tailscale_name}};
  Write(j, "ssh", s.ssh);
  Write(j, "installDir", s.install_dir);
  j["profile"] = s.profile;
  Write(j, "vars", s.vars);
  Write(j, "paused", s.paused);
}
void from_json(const Json& j, HostSpec& s) {
  s.address = j.value("address", "");
  Read(j, "transport", s.transport);
  if (j.contains("tailscale")) Read(j["tailscale"], "name", s.tailscale_name);
  Read(j, "ssh", s.ssh);
  Read(j, "installDir", s.install_dir);
  s.profile = j.value("profile", "");
  Read(j, "vars", s.vars);
  Read(j, "paused", s.paused);
}

void to_json(Json& j, const HostStatus& s) {
  j = Json::object();
  Write(j, "observedGeneration", s.observed_generation);
  Write(j, "revision", s.revision);
  Write(j, "agentVersion", s.agent_version);
  Write(j, "lastSeen", s.last_seen);
  Write(j, "agentResources", s.agent_resources);
  Write(j, "resolvedAddress", s.resolved_address);
  Write(j, "sshHostKey", s.ssh_host_key);
  Write(j, "tokenHash", s.token_hash);
  Write(j, "conditions", s.conditions);
}
void from_json(const Json& j, HostStatus& s) {
  Read(j, "observedGeneration", s.observed_generation);
  Read(j, "revision", s.revision);
  Read(j, "agentVersion", s.agent_version);
  Read(j, "lastSeen", s.last_seen);
  Read(j, "agentResources", s.agent_resources);
  Read(j, "resolvedAddress", s.resolved_address);
  Read(j, "sshHostKey", s.ssh_host_key);
  Read(j, "tokenHash", s.token_hash);
  Read(j, "conditions", s.conditions);
}

}  // namespace fleet
