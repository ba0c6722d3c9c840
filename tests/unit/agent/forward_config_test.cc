// The remoteWrite, loki, buffer and memory sections of the agent config: defaults, full shapes,
// and errors naming the field.
#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

fleet::Result<ForwardConfig> Parse(const std::string& yaml) {
  auto config = ParseConfig("apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n" + yaml, "a.yaml");
  if (!config.ok()) return config.status();
  return config->forward;
}

TEST(ForwardConfig, FullShapes) {
  auto c = Parse(R"(
remoteWrite:
  url: https://mimir:8080/api/v1/push
  basicAuth: {username: agent, passwordFile: /etc/fleet/pw}
  headers: {X-A: b}
  externalLabels: {region: atl}
  tls: {caFile: /etc/ca.pem, insecureSkipVerify: true}
  queue: {maxSamplesPerSend: 500, batchSendDeadline: 2s, minBackoff: 10ms, maxBackoff: 1m}
  timeout: 10s
loki:
  url: http://loki:3100/loki/api/v1/push
  tenantId: t1
  batchSize: 256Ki
  batchWait: 500ms
  format: json
  dockerLabels: {com.docker.compose.service: service}
  minBackoff: 1s
  maxBackoff: 2m
buffer: {dir: /var/lib/x, maxBytes: 2Gi, fsync: always, fsyncInterval: 5s}
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->remote_write && c->loki);
  EXPECT_EQ(c->remote_write->endpoint.basic_auth.password_file, "/etc/fleet/pw");
  EXPECT_EQ(c->remote_write->endpoint.headers.at("X-A"), "b");
  EXPECT_EQ(c->remote_write->endpoint.tls.ca_file, "/etc/ca.pem");
  EXPECT_TRUE(c->remote_write->endpoint.tls.insecure_skip_verify);
  EXPECT_EQ(c->remote_write->max_samples_per_send, 500u);
  EXPECT_EQ(c->remote_write->batch_send_deadline, std::chrono::seconds(2));
  EXPECT_EQ(c->remote_write->max_backoff, std::chrono::minutes(1));
  EXPECT_EQ(c->remote_write->external_labels, (fleet::metrics::Labels{{"region", "atl"}}));
  EXPECT_EQ(c->loki->tenant_id, "t1");
  EXPECT_EQ(c->loki->batch_size, 256u * 1024);
  EXPECT_EQ(c->loki->batch_wait, std::chrono::milliseconds(500));
  EXPECT_EQ(c->loki->format, LokiFormat::kJson);
  EXPECT_EQ(c->loki->docker_labels.at("com.docker.compose.service"), "service");
  EXPECT_EQ(c->buffer.max_bytes, uint64_t{2} << 30);
  EXPECT_EQ(c->loki->min_backoff, std::chrono::seconds(1));
  EXPECT_EQ(c->loki->max_backoff, std::chrono::minutes(2));
  EXPECT_EQ(c->remote_write->endpoint.timeout, std::chrono::seconds(10));
  EXPECT_EQ(c->buffer.fsync, FsyncPolicy::kAlways);
  EXPECT_EQ(c->buffer.fsync_interval, std::chrono::seconds(5));
}

TEST(ForwardConfig, DefaultsWhenSectionsAreAbsent) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->remote_write);
  EXPECT_FALSE(c->loki);
  EXPECT_EQ(c->buffer.max_bytes, uint64_t{1} << 30);
  EXPECT_EQ(c->buffer.fsync, FsyncPolicy::kInterval);
  EXPECT_FALSE(c->memory.limit);
  EXPECT_EQ(c->memory.limit_fraction, 0.8);
  EXPECT_EQ(c->memory.check_interval, std::chrono::milliseconds(500));
}

TEST(ForwardConfig, MemorySection) {
  auto c = Parse("memory: {limit: 256Mi, limitFraction: 0.5, checkInterval: 100ms}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->memory.limit, uint64_t{256} << 20);
  EXPECT_EQ(c->memory.limit_fraction, 0.5);
  EXPECT_EQ(c->memory.check_interval, std::chrono::milliseconds(100));
  auto bytes = Parse("memory: {limit: 100000000}");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes->memory.limit, 100000000u);
}

