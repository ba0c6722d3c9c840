#include "fleet/render.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "fleet/core/crypto.h"
#include "fleet/resource.h"
#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

using testing::Yaml;

Json Defaulted(Json obj) {
  EXPECT_TRUE(ValidateObject(obj, true).empty());
  return obj;
}

Json SecretObj(const std::string& name, const std::map<std::string, std::string>& values) {
  Json s = {{"apiVersion", kApiVersion}, {"kind", "Secret"}, {"metadata", {{"name", name}}}};
  for (const auto& [k, v] : values) s["data"][k] = Base64Encode(v);
  return s;
}

class RenderTest : public ::testing::Test {
 public:  // the table of changes below edits the inputs
  Json host_ = Defaulted(Yaml(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: atl-chat}\n"
      "spec: {address: 10.0.0.1, profile: standard, installDir: /srv/agent, vars: {extraLabels: {tier: edge}}}\n"));
  Json profile_ = Defaulted(Yaml(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
      "  job: integrations/vps\n"
      "  remoteWrite: {url: 'http://mimir:8080/api/v1/push', basicAuth: {username: m, passwordSecretRef: central-auth}}\n"
      "  loki: {url: 'http://loki:3100/loki/api/v1/push', basicAuth: {username: m, passwordSecretRef: central-auth}}\n"));
  std::map<std::string, Json> secrets_ = {{"central-auth", SecretObj("central-auth", {{"password", "s3cret"}})}};

  std::string agent_version_ = "0.1.0", agent_digest_ = "d-0.1.0";
  std::string controller_ca_;

  Result<RenderedAgent> Render() {
    RenderInputs in{&host_, &profile_, &secrets_, "http://127.0.0.1:7070"};
    in.controller_ca = controller_ca_;
    in.agent_version = agent_version_;
    in.agent_bundle_digest = agent_digest_;
    return RenderAgentConfig(in);
  }
};

TEST_F(RenderTest, SecretsBecomeFilesAndNeverAppearInTheConfig) {
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.find("s3cret"), std::string::npos);
  EXPECT_EQ(r->config_path, "/srv/agent/config.yaml");
  ASSERT_EQ(r->secret_files.size(), 1u);
  EXPECT_EQ(r->secret_files.at("/srv/agent/secrets/central-auth.password"), "s3cret");
  auto parsed = ParseYamlDocuments(r->config, "config.yaml");
  ASSERT_TRUE(parsed.ok());
  const Json& c = (*parsed)[0].object;
  EXPECT_EQ(c["kind"], "AgentConfig");
  EXPECT_EQ(c["instance"], "atl-chat");
  EXPECT_EQ(c["job"], "integrations/vps");
  EXPECT_EQ(c["revision"], r->revision);
  EXPECT_EQ(c["remoteWrite"]["basicAuth"]["passwordFile"], "/srv/agent/secrets/central-auth.password");
  EXPECT_FALSE(c["remoteWrite"]["basicAuth"].contains("passwordSecretRef"));
  EXPECT_EQ(c["remoteWrite"]["externalLabels"]["tier"], "edge");
  EXPECT_EQ(c["loki"]["externalLabels"]["tier"], "edge");
  EXPECT_EQ(c["controller"]["tokenFile"], "/srv/agent/secrets/controller-token");
  EXPECT_EQ(c["buffer"]["dir"], "/srv/agent/buffer");
  EXPECT_FALSE(c.contains("http")) << "no listener override unless the host asks";
}

TEST_F(RenderTest, MemorySectionReachesTheAgentWithItsDefaults) {
  profile_["spec"]["memory"] = {{"limit", "256Mi"}};
  profile_ = Defaulted(profile_);
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto parsed = ParseYamlDocuments(r->config, "config.yaml");
  ASSERT_TRUE(parsed.ok());
  const Json& memory = (*parsed)[0].object["memory"];
  EXPECT_EQ(memory["limit"], "256Mi");
  EXPECT_EQ(memory["limitFraction"], 0.8);
  EXPECT_EQ(memory["checkInterval"], "500ms");
}

TEST_F(RenderTest, FieldsTheCrdNoLongerDeclaresAreNotRendered) {
  // As stored by a controller whose CRD still defaulted remoteWrite.queue.capacity.
  profile_["spec"]["remoteWrite"]["queue"] = {{"capacity", 10000}, {"maxSamplesPerSend", 500}};
  profile_["spec"]["retired"] = {{"field", true}};
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto parsed = ParseYamlDocuments(r->config, "config.yaml");
  ASSERT_TRUE(parsed.ok());
  const Json& c = (*parsed)[0].object;
  EXPECT_EQ(c["remoteWrite"]["queue"], Json({{"maxSamplesPerSend", 500}}));
  EXPECT_FALSE(c.contains("retired"));
  EXPECT_EQ(c["remoteWrite"]["basicAuth"]["username"], "m") << "declared fields stay";
  EXPECT_EQ(c["remoteWrite"]["externalLabels"]["tier"], "edge");
}

