// The agent config parser: a full valid file, defaults, and one error per malformed field, each
// naming the field path.
#include "agent/config.h"

#include "agent/regex_filter.h"

#include <fstream>

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
  ASSERT_EQ(c->sections.count("remoteWrite"), 1u);
  EXPECT_EQ(c->sections["remoteWrite"]["url"].as<std::string>(), "http://mimir/api/v1/push");
  EXPECT_EQ(c->sections.count("loki"), 0u);
}

TEST(ParseConfig, Defaults) {
  auto c = ParseConfig(kHeader, "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->scrape_interval, std::chrono::seconds(15));
  EXPECT_EQ(c->http.listen, "127.0.0.1:12345");
  EXPECT_FALSE(c->http.basic_auth.has_value());
  EXPECT_FALSE(c->http.tls.has_value());
  EXPECT_EQ(c->paths.procfs, "/proc");
  EXPECT_EQ(c->netdev.device_exclude, "^lo$");
  EXPECT_TRUE(c->collectors.container_enabled);
  EXPECT_EQ(c->docker.socket, "/var/run/docker.sock");
  EXPECT_FALSE(c->debug.live_view);
  EXPECT_EQ(c->debug.live_view_entries, 100);
}

TEST(ParseConfig, DebugLiveView) {
  auto c = ParseConfig(std::string(kHeader) + "debug: {liveView: true, liveViewEntries: 500}", "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->debug.live_view);
  EXPECT_EQ(c->debug.live_view_entries, 500);
}

TEST(ParseConfig, ErrorsNameTheField) {
  const struct {
    const char* yaml;  // after the header, unless it starts with "apiVersion"
    const char* want;  // the whole message
  } cases[] = {
      {"collectors: {enabledd: [cpu]}", "agent.yaml: collectors.enabledd: unknown field"},
      {"colectors: {}", "agent.yaml: colectors: unknown field"},
      {"http: {listen: nope}", "agent.yaml: http.listen: must be host:port, got \"nope\""},
      {"http: {listen: \"1.2.3.4:99999\"}",
       "agent.yaml: http.listen: must be host:port, got \"1.2.3.4:99999\""},
      {"http: {listn: \":1\"}", "agent.yaml: http.listn: unknown field"},
      {"http: {basicAuth: {passwordFile: /p}}", "agent.yaml: http.basicAuth.username: required"},
      {"http: {basicAuth: {username: u}}", "agent.yaml: http.basicAuth.passwordFile: required"},
      {"http: {basicAuth: {username: 'a:b', passwordFile: /p}}",
       "agent.yaml: http.basicAuth.username: must not contain ':'"},
      {"http: {basicAuth: {username: u, passwordFile: /p, password: hunter2}}",
       "agent.yaml: http.basicAuth.password: unknown field"},
      {"http: {basicAuth: u}", "agent.yaml: http.basicAuth: must be a mapping"},
      {"http: {unauthenticatedPaths: [/metrics, metrics]}",
       "agent.yaml: http.unauthenticatedPaths[1]: must be a path starting with /, got \"metrics\""},
      {"http: {unauthenticatedPaths: /metrics}",
       "agent.yaml: http.unauthenticatedPaths: must be a list of strings"},
      {"http: {tls: {keyFile: /k}}", "agent.yaml: http.tls.certFile: required"},
      {"http: {tls: {certFile: /c}}", "agent.yaml: http.tls.keyFile: required"},
      {"http: {tls: {certFile: /c, keyFile: /k, minVersion: TLS11}}",
       "agent.yaml: http.tls.minVersion: must be one of TLS12, TLS13, got \"TLS11\""},
      {"http: {tls: {certFile: /c, keyFile: /k, ciphers: x}}",
       "agent.yaml: http.tls.ciphers: unknown field"},
      {"scrapeInterval: 15", "agent.yaml: scrapeInterval: not a duration (like 15s, 1m30s, 500ms): \"15\""},
      {"scrapeInterval: 0s", "agent.yaml: scrapeInterval: must be positive"},
      {"filesystem: {mountTimeout: 0s}", "agent.yaml: filesystem.mountTimeout: must be positive"},
      {"filesystem: {mountTimeout: soon}", "agent.yaml: filesystem.mountTimeout: not a duration (like 15s, 1m30s, 500ms): \"soon\""},
      {"collectors: {enabled: [cpu], disabled: [time]}",
       "agent.yaml: collectors.disabled: cannot be combined with collectors.enabled"},
      {"collectors: {enabled: cpu}", "agent.yaml: collectors.enabled: must be a list of strings"},
      {"collectors: {enabled: [cpu, {a: b}]}", "agent.yaml: collectors.enabled[1]: must be a string"},
      {"collectors: {container: {enabled: maybe}}",
       "agent.yaml: collectors.container.enabled: must be true or false"},
      {"filesystem: {fsTypesExclude: \"(\"}", ""},  // message text is the regex library's
      {"logging: {level: loud}",
       "agent.yaml: logging.level: must be one of error, warn, info, debug, got \"loud\""},
      {"paths: [a]", "agent.yaml: paths: must be a mapping"},
      {"debug: {liveView: yes please}", "agent.yaml: debug.liveView: must be true or false"},
      {"debug: {liveViewEntries: 0}",
       "agent.yaml: debug.liveViewEntries: must be an integer from 1 to 10000"},
      {"debug: {liveViewEntries: many}",
       "agent.yaml: debug.liveViewEntries: must be an integer from 1 to 10000"},
      {"debug: {live: true}", "agent.yaml: debug.live: unknown field"},
      {"controller: {url: x, extra: 1}", "agent.yaml: controller.extra: unknown field"},
      {"apiVersion: v1\nkind: AgentConfig",
       "agent.yaml: apiVersion: must be vpsfleet.io/v1alpha1, got \"v1\""},
      {"apiVersion: vpsfleet.io/v1alpha1\nkind: Host",
       "agent.yaml: kind: must be AgentConfig, got \"Host\""},
      {"http: {listen: [", ""},  // YAML syntax error: message carries file:line:col
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

TEST(ParseConfig, RegisteredSectionParserValidates) {
  RegisterSection("exampleSection", [](const YAML::Node& node, const std::string& path) {
    return node["ok"] ? fleet::Status::Ok() : fleet::Status::Invalid(path + ".ok: required");
  });
  auto good = ParseConfig(std::string(kHeader) + "exampleSection: {ok: 1}", "a.yaml");
  EXPECT_TRUE(good.ok()) << good.status().ToString();
  auto bad = ParseConfig(std::string(kHeader) + "exampleSection: {}", "a.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "a.yaml: exampleSection.ok: required");
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
      {"http: {listen: '" + big + ":80'}", "agent.yaml: http.listen: must be host:port, got a long string"},
      {"scrapeInterval: " + big + "s", "agent.yaml: scrapeInterval: not a duration (like 15s, 1m30s, 500ms): a long string"},
      {"filesystem: {mountPointsExclude: '" + std::string(1025, 'a') + "'}",
       "agent.yaml: filesystem.mountPointsExclude: regular expression longer than 1024 characters"},
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
