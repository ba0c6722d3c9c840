// The agent's configuration: the YAML file the controller renders (kind AgentConfig), declared
// once in agent_config.schema.yaml. ParseConfig validates and defaults a file with that schema
// (fleet/core/schema.h, the controller's validator: unknown fields are errors) and decodes it into
// these structs; every error names file:line:col and the field path. The structs' initializers
// equal the schema's defaults (a unit test compares them).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/client_tls.h"
#include "agent/config/proxy_settings.h"
#include "agent/relabel/relabel.h"
#include "fleet/core/metrics.h"
#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace agent {

struct ControllerConfig {
  std::string url;
  std::string token_file;
  std::string ca_file;  // PEM roots to verify an https url with; "" = the system's
  std::chrono::milliseconds report_interval{std::chrono::seconds(30)};
  bool operator==(const ControllerConfig&) const = default;
};

struct CollectorsConfig {
  // At most one of the two lists is set: `enabled` replaces the default set, `disabled` removes
  // names from it.
  std::optional<std::vector<std::string>> enabled;
  std::vector<std::string> disabled;
  bool container_enabled = true;
  bool container_docker_labels = true;
  bool container_system_cgroups = true;
  std::chrono::milliseconds container_fs_usage_interval{std::chrono::minutes(1)};
  bool operator==(const CollectorsConfig&) const = default;
};

struct PathsConfig {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
  std::string udev_data = "/run/udev/data";
  bool operator==(const PathsConfig&) const = default;
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
  bool operator==(const FilesystemConfig&) const = default;
};

struct ArpConfig {
  std::string device_exclude;  // none when empty
  bool operator==(const ArpConfig&) const = default;
};

struct DiskstatsConfig {
  std::string device_exclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
  bool operator==(const DiskstatsConfig&) const = default;
};

struct NetclassConfig {
  std::string ignored_devices = "^$";
  // Leave out the speed of a link whose speed file holds -1 (unknown) rather than serve -125000.
  bool ignore_invalid_speed = false;
  bool operator==(const NetclassConfig&) const = default;
};

struct NetdevConfig {
  std::string device_exclude = "^lo$";
  bool operator==(const NetdevConfig&) const = default;
};

// node_exporter's --collector.textfile.directory: *.prom files an operator's scripts write
// there are served with the host metrics; empty (the default) reads nothing.
struct TextfileConfig {
  std::string directory;
  bool operator==(const TextfileConfig&) const = default;
};

struct DockerConfig {
  std::string socket = "/var/run/docker.sock";
  bool operator==(const DockerConfig&) const = default;
};

// Basic auth with the password in a file (the controller writes it 0600 from a Secret); the file
// is read when the listener or sink starts, the password never kept in the config.
struct BasicAuth {
  std::string username;  // empty = no auth
  std::string password_file;
  bool operator==(const BasicAuth&) const = default;
};

struct ListenerTls {
  std::string cert_file;  // PEM, the certificate chain
  std::string key_file;   // PEM private key
  std::string min_version = "TLS12";  // TLS12 | TLS13
  bool operator==(const ListenerTls&) const = default;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:12345";
  std::optional<BasicAuth> basic_auth;
  // Exact paths served without credentials when basic auth is on (e.g. /metrics for scrapers).
  std::vector<std::string> unauthenticated_paths;
  std::optional<ListenerTls> tls;
  bool operator==(const HttpConfig&) const = default;
};

struct LoggingConfig {
  std::string level = "info";    // error | warn | info | debug
  std::string format = "logfmt";  // logfmt | json
  bool operator==(const LoggingConfig&) const = default;
};

// Operator aids on the agent's own listener, off by default.
struct DebugConfig {
  // The status page's live view: recent samples / log lines / requests of a chosen component.
  bool live_view = false;
  int live_view_entries = 100;  // kept per component while it is watched (1..10000)
  bool operator==(const DebugConfig&) const = default;
};

