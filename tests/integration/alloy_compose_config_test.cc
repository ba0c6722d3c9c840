// The alloy-compose flavor's files as the real docker-compose reads them (Debian's docker-compose
// 1.29, and `docker compose` v2 where the plugin is installed): compose.yaml is valid, and the
// .env reaches Alloy's container exactly as rendered (quotes, spaces and `$` taken literally).
#include <gtest/gtest.h>

#include <filesystem>

#include "fleet/core/crypto.h"
#include "fleet/core/subprocess.h"
#include "fleet/core/yaml_codec.h"
#include "fleet/render.h"
#include "fleet/resource.h"
#include "tests/common/temp_dir.h"

namespace fleet {
namespace {

using namespace std::chrono_literals;

Json Parsed(const std::string& yaml) {
  auto docs = ParseYamlDocuments(yaml, "test");
  EXPECT_TRUE(docs.ok()) << docs.status().message();
  Json obj = (*docs)[0].object;
  EXPECT_TRUE(ValidateObject(obj, true).empty()) << obj.dump();
  return obj;
}

// The compose commands this machine has: v1, and v2 when `docker compose` answers.
std::vector<std::vector<std::string>> ComposeCommands() {
  std::vector<std::vector<std::string>> out;
  auto v1 = RunSubprocess({"docker-compose", "version", "--short"}, {});
  if (v1.ok() && v1->exit_code == 0) out.push_back({"docker-compose"});
  auto v2 = RunSubprocess({"docker", "compose", "version"}, {});
  if (v2.ok() && v2->exit_code == 0) out.push_back({"docker", "compose"});
  return out;
}

TEST(AlloyComposeFiles, DockerComposeAcceptsTheStackAndReadsTheEnvLiterally) {
  const auto commands = ComposeCommands();
  ASSERT_FALSE(commands.empty()) << "docker-compose is installed by scripts/install-deps.sh";
  testsupport::TempDir tmp;
  const std::string install_dir = tmp.path().string();
  const std::string password = "pa$$ word\"#x";
  Json host = Parsed("apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-1}\n"
                     "spec: {address: 10.0.0.1, profile: p, installDir: " + install_dir + "}\n");
  Json profile = Parsed(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: p}\nspec:\n"
      "  flavor: alloy-compose\n"
      "  remoteWrite: {url: 'http://mimir:9009/api/v1/push', basicAuth: {username: fleet, passwordSecretRef: auth}}\n"
      "  loki: {url: 'http://loki:3100/loki/api/v1/push'}\n");
  std::map<std::string, Json> secrets = {
      {"auth", {{"metadata", {{"name", "auth"}}}, {"data", {{"password", Base64Encode(password)}}}}}};
  auto rendered = RenderAgentConfig({&host, &profile, &secrets, "http://127.0.0.1:1"});
  ASSERT_TRUE(rendered.ok()) << rendered.status().message();
  for (const auto& [path, content] : rendered->files) tmp.Write(path.substr(install_dir.size() + 1), content);
  for (const auto& [path, content] : rendered->secret_files) tmp.Write(path.substr(install_dir.size() + 1), content, 0600);
  const std::string compose_file = tmp.Write("alloy-compose/compose.yaml", rendered->config);

  for (const auto& command : commands) {
    SCOPED_TRACE(command.back());
    std::vector<std::string> argv = command;
    for (const char* a : {"-p", "vpsfleet-web-1", "-f"}) argv.push_back(a);
    argv.push_back(compose_file);
    argv.push_back("config");
    auto config = RunSubprocess(argv, {.timeout = 60s});
    ASSERT_TRUE(config.ok()) << config.status().message();
    ASSERT_EQ(config->exit_code, 0) << config->err;
    auto normalized = ParseYamlDocuments(config->out, "compose config");
    ASSERT_TRUE(normalized.ok()) << config->out;
    const Json& services = (*normalized)[0].object["services"];
    for (const char* service : {"alloy", "node-exporter", "cadvisor"}) EXPECT_TRUE(services.contains(service)) << service;
    const Json& env = services["alloy"]["environment"];
    // As read: `config` prints each $ of a value as $$ (so the output reads back the same);
    // an interpolating parser would have made "$$" one "$".
    std::string printed = password;
    for (size_t at = printed.find('$'); at != std::string::npos; at = printed.find('$', at + 2)) printed.insert(at, "$");
    EXPECT_EQ(env["BASIC_AUTH_PASS"], printed) << config->out;
    EXPECT_EQ(env["BASIC_AUTH_USER"], "fleet");
    EXPECT_EQ(env["HOSTNAME"], "web-1");
    EXPECT_EQ(env["REMOTE_WRITE_URL"], "http://mimir:9009/api/v1/push");
    EXPECT_EQ(env["LOKI_URL"], "http://loki:3100/loki/api/v1/push");
    EXPECT_EQ(services["alloy"]["image"], "grafana/alloy:v1.8.3");
  }
}

}  // namespace
}  // namespace fleet
