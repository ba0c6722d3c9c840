// The renderer: Host + AgentProfile + Secrets -> the agent's config file and the secret files it
// points to. Deterministic bytes (sorted keys, no timestamps), so the content hash is the
// revision: the same inputs always give the same revision, any change gives a new one.
#pragma once

#include <map>
#include <string>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace fleet {

// What runs on a host (AgentProfile spec.flavor).
inline constexpr char kFlavorFleetAgent[] = "fleet-agent";
// The Grafana Alloy + node_exporter + cAdvisor docker-compose stack fleet-agent replaces.
inline constexpr char kFlavorAlloyCompose[] = "alloy-compose";

struct RenderedAgent {
  // fleet-agent: config is the agent's config.yaml. alloy-compose: config is compose.yaml, files
  // holds config.alloy and secret_files the .env (it carries the basic auth password).
  std::string config_path;                          // <installDir>/config.yaml
  std::string config;                               // YAML (kind AgentConfig)
  std::map<std::string, std::string> secret_files;  // absolute path on the host -> content (0600)
  std::string flavor = kFlavorFleetAgent;
  std::map<std::string, std::string> files{};  // more files, not secret: path -> content (0644)
  std::string compose_project{};               // alloy-compose: the compose project's name
  // Secret files of a revision from the history whose content the controller no longer has (the
  // Secret changed since; the history keeps no secret values): path -> SHA-256 of the content.
  // Delivering such a revision needs the host to hold them already.
  std::map<std::string, std::string> kept_secret_files{};
  std::string agent_version{};  // the fleet-agent version to run it with ("" when none was chosen)
  std::string revision;       // sha256 of config + secret files + agent bundle, 12 hex
};

struct RenderInputs {
  const Json* host = nullptr;     // stored Host (spec defaulted)
  const Json* profile = nullptr;  // stored AgentProfile
  // Stored Secrets by name (data base64, as the store keeps them).
  const std::map<std::string, Json>* secrets = nullptr;
  std::string controller_url;  // where the agent reports health
  std::string report_interval = "15s";  // how often (a duration the agent parses)
  // PEM CA certificate(s) the agent verifies controller_url with, delivered as a file next to
  // the config; "" = the host's system roots.
  std::string controller_ca{};
  // The agent to run the config with: its version and its bundle's digest. Both are part of the
  // revision, so a new agent version (or a rebuilt bundle) is a new revision like a new config.
  std::string agent_version{};
  std::string agent_bundle_digest{};
};

// Renders the profile's flavor. Fails with kNotFound naming the missing Secret or key, kInvalid
// for undecodable data or a value the flavor cannot carry.
Result<RenderedAgent> RenderAgentConfig(const RenderInputs& in);

// The clear value of key in the stored Secret name; field names the reference in errors.
Result<std::string> SecretKeyValue(const std::map<std::string, Json>& secrets, const std::string& name,
                                   const std::string& key, const std::string& field);

// Where things live under a host's install dir.
std::string AgentConfigPath(const std::string& install_dir);
std::string AgentTokenPath(const std::string& install_dir);  // per-host report token (0600)
std::string AgentControllerCaPath(const std::string& install_dir);  // RenderInputs::controller_ca
// alloy-compose: the directory holding compose.yaml, config.alloy and .env.
std::string ComposeStackDir(const std::string& install_dir);

}  // namespace fleet
