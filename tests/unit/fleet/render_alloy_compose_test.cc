// The alloy-compose flavor's render: golden files for a realistic profile (regenerate with
// VPSFLEET_UPDATE_GOLDEN=1 after an intended change, and read the diff), config.alloy checked
// against Alloy's documented syntax, and a table of the profile's variations.
#include "fleet/render_alloy_compose.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/agent_config.h"
#include "fleet/core/crypto.h"
#include "fleet/resource.h"
#include "tests/unit/fleet/alloy_syntax.h"
#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

using testing::Yaml;

const std::string kGoldenDir = std::string(VPSFLEET_SOURCE_DIR) + "/tests/unit/fleet/testdata/alloy-compose";

Json Defaulted(Json obj) {
  EXPECT_TRUE(ValidateObject(obj, true).empty()) << obj.dump();
  return obj;
}

Json SecretObj(const std::string& name, const std::string& password) {
  return {{"apiVersion", kApiVersion}, {"kind", "Secret"}, {"metadata", {{"name", name}}},
          {"data", {{"password", Base64Encode(password)}}}};
}

std::string ReadGolden(const std::string& name) {
  std::ifstream in(kGoldenDir + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AlloyComposeRenderTest : public ::testing::Test {
 protected:
  Json host_ = Defaulted(Yaml(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: atl-chat}\n"
      "spec: {address: 10.0.0.1, profile: standard, installDir: /srv/agent, vars: {extraLabels: {tier: edge}}}\n"));
  Json profile_ = Defaulted(Yaml(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
      "  flavor: alloy-compose\n"
      "  job: integrations/vps\n"
      "  scrapeInterval: 30s\n"
      "  remoteWrite: {url: 'https://mimir.example.com/api/v1/push', basicAuth: {username: fleet, passwordSecretRef: central-auth},\n"
      "                externalLabels: {region: atl}}\n"
      "  loki: {url: 'https://loki.example.com/loki/api/v1/push', tenantId: ops,\n"
      "         basicAuth: {username: fleet, passwordSecretRef: central-auth}}\n"));
  std::map<std::string, Json> secrets_ = {{"central-auth", SecretObj("central-auth", "s3cret pass")},
                                          {"loki-auth", SecretObj("loki-auth", "l0ki")},
                                          {"quote", SecretObj("quote", "it's")}};

  Result<RenderedAgent> Render() {
    RenderInputs in{&host_, &profile_, &secrets_, "http://127.0.0.1:7070"};
    return RenderAgentConfig(in);
  }
  void Edit(const std::string& yaml_patch) {
    Json patch = Yaml(yaml_patch);
    profile_["spec"].merge_patch(patch);
    profile_ = Defaulted(profile_);
  }
  static const std::string& File(const RenderedAgent& r, const std::string& path) {
    if (path == r.config_path) return r.config;
    if (r.files.count(path)) return r.files.at(path);
    return r.secret_files.at(path);
  }
};

TEST_F(AlloyComposeRenderTest, MatchesTheGoldenFiles) {
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->flavor, kFlavorAlloyCompose);
  EXPECT_EQ(r->compose_project, "vpsfleet-atl-chat");
  EXPECT_EQ(r->config_path, "/srv/agent/alloy-compose/compose.yaml");
  ASSERT_EQ(r->files.size(), 1u);
  ASSERT_EQ(r->secret_files.size(), 1u) << ".env, 0600: it holds the password";
  const std::map<std::string, std::string> golden = {
      {"compose.yaml", r->config},
      {"config.alloy", r->files.at("/srv/agent/alloy-compose/config.alloy")},
      {"env", r->secret_files.at("/srv/agent/alloy-compose/.env")}};
  for (const auto& [name, content] : golden) {
    if (std::getenv("VPSFLEET_UPDATE_GOLDEN")) {
      std::filesystem::create_directories(kGoldenDir);
      std::ofstream(kGoldenDir + "/" + name) << content;
    }
    EXPECT_EQ(content, ReadGolden(name)) << name << " differs from " << kGoldenDir
                                         << " (VPSFLEET_UPDATE_GOLDEN=1 rewrites it)";
  }
  EXPECT_EQ(r->config.find("s3cret"), std::string::npos);
  EXPECT_EQ(r->files.begin()->second.find("s3cret"), std::string::npos) << "the password is only in .env";
}

