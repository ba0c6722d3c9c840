// The agent config schema (agent/config/agent_config.schema.yaml) against what depends on it: the
// collector table, the examples and test profiles rendered as the controller does, and the
// generated reference in docs/ (the AgentProfile CRD generated from it: profile_crd_test.cc).
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "agent/collectors/collectors.h"
#include "agent/collector.h"
#include "agent/config/agent_config.h"
#include "fleet/core/crypto.h"
#include "fleet/core/text.h"
#include "fleet/render.h"
#include "fleet/resource.h"

namespace agent {
namespace {

using fleet::Json;

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(VPSFLEET_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AgentConfigSchema, CollectorNamesAreTheCollectorTable) {
  std::vector<std::string> table;
  for (const auto& entry : HostCollectors()) table.push_back(entry.name);
  std::sort(table.begin(), table.end());
  const Json collectors = AgentConfigSchema()["properties"]["collectors"]["properties"];
  for (const char* list : {"enabled", "disabled"}) {
    EXPECT_EQ(collectors[list]["items"]["enum"].get<std::vector<std::string>>(), table) << list;
  }
}

// Every AgentProfile of the examples and of the test YAML, stored (defaulted) and rendered for a
// host as the controller does, is a config the agent accepts.
TEST(AgentConfigSchema, EveryExampleAndTestProfileRendersToAConfigTheAgentParses) {
  int rendered = 0;
  for (const char* file : {"examples/hosts.yaml", "tests/fuzz/corpus/yaml_codec/examples-hosts.yaml",
                           "tests/fuzz/corpus/yaml_codec/examples-hosts-2.yaml"}) {
    SCOPED_TRACE(file);
    auto docs = fleet::ParseYamlDocuments(ReadSource(file), file);
    ASSERT_TRUE(docs.ok()) << docs.status().ToString();
    {
      const auto causes = fleet::ValidateDocuments(*docs, true);
      ASSERT_TRUE(causes.empty()) << causes.front().ToString();
    }
    for (const auto& doc : *docs) {
      if (doc.object["kind"] != "AgentProfile") continue;
      // Every Secret a profile names, with every key the renderer may read.
      std::map<std::string, Json> secrets;
      const Json fields = doc.object["spec"].flatten();
      for (const auto& [path, value] : fields.items()) {
        if (path.ends_with("SecretRef") || path.ends_with("secretRef")) {
          Json data;
          for (const char* key : {"password", "ca.crt", "tls.crt", "tls.key"}) {
            data[key] = fleet::Base64Encode("x");
          }
          secrets[value.get<std::string>()] = {{"data", data}};
        }
      }
      const Json host = {{"metadata", {{"name", "web-1"}}},
                         {"spec", {{"vars", {{"extraLabels", {{"tier", "edge"}}}}}}}};
      fleet::RenderInputs inputs{&host, &doc.object, &secrets, "https://ctl:8443", "15s"};
      auto config = fleet::RenderAgentConfig(inputs);
      ASSERT_TRUE(config.ok()) << config.status().ToString();
      auto parsed = ParseConfig(config->config, "rendered");
      EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << config->config;
      ++rendered;
    }
  }
  EXPECT_GE(rendered, 3);
}

// The buffer's fsync, the push timeouts and Loki's backoff, once settable only in a hand-written
// agent config, reach the agent from a profile.
TEST(AgentConfigSchema, BufferFsyncTimeoutsAndLokiBackoffAreSetFromAProfile) {
  auto docs = fleet::ParseYamlDocuments(R"(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: tuned}
spec:
  remoteWrite: {url: "http://mimir/api/v1/push", timeout: 10s}
  loki: {url: "http://loki/loki/api/v1/push", timeout: 20s, minBackoff: 1s, maxBackoff: 2m, batchSize: 256Ki}
  buffer: {fsync: never, fsyncInterval: 3s}
)", "profile.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  {
    const auto causes = fleet::ValidateDocuments(*docs, true);
    ASSERT_TRUE(causes.empty()) << causes.front().ToString();
  }
  const Json host = {{"metadata", {{"name", "web-1"}}}, {"spec", Json::object()}};
  const std::map<std::string, Json> secrets;
  auto rendered = fleet::RenderAgentConfig({&host, &docs->front().object, &secrets, "https://ctl", "15s"});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  auto config = ParseConfig(rendered->config, "rendered");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->forward.remote_write->endpoint.timeout, std::chrono::seconds(10));
  EXPECT_EQ(config->forward.loki->endpoint.timeout, std::chrono::seconds(20));
  EXPECT_EQ(config->forward.loki->min_backoff, std::chrono::seconds(1));
  EXPECT_EQ(config->forward.loki->max_backoff, std::chrono::minutes(2));
  EXPECT_EQ(config->forward.loki->batch_size, 256u << 10);
  EXPECT_EQ(config->forward.buffer.fsync, FsyncPolicy::kNever);
  EXPECT_EQ(config->forward.buffer.fsync_interval, std::chrono::seconds(3));
}

TEST(AgentConfigSchema, DocsAgentConfigMdIsGeneratedFromIt) {
  EXPECT_TRUE(ReadSource("docs/agent-config.md") == ConfigReferenceMarkdown())
      << "docs/agent-config.md is stale; regenerate it with: cmake --build build --target regenerate";
}

}  // namespace
}  // namespace agent
