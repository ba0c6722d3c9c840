// Typed views of a Host: its spec as the controller reads it and its status as the controller
// writes it. Fields with a CRD default are optional (absent stays absent through a round trip);
// their accessors fall back to the CRD's `default:`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleet/core/yaml_codec.h"
#include "fleet/types/conditions.h"

namespace fleet {

struct HostSsh {
  std::optional<int> port;
  std::optional<std::string> user;
  std::optional<std::string> key_secret_ref;
  std::optional<bool> use_agent;
  std::optional<std::string> host_key;          // pinned
  std::optional<std::string> known_hosts_file;  // on the controller
  std::optional<std::string> host_key_policy;   // strict | accept-new
  std::optional<int> connect_timeout_seconds;

  int Port() const;
  std::string User() const;
  bool AcceptNew() const;  // hostKeyPolicy accept-new
  int ConnectTimeoutSeconds() const;
  bool operator==(const HostSsh&) const = default;
};
void to_json(Json& j, const HostSsh& s);
void from_json(const Json& j, HostSsh& s);

struct HostSpec {
  std::string address;
  std::optional<std::string> transport;       // ssh | tailscale
  std::optional<std::string> tailscale_name;  // spec.tailscale.name
  std::optional<HostSsh> ssh;
  std::optional<std::string> install_dir;
  std::string profile;
  std::optional<Json> vars;  // rendered into the agent config; opaque here
  std::optional<bool> paused;

  std::string InstallDir() const;
  bool Tailscale() const;  // transport tailscale
  // The tailnet machine name: spec.tailscale.name, else the address.
  std::string TailnetName() const;
  HostSsh Ssh() const { return ssh.value_or(HostSsh{}); }
  bool Paused() const { return paused.value_or(false); }
  bool operator==(const HostSpec&) const = default;
};
void to_json(Json& j, const HostSpec& s);
void from_json(const Json& j, HostSpec& s);

// The Host CRD's status. Unknown fields are not kept: the status subresource validates against
// the CRD's closed schema, so a field the struct lacks could not be stored anyway (a test checks
// the struct covers the schema).
struct HostStatus {
  std::optional<int64_t> observed_generation;
  std::string revision;  // running on the host; "" before the first delivery
  std::string agent_version;
  std::string last_seen;
  std::optional<Json> agent_resources;  // shown on reads, reported by the agent; opaque here
  std::string resolved_address;
  std::string ssh_host_key;  // recorded under accept-new
  std::string token_hash;
  // The alloy-compose stack the controller started on the host and has not stopped yet: a host
  // moving to fleet-agent stops it once the agent reports healthy.
  std::string compose_project;
  std::vector<Condition> conditions;
  bool operator==(const HostStatus&) const = default;
};
void to_json(Json& j, const HostStatus& s);
void from_json(const Json& j, HostStatus& s);

}  // namespace fleet