TEST_F(AlloyComposeRenderTest, ConfigAlloyFollowsAlloysSyntaxAndReferencesOnlyDeclaredComponents) {
  const Json golden = profile_;
  for (const char* variant : {"{}", "{loki: null}", "{remoteWrite: null}",
                              "{loki: {basicAuth: {username: other, passwordSecretRef: loki-auth}}}"}) {
    SCOPED_TRACE(variant);
    profile_ = golden;
    Edit(variant);
    auto r = Render();
    ASSERT_TRUE(r.ok()) << r.status().message();
    const testing::AlloyFile parsed = testing::ParseAlloy(r->files.begin()->second);
    ASSERT_EQ(parsed.error, "") << r->files.begin()->second;
    for (const std::string& ref : parsed.references) {
      // component.name.label.export: the component must be declared in the file.
      const size_t last = ref.rfind('.');
      ASSERT_NE(last, std::string::npos) << ref;
      EXPECT_TRUE(parsed.components.count(ref.substr(0, last))) << ref << " names no declared component";
    }
    EXPECT_EQ(parsed.calls, std::set<std::string>{"sys.env"});
    const std::set<std::string> known = {"livedebugging", "prometheus.scrape", "prometheus.remote_write",
                                         "discovery.docker", "discovery.relabel", "loki.source.docker",
                                         "loki.write"};
    for (const std::string& block : parsed.blocks) {
      EXPECT_TRUE(known.count(block.substr(0, block.find(' ')))) << block;
    }
    EXPECT_EQ(parsed.blocks.front(), "livedebugging");
  }
  const testing::AlloyFile broken = testing::ParseAlloy("loki.write \"x\" {\n  url = \"a\\q\"\n}\n");
  EXPECT_EQ(broken.error, "line 2: unknown escape \\q") << "the checker can fail";
}

struct Variation {
  const char* name;
  const char* profile_patch;  // merged into the golden profile's spec
  std::vector<std::string> config_alloy_has, config_alloy_lacks, env_has, compose_has, compose_lacks;
};