TEST(PruneUnknownFields, KeepsWhatTheSchemaDeclaresOrPreserves) {
  const Json schema = Yaml(R"(
type: object
properties:
  kept: {type: string}
  nested: {type: object, properties: {a: {type: integer}}}
  list: {type: array, items: {type: object, properties: {x: {type: string}}}}
  labels: {type: object, additionalProperties: {type: string}}
  free: {type: object, x-kubernetes-preserve-unknown-fields: true}
  open: {type: object, additionalProperties: true}
)");
  Json value = Yaml(R"(
kept: k
gone: g
nested: {a: 1, b: 2}
list: [{x: "1", y: "2"}, {z: 3}]
labels: {any: thing}
free: {anything: {goes: 1}}
open: {also: 2}
)");
  PruneUnknownFields(schema, value);
  EXPECT_EQ(value, Yaml(R"(
kept: k
nested: {a: 1}
list: [{x: "1"}, {}]
labels: {any: thing}
free: {anything: {goes: 1}}
open: {also: 2}
)"));
}

// The paths of before that after lacks (the highest of each removed subtree).
void RemovedPaths(const Json& before, const Json& after, const std::string& path, std::set<std::string>* out) {
  if (before.is_object()) {
    for (const auto& [key, value] : before.items()) {
      const std::string child = JoinPath(path, key);
      if (!after.contains(key)) out->insert(child);
      else RemovedPaths(value, after[key], child, out);
    }
  } else if (before.is_array()) {
    for (size_t i = 0; i < before.size(); ++i) RemovedPaths(before[i], after[i], JoinPath(path, i), out);
  }
}

// Validation reports as unknown exactly the fields pruning drops: both walk the schema the same
// way (properties, additionalProperties, items, and what keeps unknown fields).
TEST(PruneUnknownFields, DropsWhatValidationCallsUnknown) {
  // Unknown fields under each way a schema declares or keeps them, at every depth; the objects
  // that keep unknown fields also declare some, whose own unknown fields are not kept.
  const Json inner = Yaml("{type: object, properties: {a: {type: integer}}}");
  const Json schema = {
      {"type", "object"},
      {"properties",
       {{"kept", {{"type", "string"}}},
        {"nested", inner},
        {"list", {{"type", "array"}, {"items", Yaml("{type: object, properties: {x: {type: string}}}")}}},
        {"labels", {{"type", "object"}, {"additionalProperties", Yaml("{type: object, properties: {v: {type: string}}}")}}},
        {"closed", {{"type", "object"}, {"additionalProperties", false}, {"properties", {{"a", {{"type", "integer"}}}}}}},
        {"free", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}, {"properties", {{"inner", inner}}}}},
        {"open", {{"type", "object"}, {"additionalProperties", true}, {"properties", {{"inner", inner}}}}},
        {"matrix", {{"type", "array"}, {"items", {{"type", "array"}, {"items", inner}}}}}}}};
  struct Row {
    const char* value;
    std::set<std::string> unknown;
  };
  const Row rows[] = {
      {"kept: k\nnested: {a: 1}\n", {}},
      {"kept: k\ngone: g\n", {"gone"}},
      {"nested: {a: 1, b: {deep: 2}}\n", {"nested.b"}},
      {"list: [{x: '1', y: '2'}, {z: 3}]\n", {"list[0].y", "list[1].z"}},
      {"labels: {any: {v: a, w: b}}\n", {"labels.any.w"}},
      {"closed: {a: 1, b: 2}\n", {"closed.b"}},
      {"free: {anything: 1, inner: {a: 1, b: 2}}\n", {"free.inner.b"}},
      {"open: {also: 2, inner: {a: 1, c: 3}}\n", {"open.inner.c"}},
      {"matrix: [[{a: 1, y: 2}], [{a: 2}, {z: 1}]]\n", {"matrix[0][0].y", "matrix[1][1].z"}},
  };
  for (const auto& row : rows) {
    Json validated = Yaml(row.value);
    std::vector<FieldError> errors;
    ValidateSchema(schema, validated, "", false, &errors);
    std::set<std::string> reported;
    for (const auto& e : errors) {
      EXPECT_EQ(e.reason, std::string(kFieldValueUnknown)) << row.value << ": " << e.ToString();
      reported.insert(e.path);
    }
    Json pruned = Yaml(row.value);
    PruneUnknownFields(schema, pruned);
    std::set<std::string> dropped;
    RemovedPaths(Yaml(row.value), pruned, "", &dropped);
    EXPECT_EQ(reported, row.unknown) << row.value;
    EXPECT_EQ(dropped, row.unknown) << row.value;
    // What is left is valid.
    errors.clear();
    ValidateSchema(schema, pruned, "", false, &errors);
    EXPECT_TRUE(errors.empty()) << row.value << ": " << errors.front().ToString();
  }
}

