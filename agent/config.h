// The agent's configuration: the YAML file the controller renders (kind AgentConfig), validated
// strictly — an unknown or malformed field is an error naming its path ("http.listen: ...").
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleet/core/status.h"

namespace agent {

struct ControllerConfig {
  std::string url;
  std::string token_file;
  std::string ca_file;  // PEM roots to verify an https url with; "" = the system's
  std::chrono::milliseconds report_interval{std::chrono::seconds(30)};
};

struct CollectorsConfig {
  // At most one of the two lists is set: `enabled` replaces the default set, `disabled` removes
  // names from it. Names are checked against the collector table when the agent starts.
  std::optional<std::vector<std::string>> enabled;
  std::vector<std::string> disabled;
  bool container_enabled = true;
  bool container_docker_labels = true;
};

struct PathsConfig {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
};

// node_exporter 1.5.0's defaults, so dashboards see the same series.
struct FilesystemConfig {
  std::string mount_points_exclude =
      "^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
  std::string fs_types_exclude =
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
      "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
      "sysfs|tracefs)$";
  // How long statfs of one mount point may take before it counts as stuck (node_exporter's
  // --collector.filesystem.mount-timeout).
  std::chrono::milliseconds mount_timeout{std::chrono::seconds(5)};
};

struct NetdevConfig {
  std::string device_exclude = "^lo$";
};

struct DockerConfig {
  std::string socket = "/var/run/docker.sock";
};

// Basic auth on the listener. The password lives in a file (the controller writes it 0600 from a
// Secret); it is read when the listener starts, never kept in the config.
struct ListenerBasicAuth {
  std::string username;
  std::string password_file;
};

struct ListenerTls {
  std::string cert_file;  // PEM, the certificate chain
  std::string key_file;   // PEM private key
  std::string min_version = "TLS12";  // TLS12 | TLS13
};

struct HttpConfig {
  std::string listen = "127.0.0.1:12345";
  std::optional<ListenerBasicAuth> basic_auth;
  // Exact paths served without credentials when basic auth is on (e.g. /metrics for scrapers).
  std::vector<std::string> unauthenticated_paths;
  std::optional<ListenerTls> tls;
};

struct LoggingConfig {
  std::string level = "info";    // error | warn | info | debug
  std::string format = "logfmt";  // logfmt | json
};

// Operator aids on the agent's own listener, off by default.
struct DebugConfig {
  // The status page's live view: recent samples / log lines / requests of a chosen component.
  bool live_view = false;
  int live_view_entries = 100;  // kept per component while it is watched (1..10000)
};

struct AgentConfig {
  std::string instance;
  std::string job = "fleet-agent";
  std::string revision;
  ControllerConfig controller;
  std::chrono::milliseconds scrape_interval{std::chrono::seconds(15)};
  CollectorsConfig collectors;
  PathsConfig paths;
  FilesystemConfig filesystem;
  NetdevConfig netdev;
  DockerConfig docker;
  HttpConfig http;
  LoggingConfig logging;
  DebugConfig debug;
  // Sections parsed by other parts of the agent (remoteWrite, loki, buffer, memory), kept as
  // YAML here; each is validated by the parser registered for it (see RegisterSection).
  std::map<std::string, YAML::Node> sections;
};

// A parser for one top-level section owned by another component. It validates `node` (reporting
// errors prefixed with `path`) and may stash what it parsed in its own structures. Registering
// makes the section a known field; unregistered unknown fields stay errors.
using SectionParser = fleet::Status (*)(const YAML::Node& node, const std::string& path);
// Sections the agent knows by name but whose parser lives elsewhere. Until a parser is
// registered they are accepted and kept as YAML in AgentConfig::sections.
inline const char* const kDeferredSections[] = {"remoteWrite", "loki", "buffer", "memory"};
void RegisterSection(const std::string& name, SectionParser parser);

// Parses YAML text. `source` names the input in messages (a file name).
fleet::Result<AgentConfig> ParseConfig(const std::string& yaml, const std::string& source);
fleet::Result<AgentConfig> LoadConfig(const std::string& path);

// The http section of a config file (listen address, basic auth, TLS), read even when the rest of
// the file is invalid: an agent refusing a reload still listens as the old config said, and
// `fleet-agent status` must reach it. The listen address alone when only it parses; the default
// when the file or the field is missing. Overrides nothing else.
HttpConfig ListenerOf(const std::string& path);

// Prometheus duration: "15s", "1m30s", "500ms", "1h", "2d", "1w", "1y".
fleet::Result<std::chrono::milliseconds> ParseDuration(const std::string& s);

}  // namespace agent