TEST_F(AlloyComposeRenderTest, ProfileVariations) {
  const std::vector<Variation> table = {
      {"no basic auth anywhere", "{remoteWrite: {basicAuth: null}, loki: {basicAuth: null}}",
       {}, {"basic_auth"}, {"BASIC_AUTH_USER=''\n", "BASIC_AUTH_PASS=''\n"}, {}, {}},
      {"loki with its own credentials",
       "{loki: {basicAuth: {username: logs, passwordSecretRef: loki-auth}}}",
       {"sys.env(\"LOKI_BASIC_AUTH_USER\")", "sys.env(\"BASIC_AUTH_USER\")"}, {},
       {"BASIC_AUTH_USER='fleet'\n", "LOKI_BASIC_AUTH_USER='logs'\n", "LOKI_BASIC_AUTH_PASS='l0ki'\n"}, {}, {}},
      {"logs only: the shared credentials are loki's",
       "{remoteWrite: null, loki: {basicAuth: {username: logs, passwordSecretRef: loki-auth}}}",
       {"loki.write \"default\""}, {"prometheus.scrape", "LOKI_BASIC_AUTH"},
       {"BASIC_AUTH_USER='logs'\n", "REMOTE_WRITE_URL=''\n"}, {}, {}},
      {"a day's interval in Go's units", "{scrapeInterval: 1d}", {"scrape_interval = \"86400s\""}, {}, {}, {}, {}},
      {"sub-second interval", "{scrapeInterval: 1500ms}", {"scrape_interval = \"1500ms\""}, {}, {}, {}, {}},
      {"UI not published", "{alloyCompose: {uiListen: ''}}", {}, {}, {}, {}, {"ports"}},
      {"own images and project",
       "{alloyCompose: {project: alloy, uiListen: '0.0.0.0:9999', images: {alloy: 'registry.local/alloy:1', cadvisor: 'c:2'}}}",
       {}, {}, {},
       {"image: registry.local/alloy:1", "image: c:2", "image: prom/node-exporter:", "0.0.0.0:9999:12345"}, {}},
      {"a compose patch merged in: objects merge, arrays replace",
       "{alloyCompose: {composePatch: {services: {cadvisor: {privileged: false}, node-exporter: {volumes: ['/:/host:ro']}}}}}",
       {}, {}, {}, {"privileged: false", "- /:/host:ro\n", "/dev/kmsg"}, {"rslave"}},
      {"label values escaped for Alloy", "{remoteWrite: {externalLabels: {note: 'say \"hi\"\\'}}}",
       {"\"note\" = \"say \\\"hi\\\"\\\\\""}, {}, {}, {}, {}},
  };
  const Json golden = profile_;
  for (const Variation& v : table) {
    SCOPED_TRACE(v.name);
    profile_ = golden;
    Edit(v.profile_patch);
    auto r = Render();
    ASSERT_TRUE(r.ok()) << r.status().message();
    const std::string& alloy = r->files.begin()->second;
    const std::string& env = r->secret_files.begin()->second;
    for (const auto& s : v.config_alloy_has) EXPECT_NE(alloy.find(s), std::string::npos) << s << "\n" << alloy;
    for (const auto& s : v.config_alloy_lacks) EXPECT_EQ(alloy.find(s), std::string::npos) << s << "\n" << alloy;
    for (const auto& s : v.env_has) EXPECT_NE(env.find(s), std::string::npos) << s << "\n" << env;
    for (const auto& s : v.compose_has) EXPECT_NE(r->config.find(s), std::string::npos) << s << "\n" << r->config;
    for (const auto& s : v.compose_lacks) EXPECT_EQ(r->config.find(s), std::string::npos) << s << "\n" << r->config;
    EXPECT_EQ(testing::ParseAlloy(alloy).error, "");
  }
}

TEST_F(AlloyComposeRenderTest, ValuesTheEnvFileCannotCarryAreRefusedWithTheirField) {
  Edit("{remoteWrite: {basicAuth: {passwordSecretRef: quote}}}");
  auto r = Render();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("spec.remoteWrite.basicAuth.passwordSecretRef"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("it's"), std::string::npos) << "the password is not quoted back";

  Edit("{remoteWrite: {basicAuth: {passwordSecretRef: missing}}}");
  r = Render();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("spec.remoteWrite.basicAuth.passwordSecretRef: secret/missing not found"),
            std::string::npos) << r.status().message();
}

TEST_F(AlloyComposeRenderTest, FlavorIsPartOfTheRevisionAndTheAgentNeverSeesTheComposeFields) {
  auto compose = Render();
  ASSERT_TRUE(compose.ok());
  Edit("{flavor: fleet-agent}");
  auto agent = Render();
  ASSERT_TRUE(agent.ok()) << agent.status().message();
  EXPECT_EQ(agent->flavor, kFlavorFleetAgent);
  EXPECT_NE(agent->revision, compose->revision);
  Edit("{alloyCompose: {project: alloy}}");
  auto with_stack_fields = Render();
  ASSERT_TRUE(with_stack_fields.ok());
  EXPECT_EQ(with_stack_fields->config, agent->config) << "alloyCompose does not reach the agent";
  EXPECT_TRUE(agent::ParseConfig(with_stack_fields->config, "config.yaml").ok());
  // Same inputs, same bytes.
  Edit("{flavor: alloy-compose, alloyCompose: null}");
  auto again = Render();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revision, compose->revision);
  EXPECT_EQ(again->config, compose->config);
}

TEST(AlloyQuote, EscapesAsGoStringLiterals) {
  EXPECT_EQ(AlloyQuote("plain"), "\"plain\"");
  EXPECT_EQ(AlloyQuote("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  EXPECT_EQ(AlloyQuote("naïve"), "\"naïve\"");
}

}  // namespace
}  // namespace fleet
