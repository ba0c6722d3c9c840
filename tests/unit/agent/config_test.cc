// The agent config parser: a full valid file, defaults (the schema's, equal to the structs'), and
// one error per malformed field, each naming file:line:col and the field path.
#include "agent/config/agent_config.h"

#include "agent/regex_filter.h"

#include <fstream>
#include <functional>

#include <gtest/gtest.h>

namespace agent {
namespace {

const char kHeader[] = "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n";

TEST(ParseConfig, FullFile) {
  auto c = ParseConfig(std::string(kHeader) + R"(
instance: atl-chat
job: node
revision: "abc123"
controller: {url: "https://ctl:8443", tokenFile: /etc/fleet/token, caFile: /etc/fleet/ca.crt, reportInterval: 1m}
scrapeInterval: 30s
collectors:
  disabled: [pressure]
  container: {enabled: false, dockerLabels: false}
paths: {procfs: /host/proc, sysfs: /host/sys, rootfs: /host}
filesystem: {mountPointsExclude: "^/boot", fsTypesExclude: "^tmpfs$", mountTimeout: 2s}
netdev: {deviceExclude: "^(lo|veth.*)$"}
docker: {socket: /run/docker.sock}
http:
  listen: "0.0.0.0:9100"
  basicAuth: {username: u, passwordFile: /p}
  unauthenticatedPaths: [/metrics, /-/healthy]
  tls: {certFile: /c.pem, keyFile: /k.pem, minVersion: TLS13}
logging: {level: debug, format: json}
remoteWrite: {url: "http://mimir/api/v1/push"}
buffer: {dir: /var/lib/fleet-agent}
)",
                       "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->instance, "atl-chat");
  EXPECT_EQ(c->job, "node");
  EXPECT_EQ(c->revision, "abc123");
  EXPECT_EQ(c->controller.token_file, "/etc/fleet/token");
  EXPECT_EQ(c->controller.ca_file, "/etc/fleet/ca.crt");
  EXPECT_EQ(c->controller.report_interval, std::chrono::minutes(1));
  EXPECT_EQ(c->scrape_interval, std::chrono::seconds(30));
  EXPECT_FALSE(c->collectors.enabled.has_value());
  EXPECT_EQ(c->collectors.disabled, std::vector<std::string>{"pressure"});
  EXPECT_FALSE(c->collectors.container_enabled);
  EXPECT_FALSE(c->collectors.container_docker_labels);
  EXPECT_EQ(c->paths.procfs, "/host/proc");
  EXPECT_EQ(c->paths.rootfs, "/host");
  EXPECT_EQ(c->filesystem.fs_types_exclude, "^tmpfs$");
  EXPECT_EQ(c->filesystem.mount_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c->netdev.device_exclude, "^(lo|veth.*)$");
  EXPECT_EQ(c->docker.socket, "/run/docker.sock");
  EXPECT_EQ(c->http.listen, "0.0.0.0:9100");
  ASSERT_TRUE(c->http.basic_auth.has_value());
  EXPECT_EQ(c->http.basic_auth->username, "u");
  EXPECT_EQ(c->http.basic_auth->password_file, "/p");
  EXPECT_EQ(c->http.unauthenticated_paths, (std::vector<std::string>{"/metrics", "/-/healthy"}));
  ASSERT_TRUE(c->http.tls.has_value());
  EXPECT_EQ(c->http.tls->cert_file, "/c.pem");
  EXPECT_EQ(c->http.tls->key_file, "/k.pem");
  EXPECT_EQ(c->http.tls->min_version, "TLS13");
  EXPECT_EQ(c->logging.format, "json");
  ASSERT_TRUE(c->forward.remote_write.has_value());
  EXPECT_EQ(c->forward.remote_write->endpoint.url, "http://mimir/api/v1/push");
  EXPECT_FALSE(c->forward.loki.has_value());
  EXPECT_EQ(c->forward.buffer.dir, "/var/lib/fleet-agent");
}

// The schema's defaults are what a file that sets nothing gets, and they equal the structs'
// initializers (which a daemon run without a config file uses).
TEST(ParseConfig, SchemaDefaultsEqualTheStructs) {
  auto c = ParseConfig(kHeader, "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(*c == AgentConfig{});
  EXPECT_EQ(c->scrape_interval, std::chrono::seconds(15));
  EXPECT_EQ(c->http.listen, "127.0.0.1:12345");
  EXPECT_TRUE(c->collectors.container_docker_labels);
  EXPECT_EQ(c->forward.buffer.fsync, FsyncPolicy::kInterval);
  auto with_sinks = ParseConfig(std::string(kHeader) + "remoteWrite: {url: http://m}\nloki: {url: http://l}\n", "a.yaml");
  ASSERT_TRUE(with_sinks.ok()) << with_sinks.status().ToString();
  RemoteWriteConfig rw;
  rw.endpoint.url = "http://m";
  EXPECT_TRUE(*with_sinks->forward.remote_write == rw);
  LokiConfig loki;
  loki.endpoint.url = "http://l";
  EXPECT_TRUE(*with_sinks->forward.loki == loki);
}

// The fields of node_exporter's collector flags and --path.udev.data: node_exporter 1.5.0's
// defaults, a value set, and a regex that does not compile refused at its field.
TEST(ParseConfig, CollectorFlagsAndUdevPath) {
  const AgentConfig defaults;
  EXPECT_EQ(defaults.paths.udev_data, "/run/udev/data");
  EXPECT_EQ(defaults.arp.device_exclude, "");
  EXPECT_EQ(defaults.diskstats.device_exclude, "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$");
  EXPECT_EQ(defaults.netclass.ignored_devices, "^$");
  EXPECT_FALSE(defaults.netclass.ignore_invalid_speed);
  const struct {
    const char* yaml;
    const char* error;  // the whole message; "" when the file parses
    std::function<bool(const AgentConfig&)> check;
  } cases[] = {
      {"paths: {udevData: /host/run/udev/data}", "",
       [](const AgentConfig& c) { return c.paths.udev_data == "/host/run/udev/data"; }},
      {"arp: {deviceExclude: nope}", "",
       [](const AgentConfig& c) { return c.arp.device_exclude == "nope"; }},
      {"diskstats: {deviceExclude: \"^loop\"}", "",
       [](const AgentConfig& c) { return c.diskstats.device_exclude == "^loop"; }},
      {"netclass: {ignoredDevices: \"(dmz|int)\", ignoreInvalidSpeed: true}", "",
       [](const AgentConfig& c) {
         return c.netclass.ignored_devices == "(dmz|int)" && c.netclass.ignore_invalid_speed;
       }},
      {"arp: {deviceExclude: \"(\"}", "agent.yaml:3:22: arp.deviceExclude: invalid regular expression: ", nullptr},
      {"diskstats: {deviceExclude: \"[\"}",
       "agent.yaml:3:28: diskstats.deviceExclude: invalid regular expression: ", nullptr},
      {"netclass: {ignoredDevices: \"a)\"}",
       "agent.yaml:3:28: netclass.ignoredDevices: invalid regular expression: ", nullptr},
      {"netclass: {ignoreInvalidSpeed: yes please}",
       "agent.yaml:3:32: netclass.ignoreInvalidSpeed: must be a boolean, got string \"yes please\"", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto got = ParseConfig(std::string(kHeader) + c.yaml, "agent.yaml");
    if (*c.error == '\0') {
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(c.check(*got));
    } else {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.status().message().rfind(c.error, 0), 0u) << got.status().message();
    }
  }
}

// metricRelabelConfigs and remoteWrite.writeRelabelConfigs, compiled when the file is read: the
// fields' defaults are Prometheus's, and the rules apply as written.
TEST(ParseConfig, RelabelRulesAreCompiledWhenTheFileIsRead) {
  auto c = ParseConfig(std::string(kHeader) + R"yaml(
metricRelabelConfigs:
  - {sourceLabels: [__name__], regex: "node_(.*)", targetLabel: __name__, replacement: "host_$1"}
  - {action: drop, sourceLabels: [__name__, mode], separator: "/", regex: "host_cpu_seconds_total/idle"}
remoteWrite:
  url: http://mimir/api/v1/push
  writeRelabelConfigs:
    - {action: hashmod, sourceLabels: [instance], modulus: 4, targetLabel: shard}
)yaml",
                       "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const std::vector<relabel::Rule>& metric = c->metric_relabel.rules();
  ASSERT_EQ(metric.size(), 2u);
  EXPECT_EQ(metric[0].action, relabel::Action::kReplace);
  EXPECT_EQ(metric[0].separator, ";");
  EXPECT_EQ(metric[0].regex, "node_(.*)");
  EXPECT_EQ(metric[0].replacement, "host_$1");
  EXPECT_EQ(metric[1].action, relabel::Action::kDrop);
  EXPECT_EQ(metric[1].separator, "/");
  EXPECT_EQ(metric[1].replacement, "$1");
  fleet::metrics::Labels renamed = {{"__name__", "node_load1"}};
  ASSERT_TRUE(c->metric_relabel.Process(&renamed));
  EXPECT_EQ(renamed, (fleet::metrics::Labels{{"__name__", "host_load1"}}));
  fleet::metrics::Labels idle = {{"__name__", "node_cpu_seconds_total"}, {"mode", "idle"}};
  EXPECT_FALSE(c->metric_relabel.Process(&idle));
  const std::vector<relabel::Rule>& write = c->forward.remote_write->write_relabel.rules();
  ASSERT_EQ(write.size(), 1u);
  EXPECT_EQ(write[0].modulus, 4u);
  EXPECT_FALSE(write[0].regex.has_value());  // unset: (.*), and not "set" for keepequal/dropequal
}

TEST(ParseConfig, DebugLiveView) {
  auto c = ParseConfig(std::string(kHeader) + "debug: {liveView: true, liveViewEntries: 500}", "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->debug.live_view);
  EXPECT_EQ(c->debug.live_view_entries, 500);
}

TEST(ParseConfig, ErrorsNameFileLineColumnAndField) {
  const struct {
    const char* yaml;  // after the header (line 3 on), unless it starts with "apiVersion"
    const char* want;  // the whole message
  } cases[] = {
      {"collectors: {enabledd: [cpu]}",
       "agent.yaml:3:14: collectors.enabledd: unknown field \"enabledd\" (did you mean \"enabled\"?)"},
      {"colectors: {}", "agent.yaml:3:1: colectors: unknown field \"colectors\" (did you mean \"collectors\"?)"},
      {"http: {listen: nope}", "agent.yaml:3:16: http.listen: must be host:port, got \"nope\""},
      {"http: {listen: \"1.2.3.4:99999\"}",
       "agent.yaml:3:16: http.listen: must be host:port, got \"1.2.3.4:99999\""},
      {"http: {basicAuth: {passwordFile: /p}}", "agent.yaml:3:19: http.basicAuth.username: required field is missing"},
      {"http: {basicAuth: {username: 'a:b', passwordFile: /p}}",
       "agent.yaml:3:30: http.basicAuth.username: must not contain ':'"},
      {"http: {basicAuth: {username: u, passwordFile: /p, password: hunter2}}",
       "agent.yaml:3:51: http.basicAuth.password: unknown field \"password\""},
      {"http: {basicAuth: u}", "agent.yaml:3:19: http.basicAuth: must be an object, got string \"u\""},
      {"http: {unauthenticatedPaths: [/metrics, metrics]}",
       "agent.yaml:3:41: http.unauthenticatedPaths[1]: must be a path starting with /, got \"metrics\""},
      {"http: {tls: {certFile: /c, keyFile: /k, minVersion: TLS11}}",
       "agent.yaml:3:53: http.tls.minVersion: must be one of: TLS12, TLS13 (got \"TLS11\")"},
      {"scrapeInterval: 15", "agent.yaml:3:17: scrapeInterval: must be a string, got integer 15"},
      {"scrapeInterval: 15m2", "agent.yaml:3:17: scrapeInterval: not a duration (like 15s, 1m30s, 500ms): \"15m2\""},
      {"scrapeInterval: 0s", "agent.yaml:3:17: scrapeInterval: must be positive"},
      {"filesystem: {mountTimeout: 0s}", "agent.yaml:3:28: filesystem.mountTimeout: must be positive"},
      {"collectors: {enabled: [cpu], disabled: [time]}",
       "agent.yaml:3:40: collectors.disabled: cannot be combined with collectors.enabled"},
      {"collectors: {enabled: [cpu, cpuu]}",
       "agent.yaml:3:29: collectors.enabled[1]: must be one of: arp, bcache, bonding, btrfs, conntrack, cpu, cpufreq, diskstats, dmi, edac, entropy, fibrechannel, filefd, filesystem, hwmon, infiniband, ipvs, loadavg, mdadm, meminfo, netclass, netdev, netstat, nfs, nfsd, nvme, os, powersupplyclass, pressure, rapl, schedstat, selinux, sockstat, softnet, stat, tapestats, textfile, thermal_zone, time, timex, udp_queues, uname, vmstat, xfs, zfs (got \"cpuu\")"},
      {"collectors: {container: {enabled: maybe}}",
       "agent.yaml:3:35: collectors.container.enabled: must be a boolean, got string \"maybe\""},
      {"filesystem: {fsTypesExclude: \"(\"}", ""},  // message text is the regex library's
      {"debug: {liveViewEntries: 0}", "agent.yaml:3:26: debug.liveViewEntries: must be >= 1"},
      {"remoteWrite: {}", "agent.yaml:3:14: remoteWrite.url: required field is missing"},
      {"remoteWrite: {url: http://x, queue: {minBackoff: 2s, maxBackoff: 1s}}",
       "agent.yaml:3:66: remoteWrite.queue.maxBackoff: must not be less than minBackoff"},
      {"loki: {url: http://x, batchSize: 1Zi}",
       "agent.yaml:3:34: loki.batchSize: not a size (like 1048576, 512Mi, 1Gi): \"1Zi\""},
      {"buffer: {maxBytes: 1000}", "agent.yaml:3:20: buffer.maxBytes: must be at least 1Mi"},
      {"buffer: {fsync: sometimes}",
       "agent.yaml:3:17: buffer.fsync: must be one of: always, interval, never (got \"sometimes\")"},
      {"memory: {limit: 1Mi}", "agent.yaml:3:17: memory.limit: must be at least 16Mi"},
      {"metricRelabelConfigs: [{action: keep, regex: \"a(\"}]",
       "agent.yaml:3:46: metricRelabelConfigs[0].regex: invalid regular expression: missing ): ^(?s:a()$"},
      {"metricRelabelConfigs: [{targetLabel: a}, {action: hashmod, targetLabel: s}]",
       "agent.yaml:3:42: metricRelabelConfigs[1].modulus: the hashmod action requires a modulus greater than 0"},
      {"metricRelabelConfigs: [{action: rename}]",
       "agent.yaml:3:33: metricRelabelConfigs[0].action: must be one of: replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase (got \"rename\")"},
      {"remoteWrite: {url: http://x, writeRelabelConfigs: [{action: lowercase, sourceLabels: [a]}]}",
       "agent.yaml:3:52: remoteWrite.writeRelabelConfigs[0].targetLabel: the lowercase action requires targetLabel"},
      {"remoteWrite: {url: http://x, writeRelabelConfigs: [{sourceLabels: [a-b], targetLabel: c}]}",
       "agent.yaml:3:68: remoteWrite.writeRelabelConfigs[0].sourceLabels[0]: \"a-b\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"},
      {"memory: {limitFraction: 1.5}", "agent.yaml:3:25: memory.limitFraction: must be <= 0.95"},
      {"scrapeConfigs: [{jobName: a}, {jobName: b}, {jobName: a}]",
       "agent.yaml:3:55: scrapeConfigs[2].jobName: duplicate job name \"a\" (also scrapeConfigs[0])"},
      {"scrapeConfigs: [{jobName: containers}]",
       "agent.yaml:3:27: scrapeConfigs[0].jobName: \"containers\" is the job of scrapeLabelledContainers; choose "
       "another, or another scrapeLabelledContainers.jobName"},
      {"scrapeConfigs: [{jobName: a, dockerSdConfigs: [{refreshInterval: 0s}]}]",
       "agent.yaml:3:66: scrapeConfigs[0].dockerSdConfigs[0].refreshInterval: must be positive"},
      {"scrapeConfigs: [{staticConfigs: [{targets: [\"h:1\"]}]}]",
       "agent.yaml:3:17: scrapeConfigs[0].jobName: required field is missing"},
      {"scrapeConfigs: [{jobName: a, scrapeInterval: 5s, scrapeTimeout: 6s}]",
       "agent.yaml:3:65: scrapeConfigs[0].scrapeTimeout: must not be greater than scrapeInterval (6000ms > 5000ms)"},
      {"scrapeInterval: 5s\nscrapeConfigs: [{jobName: a, scrapeTimeout: 6s}]",
       "agent.yaml:4:45: scrapeConfigs[0].scrapeTimeout: must not be greater than scrapeInterval (6000ms > 5000ms)"},
      {"scrapeConfigs: [{jobName: a, staticConfigs: [{targets: [\"h:1\", \"http://h:1/metrics\"]}]}]",
       "agent.yaml:3:64: scrapeConfigs[0].staticConfigs[0].targets[1]: must be host:port, got \"http://h:1/metrics\""},
      {"scrapeConfigs: [{jobName: a, staticConfigs: [{labels: {a-b: c}}]}]",
       "agent.yaml:3:61: scrapeConfigs[0].staticConfigs[0].labels.a-b: must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)"},
      {"scrapeConfigs: [{jobName: a, scheme: ftp}]",
       "agent.yaml:3:38: scrapeConfigs[0].scheme: must be one of: http, https (got \"ftp\")"},
      {"scrapeConfigs: [{jobName: a, bearerTokenFile: /t, basicAuth: {username: u, passwordFile: /p}}]",
       "agent.yaml:3:47: scrapeConfigs[0].bearerTokenFile: cannot be combined with basicAuth"},
      {"scrapeConfigs: [{jobName: a, relabelConfigs: [{action: keep, regex: \"(\"}]}]", ""},
      {"remoteWrite: {url: 'http://m/p', bearerTokenFile: /t, basicAuth: {username: u, passwordFile: /p}}",
       "agent.yaml:3:51: remoteWrite.bearerTokenFile: cannot be combined with basicAuth"},
      {"remoteWrite: {url: 'http://m/p', basicAuth: {username: 'a:b', passwordFile: /p}}",
       "agent.yaml:3:56: remoteWrite.basicAuth.username: must not contain ':'"},
      {"loki: {url: 'http://l/p', tls: {certFile: /c}}", "agent.yaml:3:32: loki.tls.keyFile: is required with certFile"},
      {"loki: {url: 'http://l/p', proxyBasicAuth: {username: u, passwordFile: /p}}",
       "agent.yaml:3:43: loki.proxyBasicAuth: applies to proxyUrl, which is not set"},
      {"scrapeConfigs: [{jobName: a, tls: {keyFile: /k}}]",
       "agent.yaml:3:35: scrapeConfigs[0].tls.certFile: is required with keyFile"},
      {"scrapeInterval: 0s\nlogging: {level: loud}",
       "agent.yaml:4:18: logging.level: must be one of: error, warn, info, debug (got \"loud\")"},
      {"apiVersion: v1\nkind: AgentConfig",
       "agent.yaml:1:13: apiVersion: must be one of: vpsfleet.io/v1alpha1 (got \"v1\")"},
      {"apiVersion: vpsfleet.io/v1alpha1\nkind: Host",
       "agent.yaml:2:7: kind: must be one of: AgentConfig (got \"Host\")"},
      {"http: {listen: [", ""},  // YAML syntax error: message carries file:line:col
      {"apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n---\nkind: AgentConfig",
       "agent.yaml: must hold one YAML document (kind AgentConfig), got 2"},
  };
  for (const auto& c : cases) {
    const std::string yaml = std::string(c.yaml).rfind("apiVersion", 0) == 0
                                 ? std::string(c.yaml)
                                 : std::string(kHeader) + c.yaml;
    auto got = ParseConfig(yaml, "agent.yaml");
    ASSERT_FALSE(got.ok()) << c.yaml;
    EXPECT_EQ(got.status().code(), fleet::Code::kInvalid) << c.yaml;
    if (*c.want) {
      EXPECT_EQ(got.status().message(), c.want) << c.yaml;
    } else {
      EXPECT_EQ(got.status().message().rfind("agent.yaml:", 0), 0u) << got.status().message();
    }
  }
}

// scrapeConfigs as Prometheus' scrape_config: defaults (the interval is the agent's, the timeout
// 10s or the interval when shorter), every field decoded, the relabel rules compiled.
TEST(ParseConfig, ScrapeConfigs) {
  auto c = ParseConfig(std::string(kHeader) + R"yaml(
scrapeInterval: 5s
scrapeConfigs:
  - jobName: defaults
  - jobName: app
    scrapeInterval: 30s
    scrapeTimeout: 20s
    metricsPath: /stats/prometheus
    scheme: https
    fallbackScrapeProtocol: OpenMetricsText1.0.0
    honorLabels: true
    honorTimestamps: false
    sampleLimit: 1000
    bodySizeLimit: 4Mi
    bearerTokenFile: /run/token
    tls: {caFile: /ca.pem, insecureSkipVerify: true}
    staticConfigs:
      - targets: ["127.0.0.1:8080", "[::1]:9000"]
        labels: {env: prod}
    relabelConfigs: [{sourceLabels: [__address__], regex: "(.*):.*", targetLabel: host}]
    metricRelabelConfigs: [{action: drop, sourceLabels: [__name__], regex: "go_.*"}]
  - jobName: long
    scrapeInterval: 1m
  - jobName: docker
    dockerSdConfigs:
      - {}
      - host: /run/other.sock
        port: 9100
        hostNetworkingHost: 127.0.0.1
        matchFirstNetwork: false
        refreshInterval: 30s
        filters: [{name: label, values: ["scrape=true", "team=web"]}, {name: network, values: [front]}]
scrapeLabelledContainers: {jobName: labelled}
)yaml", "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->scrape_configs.size(), 4u);
  EXPECT_EQ(c->scrape_labelled_containers, (LabelledContainersConfig{true, "labelled"}));
  const auto& dockers = c->scrape_configs[3].docker_sd_configs;
  ASSERT_EQ(dockers.size(), 2u);
  EXPECT_TRUE(dockers[0] == DockerSdConfig{}) << "the struct's initializers are the schema's defaults";
  DockerSdConfig other;
  other.host = "/run/other.sock";
  other.port = 9100;
  other.host_networking_host = "127.0.0.1";
  other.match_first_network = false;
  other.refresh_interval = std::chrono::seconds(30);
  other.filters = {{"label", {"scrape=true", "team=web"}}, {"network", {"front"}}};
  EXPECT_TRUE(dockers[1] == other);
  const ScrapeConfig& d = c->scrape_configs[0];
  EXPECT_EQ(d.job_name, "defaults");
  EXPECT_EQ(d.scrape_interval, std::chrono::seconds(5)) << "the agent's scrapeInterval";
  EXPECT_EQ(d.scrape_timeout, std::chrono::seconds(5)) << "10s is longer than the interval";
  ScrapeConfig want_defaults;
  want_defaults.job_name = "defaults";
  want_defaults.scrape_interval = want_defaults.scrape_timeout = std::chrono::seconds(5);
  EXPECT_TRUE(d == want_defaults) << "the struct's initializers are the schema's defaults";
  const ScrapeConfig& a = c->scrape_configs[1];
  EXPECT_EQ(a.scrape_interval, std::chrono::seconds(30));
  EXPECT_EQ(a.scrape_timeout, std::chrono::seconds(20));
  EXPECT_EQ(a.metrics_path, "/stats/prometheus");
  EXPECT_EQ(a.scheme, "https");
  EXPECT_EQ(a.fallback_protocol, ScrapeConfig::Fallback::kOpenMetrics);
  EXPECT_TRUE(a.honor_labels);
  EXPECT_FALSE(a.honor_timestamps);
  EXPECT_EQ(a.sample_limit, 1000u);
  EXPECT_EQ(a.body_size_limit, 4u << 20);
  EXPECT_EQ(a.bearer_token_file, "/run/token");
  EXPECT_EQ(a.tls.ca_file, "/ca.pem");
  EXPECT_TRUE(a.tls.insecure_skip_verify);
  ASSERT_EQ(a.static_configs.size(), 1u);
  EXPECT_EQ(a.static_configs[0].targets, (std::vector<std::string>{"127.0.0.1:8080", "[::1]:9000"}));
  EXPECT_EQ(a.static_configs[0].labels, (fleet::metrics::Labels{{"env", "prod"}}));
  EXPECT_EQ(a.relabel.rules().size(), 1u);
  fleet::metrics::Labels series{{"__name__", "go_goroutines"}};
  EXPECT_FALSE(a.metric_relabel.Process(&series));
  EXPECT_EQ(c->scrape_configs[2].scrape_timeout, std::chrono::seconds(10));
}

TEST(FormatDuration, IsParseDurationsInverse) {
  for (const char* text : {"0s", "500ms", "15s", "1m30s", "1h", "1d", "1w", "1y", "2w3d4h5m6s7ms"}) {
    auto parsed = ParseDuration(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(FormatDuration(*parsed), text);
  }
}

TEST(ListenerOf, ReadsTheListenerEvenFromAnInvalidFile) {
  const std::string dir = ::testing::TempDir();
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
  };
  const std::string secured = R"(http:
  listen: "127.0.0.1:7"
  basicAuth: {username: ops, passwordFile: /etc/fleet/pw}
  tls: {certFile: /etc/fleet/cert.pem, keyFile: /etc/fleet/key.pem}
)";
  const struct {
    const char* name;
    std::string text;  // empty: the file is absent
    std::string want_listen;
    bool want_auth_and_tls;
  } cases[] = {
      {"ok.yaml", std::string(kHeader) + "http: {listen: \"127.0.0.1:9\"}\n", "127.0.0.1:9", false},
      {"secured.yaml", std::string(kHeader) + secured, "127.0.0.1:7", true},
      // The rest of the file is refused; the listener section still tells how to reach the agent.
      {"bad.yaml", std::string(kHeader) + secured + "logging: {level: loud}\n", "127.0.0.1:7", true},
      {"bad-auth.yaml", std::string(kHeader) + "http: {listen: \"127.0.0.1:8\", basicAuth: {username: a}}\n",
       "127.0.0.1:8", false},
      {"junk.yaml", "http: [", "127.0.0.1:12345", false},
      {"absent.yaml", "", "127.0.0.1:12345", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = c.text.empty() ? dir + "/" + c.name : write(c.name, c.text);
    const HttpConfig http = ListenerOf(path);
    EXPECT_EQ(http.listen, c.want_listen);
    EXPECT_EQ(http.basic_auth.has_value(), c.want_auth_and_tls);
    EXPECT_EQ(http.tls.has_value(), c.want_auth_and_tls);
    if (c.want_auth_and_tls) {
      EXPECT_EQ(http.basic_auth->password_file, "/etc/fleet/pw");
    }
  }
  EXPECT_EQ(ListenerOf("").listen, "127.0.0.1:12345");
}

TEST(ParseDuration, Table) {
  const struct {
    const char* in;
    int64_t want_ms;  // -1: error
  } cases[] = {{"15s", 15000}, {"1m30s", 90000}, {"500ms", 500}, {"1h", 3600000},
               {"2d", 172800000}, {"1w", 604800000}, {"", -1}, {"15", -1}, {"s", -1},
               {"1s1m", -1}, {"-1s", -1},
               // Found by tests/fuzz/agent_config_fuzz.cc: these overflowed int64 (UB) or threw.
               {"9223372036854775807ms", INT64_MAX}, {"9223372036854775s808ms", -1},
               {"9999999999y", -1}, {"99999999999999999999s", -1}};
  for (const auto& c : cases) {
    auto got = ParseDuration(c.in);
    if (c.want_ms < 0) {
      EXPECT_FALSE(got.ok()) << c.in;
    } else {
      ASSERT_TRUE(got.ok()) << c.in;
      EXPECT_EQ(got->count(), c.want_ms) << c.in;
    }
  }
}

// What the agent gives std::regex is bounded: libstdc++'s matcher recurses once per character,
// and a megabyte-long listen address, duration or mount point overflowed the stack.
TEST(ParseConfig, OverlongStringsAreRefusedBeforeAnyRegexRuns) {
  const std::string big(1 << 20, '1');
  const struct {
    std::string yaml;
    const char* want;
  } cases[] = {
      {"http: {listen: '" + big + ":80'}", "agent.yaml:3:16: http.listen: must be at most 261 characters (got 1048579)"},
      {"scrapeInterval: " + big + "s", "agent.yaml:3:17: scrapeInterval: must be at most 32 characters (got 1048577)"},
      {"filesystem: {mountPointsExclude: '" + std::string(1025, 'a') + "'}",
       "agent.yaml:3:34: filesystem.mountPointsExclude: must be at most 1024 characters (got 1025)"},
  };
  for (const auto& c : cases) {
    auto got = ParseConfig(std::string(kHeader) + c.yaml, "agent.yaml");
    ASSERT_FALSE(got.ok()) << c.want;
    EXPECT_EQ(got.status().message(), c.want);
  }
  RegexFilter mounts("^/(dev|proc|sys|var/lib/docker/.+)($|/)");
  EXPECT_TRUE(mounts.Matches("/var/lib/docker/" + std::string(kMaxRegexInput - 16, 'a')));
  EXPECT_FALSE(mounts.Matches("/var/lib/docker/" + big)) << "too long to match: matches nothing";
}

}  // namespace
}  // namespace agent

namespace agent {
namespace {

TEST(ReadConfigFile, AFileOverTheLimitIsRefusedNotReadWhole) {
  const std::string path = ::testing::TempDir() + "/huge-agent.yaml";
  {
    std::ofstream out(path);
    out << "instance: x\n# " << std::string(kMaxConfigBytes, '\xff') << "\n";
  }
  auto read = ReadConfigFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("longer than 4194304 bytes"), std::string::npos) << read.status().ToString();
  EXPECT_FALSE(LoadConfig(path).ok());
  EXPECT_EQ(ListenerOf(path).listen, HttpConfig{}.listen) << "the default listener, as for an unreadable file";
  std::remove(path.c_str());
}

}  // namespace
}  // namespace agent
