// The AgentProfile CRD's spec, generated from the agent's config schema (agent_config.schema.yaml),
// so that a field a profile can set is declared once. The schema's x-vpsfleet-* extensions (the
// schema file's header lists them) say which fields a profile holds, which come from Secrets and
// which grammar a string follows; the CRD gets plain OpenAPI (patterns, no extensions), as
// Kubernetes accepts it.
#pragma once

#include <optional>
#include <string>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace agent {

// A field that a profile names as a Secret and the agent reads as a file
// (x-vpsfleet-profile: {secretRef, secretKey, description}).
struct SecretFileField {
  std::string ref_field;  // in the profile, e.g. passwordSecretRef
  std::string key;        // the Secret's key, e.g. password
  std::string description;
};

// The annotation of one agent schema field, or nullopt.
std::optional<SecretFileField> SecretFileOf(const fleet::Json& field);

// The profile's schema for one agent schema node (object, array, map or scalar).
fleet::Result<fleet::Json> ProfileSchemaOf(const fleet::Json& agent_schema, const std::string& path);

// The whole CRD: the template (crds/templates/agentprofiles.vpsfleet.io.yaml) with the spec
// marked x-vpsfleet-agent-config given every profile field of agent_schema. A field both in the
// template and the agent's schema is an error.
fleet::Result<fleet::Json> AgentProfileCrd(const fleet::Json& crd_template, const fleet::Json& agent_schema);

// The CRD as the committed YAML file: a header saying where it comes from, then ToYaml.
std::string AgentProfileCrdYaml(const fleet::Json& crd);

}  // namespace agent
