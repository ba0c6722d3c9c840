#include "fleet/types/host.h"

#include "fleet/types/crd_default.h"
#include "fleet/types/json_fields.h"

namespace fleet {

using json_fields::Read;
using json_fields::ReadFields;
using json_fields::Write;
using json_fields::WriteFields;

int HostSsh::Port() const { return OrCrdDefault(port, "Host", "spec.ssh.port"); }
std::string HostSsh::User() const { return OrCrdDefault(user, "Host", "spec.ssh.user"); }
bool HostSsh::AcceptNew() const {
  return OrCrdDefault(host_key_policy, "Host", "spec.ssh.hostKeyPolicy") == "accept-new";
}
int HostSsh::ConnectTimeoutSeconds() const {
  return OrCrdDefault(connect_timeout_seconds, "Host", "spec.ssh.connectTimeoutSeconds");
}

// The fields of HostSsh, once, in the order they are written.
constexpr auto kHostSshFields = [](auto& s, auto&& f) {
  f("port", s.port);
  f("user", s.user);
  f("keySecretRef", s.key_secret_ref);
  f("useAgent", s.use_agent);
  f("hostKey", s.host_key);
  f("knownHostsFile", s.known_hosts_file);
  f("hostKeyPolicy", s.host_key_policy);
  f("connectTimeoutSeconds", s.connect_timeout_seconds);
};

void to_json(Json& j, const HostSsh& s) { WriteFields(j, s, kHostSshFields); }
void from_json(const Json& j, HostSsh& s) { ReadFields(j, s, kHostSshFields); }

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

// The fields of HostStatus, once, in the order they are written.
constexpr auto kHostStatusFields = [](auto& s, auto&& f) {
  f("observedGeneration", s.observed_generation);
  f("revision", s.revision);
  f("agentVersion", s.agent_version);
  f("lastSeen", s.last_seen);
  f("agentResources", s.agent_resources);
  f("resolvedAddress", s.resolved_address);
  f("sshHostKey", s.ssh_host_key);
  f("tokenHash", s.token_hash);
  f("composeProject", s.compose_project);
  f("conditions", s.conditions);
};

void to_json(Json& j, const HostStatus& s) { WriteFields(j, s, kHostStatusFields); }
void from_json(const Json& j, HostStatus& s) { ReadFields(j, s, kHostStatusFields); }

}  // namespace fleet