TEST_F(RenderTest, HostCanOverrideTheListenAddress) {
  host_["spec"]["vars"]["httpListen"] = "127.0.0.1:23456";
  auto r = Render();
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->config.find("listen: 127.0.0.1:23456"), std::string::npos) << r->config;
}

TEST_F(RenderTest, ProfileTurnsOnTheLiveView) {
  profile_["spec"]["debug"] = {{"liveView", true}};
  profile_ = Defaulted(profile_);
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto parsed = ParseYamlDocuments(r->config, "config.yaml");
  ASSERT_TRUE(parsed.ok());
  const Json& c = (*parsed)[0].object;
  EXPECT_EQ(c["debug"]["liveView"], true) << r->config;
  EXPECT_EQ(c["debug"]["liveViewEntries"], 100) << "the CRD's default";
}

TEST_F(RenderTest, SameInputsSameBytesAnyChangeNewRevision) {
  auto a = Render(), b = Render();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->config, b->config);
  EXPECT_EQ(a->revision.size(), 12u);
  struct Change {
    const char* what;
    std::function<void(RenderTest*)> apply;
  };
  const Change changes[] = {
      {"profile field", [](RenderTest* t) { t->profile_["spec"]["scrapeInterval"] = "30s"; }},
      {"secret value", [](RenderTest* t) { t->secrets_["central-auth"] = SecretObj("central-auth", {{"password", "new"}}); }},
      {"host vars", [](RenderTest* t) { t->host_["spec"]["vars"]["extraLabels"]["tier"] = "core"; }},
      {"agent version", [](RenderTest* t) { t->agent_version_ = "0.2.0", t->agent_digest_ = "d-0.2.0"; }},
      {"agent bundle rebuilt, same version", [](RenderTest* t) { t->agent_digest_ = "d-0.2.0-rebuilt"; }},
      {"controller CA delivered", [](RenderTest* t) { t->controller_ca_ = "-----BEGIN CERTIFICATE-----\nA\n"; }},
      {"controller CA replaced", [](RenderTest* t) { t->controller_ca_ = "-----BEGIN CERTIFICATE-----\nB\n"; }},
  };
  std::set<std::string> seen = {a->revision};
  for (const auto& c : changes) {
    c.apply(this);
    auto r = Render();
    ASSERT_TRUE(r.ok()) << c.what;
    EXPECT_TRUE(seen.insert(r->revision).second) << c.what << " did not change the revision";
  }
}

TEST_F(RenderTest, ControllerCaIsAFileTheConfigNames) {
  auto without = Render();
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(Yaml(without->config)["controller"].contains("caFile")) << "the host's roots";
  controller_ca_ = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  auto with = Render();
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(Yaml(with->config)["controller"]["caFile"], "/srv/agent/secrets/controller-ca.crt");
  EXPECT_EQ(with->secret_files.at("/srv/agent/secrets/controller-ca.crt"), controller_ca_);
}

TEST_F(RenderTest, AgentVersionIsCarriedButNotWrittenIntoTheConfig) {
  auto with = Render();
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->agent_version, "0.1.0");
  agent_version_ = agent_digest_ = "";
  auto without = Render();
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->agent_version, "");
  // The config differs only in its revision line: the agent config has no version field.
  std::string a = with->config, b = without->config;
  a.replace(a.find(with->revision), 12, "REV");
  b.replace(b.find(without->revision), 12, "REV");
  EXPECT_EQ(a, b);
}