// What both push sinks (remote write, Loki) share.
struct PushEndpoint {
  std::string url;
  BasicAuth basic_auth;  // username empty = no auth
  std::string bearer_token_file;  // not with basic_auth
  std::map<std::string, std::string> headers;
  ClientTls tls;
  std::chrono::milliseconds timeout{30000};
  ProxySettings proxy;
  BasicAuth proxy_basic_auth;  // for proxy.proxy_url; username empty = none
  bool operator==(const PushEndpoint&) const = default;
};

struct RemoteWriteConfig {
  PushEndpoint endpoint;
  fleet::metrics::Labels external_labels;  // configured ones; instance and job are added
  size_t max_samples_per_send = 2000;  // Prometheus' queue_config defaults
  std::chrono::milliseconds batch_send_deadline{5000};
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5000};
  // writeRelabelConfigs, compiled when the config is loaded.
  relabel::CompiledRules write_relabel;
  bool operator==(const RemoteWriteConfig&) const = default;
};

enum class LokiFormat { kProtobuf, kJson };

struct LokiConfig {
  PushEndpoint endpoint;
  std::string tenant_id;  // X-Scope-OrgID when set
  fleet::metrics::Labels external_labels;
  size_t batch_size = 1 << 20;  // bytes, as Promtail/Alloy's batch_size
  std::chrono::milliseconds batch_wait{1000};
  LokiFormat format = LokiFormat::kProtobuf;
  std::map<std::string, std::string> docker_labels;  // Docker label -> Loki label
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
  bool operator==(const LokiConfig&) const = default;
};

enum class FsyncPolicy { kAlways, kInterval, kNever };

struct BufferConfig {
  std::string dir = "/var/lib/fleet-agent/buffer";
  uint64_t max_bytes = uint64_t{1} << 30;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  std::chrono::milliseconds fsync_interval{1000};
  bool operator==(const BufferConfig&) const = default;
};

// The budget the buffers and batches stay under (agent/memory/memory_guard.h).
struct MemoryConfig {
  std::optional<uint64_t> limit;  // bytes
  double limit_fraction = 0.8;     // of the cgroup limit, when there is one
  std::chrono::milliseconds check_interval{500};
  bool operator==(const MemoryConfig&) const = default;
};

// The forwarding half: sinks, their buffer and the memory budget (agent/sinks/forwarder.h).
struct ForwardConfig {
  std::optional<RemoteWriteConfig> remote_write;
  std::optional<LokiConfig> loki;
  BufferConfig buffer;
  MemoryConfig memory;
  bool operator==(const ForwardConfig&) const = default;
};

// The largest scrape response body when a scrape config sets no bodySizeLimit (Prometheus'
// default is none). A scrape holds its whole body, and the samples parsed from it, in memory: with
// no cap one target serving an endless body would take the agent down with it. 16 MiB is several
// times the largest exporter bodies seen in practice (kube-state-metrics of a large cluster is a
// few MiB), and it bounds gzip too: the cap is on the inflated body.
inline constexpr uint64_t kDefaultScrapeBodyBytes = uint64_t{16} << 20;
// Prometheus' scrape_timeout default; a scrape interval shorter than it is the timeout then.
inline constexpr std::chrono::milliseconds kDefaultScrapeTimeout{10000};

// A static_configs entry: targets (host:port, the __address__ of each) sharing labels.
struct StaticTargetGroup {
  std::vector<std::string> targets;
  fleet::metrics::Labels labels;
  bool operator==(const StaticTargetGroup&) const = default;
};

// One Docker daemon's containers as scrape targets (Prometheus' docker_sd_config), as
// agent/discovery/docker_discovery.h discovers them.
struct DockerSdConfig {
  std::string host;  // a unix socket; empty = docker.socket
  int port = 80;
  std::string host_networking_host = "localhost";
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;  // name, values
  bool match_first_network = true;
  std::chrono::milliseconds refresh_interval{std::chrono::seconds(60)};
  bool operator==(const DockerSdConfig&) const = default;
};