TEST(ForwardConfig, ErrorsNameTheField) {
  struct Case { const char* yaml; const char* message; };
  for (const auto& c : std::vector<Case>{
           {"remoteWrite: {}", "remoteWrite.url: required field is missing"},
           {"remoteWrite: {url: ftp://x}", "remoteWrite.url: must start with http:// or https://"},
           {"remoteWrite: {url: http://x, basicAuth: {username: a}}", "remoteWrite.basicAuth.passwordFile: required field is missing"},
           {"remoteWrite: {url: http://x, queue: {batchSendDeadline: soon}}", "remoteWrite.queue.batchSendDeadline: not a duration"},
           {"remoteWrite: {url: http://x, queue: {minBackoff: 2s, maxBackoff: 1s}}", "remoteWrite.queue.maxBackoff: must not be less"},
           {"remoteWrite: {url: http://x, queue: {capacity: 10000}}", "remoteWrite.queue.capacity: unknown field"},
           {"remoteWrite: {url: http://x, bogus: 1}", "remoteWrite.bogus: unknown field"},
           {"remoteWrite: {url: http://x, proxyUrl: 'http://u:p@proxy:3128'}", "remoteWrite.proxyUrl: invalid value"},
           {"remoteWrite: {url: http://x, proxyUrl: 'socks5://proxy:1080'}", "remoteWrite.proxyUrl: invalid value"},
           {"remoteWrite: {url: http://x, proxyUrl: 'http://p:3128', proxyFromEnvironment: true}",
            "remoteWrite.proxyFromEnvironment: cannot be set with proxyUrl"},
           {"loki: {url: http://x, noProxy: example.com}", "loki.noProxy: applies to proxyUrl, which is not set"},
           {"loki: {url: http://x, format: xml}", "loki.format: must be one of: protobuf, json"},
           {"loki: {url: http://x, batchSize: 1Zi}", "loki.batchSize: not a size"},
           {"loki: {url: http://x, tls: {caFile: [a]}}", "loki.tls.caFile: must be a string"},
           {"loki: {url: http://x, dockerLabels: [a]}", "loki.dockerLabels: must be an object"},
           {"loki: {url: http://x, minBackoff: 1m, maxBackoff: 1s}", "loki.maxBackoff: must not be less"},
           {"buffer: {maxBytes: 1000}", "buffer.maxBytes: must be at least 1Mi"},
           {"buffer: {fsync: sometimes}", "buffer.fsync: must be one of: always, interval, never"},
           {"buffer: {fsyncInterval: 0s}", "buffer.fsyncInterval: must be positive"},
           {"buffer: [1]", "buffer: must be an object"},
           {"memory: {limit: lots}", "memory.limit: not a size"},
           {"memory: {limit: 1Mi}", "memory.limit: must be at least 16Mi"},
           {"memory: {limitFraction: 1.5}", "memory.limitFraction: must be <= 0.95"},
           {"memory: {limitFraction: half}", "memory.limitFraction: must be a number"},
           {"memory: {checkInterval: 0s}", "memory.checkInterval: must be positive"},
           {"memory: {limitFaction: 0.5}", "memory.limitFaction: unknown field"},
           {"memory: 0.8", "memory: must be an object"}}) {
    auto parsed = Parse(c.yaml);
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_EQ(parsed.status().code(), fleet::Code::kInvalid);
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.yaml << " -> " << parsed.status().message();
  }
}

TEST(ParseBytes, Units) {
  struct Case { const char* text; uint64_t want; };
  for (const auto& c : std::vector<Case>{{"0", 0}, {"1048576", 1 << 20}, {"512Mi", 512ull << 20},
                                         {"1Gi", 1ull << 30}, {"100MB", 100000000}, {"64k", 64000}}) {
    auto got = ParseBytes(c.text);
    ASSERT_TRUE(got.ok()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
  for (const char* bad : {"", "Mi", "1.5Gi", "-1", "12 Mi"}) EXPECT_FALSE(ParseBytes(bad).ok()) << bad;
}

}  // namespace
}  // namespace agent