TEST_F(RenderTest, ListenerAuthAndTlsComeFromSecrets) {
  profile_ = Defaulted(Yaml(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
      "  http:\n"
      "    basicAuth: {username: ops, passwordSecretRef: listener-auth}\n"
      "    unauthenticatedPaths: [/metrics, /-/healthy]\n"
      "    tls: {secretRef: listener-tls, minVersion: TLS13}\n"));
  // Hostile values: YAML and shell metacharacters, newlines; none may reach the config.
  const std::string password = "p: 'x\"\n$(id)";
  const std::string key = "-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n";
  secrets_["listener-auth"] = SecretObj("listener-auth", {{"password", password}});
  secrets_["listener-tls"] = SecretObj("listener-tls", {{"tls.crt", "CERT"}, {"tls.key", key}});
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const std::string& secret : {password, key, std::string("$(id)"), std::string("AAA")}) {
    EXPECT_EQ(r->config.find(secret), std::string::npos) << secret << " in\n" << r->config;
  }
  EXPECT_EQ(r->secret_files.at("/srv/agent/secrets/listener-auth.password"), password);
  EXPECT_EQ(r->secret_files.at("/srv/agent/secrets/listener-tls.tls.crt"), "CERT");
  EXPECT_EQ(r->secret_files.at("/srv/agent/secrets/listener-tls.tls.key"), key);
  auto parsed = ParseYamlDocuments(r->config, "config.yaml");
  ASSERT_TRUE(parsed.ok());
  const Json& http = (*parsed)[0].object["http"];
  EXPECT_EQ(http["basicAuth"], Json({{"username", "ops"},
                                      {"passwordFile", "/srv/agent/secrets/listener-auth.password"}}));
  EXPECT_EQ(http["unauthenticatedPaths"], Json({"/metrics", "/-/healthy"}));
  EXPECT_EQ(http["tls"], Json({{"certFile", "/srv/agent/secrets/listener-tls.tls.crt"},
                                {"keyFile", "/srv/agent/secrets/listener-tls.tls.key"},
                                {"minVersion", "TLS13"}}));
  EXPECT_EQ(http["listen"], "127.0.0.1:12345") << "the CRD default";

  // A changed listener password is a new revision (the agent must restart to use it).
  const std::string before = r->revision;
  secrets_["listener-auth"] = SecretObj("listener-auth", {{"password", "other"}});
  auto again = Render();
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->revision, before);

  secrets_.erase("listener-tls");
  auto missing = Render();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "spec.http.tls.secretRef: secret/listener-tls not found");
}

TEST_F(RenderTest, MissingSecretNamesTheField) {
  secrets_.clear();
  auto r = Render();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  // The first reference in the schema's (name) order: loki before remoteWrite.
  EXPECT_EQ(r.status().message(), "spec.loki.basicAuth.passwordSecretRef: secret/central-auth not found");
}

}  // namespace
}  // namespace fleet

namespace fleet {
namespace {

// Mutual TLS, bearer tokens and proxy credentials on the push endpoints: Secrets in the profile,
// files on the host.
TEST_F(RenderTest, EndpointClientCertificatesBearerTokensAndProxyCredentialsBecomeSecretFiles) {
  profile_ = Defaulted(Yaml(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
      "  remoteWrite: {url: 'https://mimir:8080/api/v1/push', tls: {caSecretRef: central-ca, certSecretRef: agent-cert}}\n"
      "  loki: {url: 'https://loki:3100/loki/api/v1/push', bearerTokenSecretRef: loki-token,\n"
      "         proxyUrl: 'http://proxy:3128', proxyBasicAuth: {username: fleet, passwordSecretRef: proxy-auth}}\n"));
  secrets_["central-ca"] = SecretObj("central-ca", {{"ca.crt", "CA"}});
  secrets_["agent-cert"] = SecretObj("agent-cert", {{"tls.crt", "CERT"}, {"tls.key", "KEY"}});
  secrets_["loki-token"] = SecretObj("loki-token", {{"token", "t0ken"}});
  secrets_["proxy-auth"] = SecretObj("proxy-auth", {{"password", "pr0xy"}});
  auto r = Render();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->secret_files.at("/srv/agent/secrets/agent-cert.tls.key"), "KEY");
  EXPECT_EQ(r->secret_files.at("/srv/agent/secrets/loki-token.token"), "t0ken");
  auto parsed = ParseYamlDocuments(r->config, "config.yaml");
  ASSERT_TRUE(parsed.ok());
  const Json& c = (*parsed)[0].object;
  EXPECT_EQ(c["remoteWrite"]["tls"], Json({{"caFile", "/srv/agent/secrets/central-ca.ca.crt"},
                                           {"certFile", "/srv/agent/secrets/agent-cert.tls.crt"},
                                           {"keyFile", "/srv/agent/secrets/agent-cert.tls.key"},
                                           {"insecureSkipVerify", false}}));
  EXPECT_EQ(c["loki"]["bearerTokenFile"], "/srv/agent/secrets/loki-token.token");
  EXPECT_EQ(c["loki"]["proxyBasicAuth"], Json({{"username", "fleet"}, {"passwordFile", "/srv/agent/secrets/proxy-auth.password"}}));
  for (const char* secret : {"t0ken", "pr0xy", "KEY"}) EXPECT_EQ(r->config.find(secret), std::string::npos) << secret;

  secrets_.erase("agent-cert");
  auto missing = Render();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "spec.remoteWrite.tls.certSecretRef: secret/agent-cert not found");
}

}  // namespace
}  // namespace fleet