// One scrape job (Prometheus' scrape_config), as agent/scrape/scrape_manager.h runs it.
struct ScrapeConfig {
  std::string job_name;
  // Resolved when the file is read: unset takes the agent's scrapeInterval, and the timeout 10s
  // or the interval when that is shorter.
  std::chrono::milliseconds scrape_interval{std::chrono::seconds(15)};
  std::chrono::milliseconds scrape_timeout{kDefaultScrapeTimeout};
  std::string metrics_path = "/metrics";
  std::string scheme = "http";  // http | https
  // fallbackScrapeProtocol: the format of a body whose Content-Type names none; unset = fail.
  enum class Fallback { kNone, kPrometheusText, kOpenMetrics };
  Fallback fallback_protocol = Fallback::kNone;
  bool honor_labels = false;
  bool honor_timestamps = true;
  size_t sample_limit = 0;       // 0: none
  uint64_t body_size_limit = 0;  // bytes; 0: kDefaultScrapeBodyBytes
  BasicAuth basic_auth;          // username empty = none
  std::string bearer_token_file;  // not with basic_auth
  ClientTls tls;
  std::vector<StaticTargetGroup> static_configs;
  std::vector<DockerSdConfig> docker_sd_configs;
  relabel::CompiledRules relabel;         // relabelConfigs, on each target's labels
  relabel::CompiledRules metric_relabel;  // metricRelabelConfigs, on each scraped series
  bool operator==(const ScrapeConfig&) const = default;
};

// scrapeLabelledContainers: the built-in job that scrapes containers labelled
// prometheus.io/scrape=true (the pipeline builds it, agent/discovery/prometheus_io_rules.h).
struct LabelledContainersConfig {
  bool enabled = true;
  std::string job_name = "containers";
  bool operator==(const LabelledContainersConfig&) const = default;
};

struct AgentConfig {
  std::string instance;
  std::string job = "fleet-agent";
  std::string revision;
  ControllerConfig controller;
  std::chrono::milliseconds scrape_interval{std::chrono::seconds(15)};
  CollectorsConfig collectors;
  // metricRelabelConfigs, compiled when the config is loaded.
  relabel::CompiledRules metric_relabel;
  PathsConfig paths;
  FilesystemConfig filesystem;
  ArpConfig arp;
  DiskstatsConfig diskstats;
  NetclassConfig netclass;
  NetdevConfig netdev;
  TextfileConfig textfile;
  DockerConfig docker;
  HttpConfig http;
  LoggingConfig logging;
  DebugConfig debug;
  ForwardConfig forward;
  std::vector<ScrapeConfig> scrape_configs;  // scraped only when forward.remote_write is set
  LabelledContainersConfig scrape_labelled_containers;
  bool operator==(const AgentConfig&) const = default;
};

// The schema (agent_config.schema.yaml, compiled in), parsed.
fleet::Json AgentConfigSchema();

// Parses YAML text. `source` names the input in messages (a file name). Every error found is
// reported, "; "-separated, each as "source:line:col: field.path: message".
fleet::Result<AgentConfig> ParseConfig(const std::string& yaml, const std::string& source);
fleet::Result<AgentConfig> LoadConfig(const std::string& path);

// The http section of a config file (listen address, basic auth, TLS), read even when the rest of
// the file is invalid: an agent refusing a reload still listens as the old config said, and
// `fleet-agent status` must reach it. The listen address alone when only it parses; the default
// when the file or the field is missing. Overrides nothing else.
HttpConfig ListenerOf(const std::string& path);

// The largest config file read: a rendered config is a few KiB, and the controller's API takes
// no object near this; a larger file is refused, never read whole.
inline constexpr size_t kMaxConfigBytes = 4 << 20;
// The config file's text (at most kMaxConfigBytes); every reader of the config file uses it.
fleet::Result<std::string> ReadConfigFile(const std::string& path);

// Prometheus duration: "15s", "1m30s", "500ms", "1h", "2d", "1w", "1y".
fleet::Result<std::chrono::milliseconds> ParseDuration(const std::string& s);

// ParseDuration's inverse as Prometheus' model.Duration prints it: "15s", "1m30s", "1w", "0s".
std::string FormatDuration(std::chrono::milliseconds d);

// "1073741824", "512Mi", "1Gi", "100MB", "64k".
fleet::Result<uint64_t> ParseBytes(const std::string& text);

// docs/agent-config.md: the reference of every field, from the schema's descriptions and defaults.
std::string ConfigReferenceMarkdown();

}  // namespace agent
