// The AgentProfile CRD generated from the agent's config schema (agent/config/profile_crd.h): what
// each x-vpsfleet-* extension becomes, that the patterns it writes accept what the agent's own
// parsers accept, that a new field needs one schema edit, and that the committed CRD is current.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent/config/agent_config.h"
#include "agent/config/profile_crd.h"
#include "fleet/core/schema.h"
#include "fleet/core/text.h"
#include "fleet/resource.h"

namespace agent {
namespace {

using fleet::Json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json Yaml(const std::string& text) {
  auto docs = fleet::ParseYamlDocuments(text, "test");
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  return docs.ok() && !docs->empty() ? docs->front().object : Json();
}

Json Profile(const std::string& agent_schema_yaml) {
  auto schema = ProfileSchemaOf(Yaml(agent_schema_yaml), "");
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return schema.ok() ? *schema : Json();
}

TEST(AgentProfileCrd, ControllerSetFieldsAreNotInAProfile) {
  const Json p = Profile(R"(type: object
required: [kind, job]
properties:
  kind: {x-vpsfleet-profile: omit, type: string}
  job: {type: string}
  controller: {x-vpsfleet-profile: omit, type: object, properties: {url: {type: string}}})");
  EXPECT_EQ(p["properties"], Yaml("job: {type: string}"));
  EXPECT_EQ(p["required"], Json::array({"job"}));
}

TEST(AgentProfileCrd, FileFieldsBecomeSecretReferences) {
  const Json p = Profile(R"(type: object
required: [certFile, keyFile]
properties:
  certFile: {x-vpsfleet-profile: {secretRef: secretRef, secretKey: tls.crt, description: A tls Secret.}, type: string}
  keyFile: {x-vpsfleet-profile: {secretRef: secretRef, secretKey: tls.key, description: A tls Secret.}, type: string}
  minVersion: {type: string, default: TLS12})");
  EXPECT_EQ(p["properties"]["secretRef"],
            Yaml(R"({description: A tls Secret., type: string, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63})"));
  EXPECT_FALSE(p["properties"].contains("certFile"));
  EXPECT_FALSE(p["properties"].contains("keyFile"));
  EXPECT_EQ(p["required"], Json::array({"secretRef"}));  // two file fields, one reference
}

TEST(AgentProfileCrd, DefaultsThatChangeBehaviourAreKept) {
  const Json p = Profile(R"(type: object
default: {}
properties:
  level: {type: string, default: info}
  tenant: {type: string, default: ""}
  headers: {type: object, default: {}, additionalProperties: {type: string}}
  paths: {type: array, default: [], items: {type: string}}
  exclude: {x-vpsfleet-profile: noDefault, type: string, default: "^lo$"})");
  EXPECT_FALSE(p.contains("default"));
  EXPECT_EQ(p["properties"]["level"]["default"], "info");
  for (const char* field : {"tenant", "headers", "paths", "exclude"}) {
    EXPECT_FALSE(p["properties"][field].contains("default")) << field;
  }
}

TEST(AgentProfileCrd, FormatsBecomePatternsAndExtensionsAreStripped) {
  const Json p = Profile(R"(type: object
properties:
  interval: {x-vpsfleet-format: duration, type: string}
  listen: {x-vpsfleet-format: hostPort, type: string}
  labels: {type: object, additionalProperties: {x-vpsfleet-format: labelName, type: string}}
  paths: {type: array, items: {x-vpsfleet-format: absolutePath, type: string}})");
  EXPECT_TRUE(p["properties"]["interval"].contains("pattern"));
  EXPECT_EQ(p["properties"]["interval"]["minLength"], 2);
  EXPECT_EQ(p["properties"]["listen"]["pattern"], "^[^\\s]*:[0-9]{1,5}$");
  EXPECT_EQ(p["properties"]["labels"]["additionalProperties"]["pattern"], "^[a-zA-Z_][a-zA-Z0-9_]*$");
  EXPECT_EQ(p["properties"]["paths"]["items"]["pattern"], "^/.*$");
  EXPECT_EQ(fleet::DumpJson(p).find("x-vpsfleet"), std::string::npos) << fleet::DumpJson(p);
}

TEST(AgentProfileCrd, SchemaMistakesAreRefused) {
  const struct {
    const char* schema;
    const char* error;
  } kCases[] = {
      {"{type: object, properties: {a: {x-vpsfleet-format: colour, type: string}}}", "a: unknown x-vpsfleet-format colour"},
      {"{type: object, properties: {a: {x-vpsfleet-format: url, pattern: '^x', type: string}}}", "a: has both a pattern and a format"},
      {"{type: object, properties: {a: {x-vpsfleet-profile: {secretRef: r}, type: string}}}", "a: a Secret file field needs secretRef and secretKey"},
      {"{type: object, properties: {a: {x-vpsfleet-profile: {secretRef: r, secretKey: k, description: one}, type: string}, "
       "b: {x-vpsfleet-profile: {secretRef: r, secretKey: l, description: two}, type: string}}}",
       "b: fields from one Secret (r) disagree"},
  };
  for (const auto& c : kCases) {
    auto schema = ProfileSchemaOf(Yaml(c.schema), "");
    ASSERT_FALSE(schema.ok()) << c.schema;
    EXPECT_NE(schema.status().message().find(c.error), std::string::npos) << schema.status().message();
  }
}

// The CRD's pattern for a format accepts exactly what the agent's parser for it accepts, so the
// API refuses at apply what a host would refuse.
TEST(AgentProfileCrd, PatternsAcceptWhatTheAgentAccepts) {
  const Json profile = *ProfileSchemaOf(AgentConfigSchema(), "");
  const Json duration = profile["properties"]["scrapeInterval"];
  for (const char* text : {"15s", "1m30s", "500ms", "2h45m", "1d", "1w", "1y", "1y2w3d4h5m6s7ms",
                           "", "5", "s", "ms", "1.5s", "1s1m", "1m1m", "-1s", "15 s", "1sms"}) {
    Json value = text;
    std::vector<fleet::FieldError> errors;
    fleet::ValidateSchema(duration, value, "scrapeInterval", false, &errors);
    EXPECT_EQ(errors.empty(), ParseDuration(text).ok()) << "\"" << text << "\"";
  }
  const Json bytes = profile["properties"]["buffer"]["properties"]["maxBytes"];
  for (const char* text : {"1048576", "512Mi", "1Gi", "1GB", "10k", "", "1.5Gi", "1gi", "Mi", "1 Mi", "-1"}) {
    Json value = text;
    std::vector<fleet::FieldError> errors;
    fleet::ValidateSchema(bytes, value, "buffer.maxBytes", false, &errors);
    EXPECT_EQ(errors.empty(), ParseBytes(text).ok()) << "\"" << text << "\"";
  }
}

// Adding a field to the agent's schema is what puts it in the AgentProfile CRD: no second edit.
TEST(AgentProfileCrd, ANewAgentFieldIsInTheCrdWithNoOtherEdit) {
  Json agent_schema = AgentConfigSchema();
  agent_schema["properties"]["exporter"] = Yaml(R"(type: object
default: {}
properties:
  depth: {type: integer, minimum: 1, default: 3}
  every: {x-vpsfleet-format: duration, type: string, default: 1m}
  tokenFile: {x-vpsfleet-profile: {secretRef: tokenSecretRef, secretKey: token, description: The token's Secret.}, type: string})");
  const Json crd_template = Yaml(ReadFile(std::string(VPSFLEET_SOURCE_DIR) + "/crds/templates/agentprofiles.vpsfleet.io.yaml"));
  auto crd = AgentProfileCrd(crd_template, agent_schema);
  ASSERT_TRUE(crd.ok()) << crd.status().ToString();
  const Json spec = (*crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
  const Json exporter = spec["properties"]["exporter"]["properties"];
  EXPECT_EQ(exporter["depth"]["default"], 3);
  EXPECT_EQ(exporter["every"]["default"], "1m");
  EXPECT_TRUE(exporter.contains("tokenSecretRef"));
  EXPECT_FALSE(exporter.contains("tokenFile"));
  EXPECT_TRUE(spec["properties"].contains("agent")) << "the template's own field";
  EXPECT_FALSE(spec.contains("x-vpsfleet-agent-config"));

  // A profile field the template declares too is a conflict, not an overwrite.
  agent_schema["properties"]["agent"] = Yaml("{type: string}");
  EXPECT_FALSE(AgentProfileCrd(crd_template, agent_schema).ok());
}

TEST(AgentProfileCrd, TheControllerValidatesProfilesWithTheGeneratedCrd) {
  const fleet::KindInfo* kind = fleet::FindKind("AgentProfile");
  ASSERT_NE(kind, nullptr);
  const Json spec = kind->schema["properties"]["spec"]["properties"];
  EXPECT_EQ(spec["scrapeInterval"]["pattern"], ProfileSchemaOf(AgentConfigSchema(), "")->at("properties")["scrapeInterval"]["pattern"]);
  EXPECT_EQ(spec["buffer"]["properties"]["fsync"]["default"], "interval");
  EXPECT_FALSE(spec["buffer"]["properties"]["dir"].contains("default")) << "the renderer's <installDir>/buffer";
  EXPECT_TRUE(spec["http"]["properties"]["tls"]["properties"].contains("secretRef"));
  EXPECT_FALSE(spec.contains("controller"));
  EXPECT_FALSE(spec.contains("revision"));
}

TEST(AgentProfileCrd, TheCommittedCrdIsTheGeneratedOne) {
  const std::string committed = ReadFile(std::string(VPSFLEET_SOURCE_DIR) + "/crds/agentprofiles.vpsfleet.io.yaml");
  const std::string generated = ReadFile(std::string(VPSFLEET_BINARY_DIR) + "/crds/agentprofiles.vpsfleet.io.yaml");
  ASSERT_FALSE(generated.empty());
  EXPECT_TRUE(committed == generated)
      << "crds/agentprofiles.vpsfleet.io.yaml is stale; regenerate it with: cmake --build build --target regenerate";
}

}  // namespace
}  // namespace agent
