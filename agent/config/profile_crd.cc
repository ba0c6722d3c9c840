#include "agent/config/profile_crd.h"

#include <algorithm>
#include <map>
#include <optional>

namespace agent {
namespace {

using fleet::Json;

constexpr const char* kProfile = "x-vpsfleet-profile";
constexpr const char* kFormat = "x-vpsfleet-format";
constexpr const char* kTemplateMarker = "x-vpsfleet-agent-config";

// The pattern each x-vpsfleet-format stands for in the CRD: what the API can refuse at apply of
// what the agent's own checks (agent_config.cc) would refuse on the host. Durations are
// Prometheus's (units in descending order, each at most once).
const std::map<std::string, std::string>& FormatPatterns() {
  static const std::map<std::string, std::string> kPatterns = {
      {"duration", "^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$"},
      {"bytes", "^[0-9]+(k|K|KB|M|MB|G|GB|Ki|KiB|Mi|MiB|Gi|GiB|Ti|TiB)?$"},
      {"absolutePath", "^/.*$"},
      {"url", "^https?://[^\\s]+$"},
      {"hostPort", "^[^\\s]*:[0-9]{1,5}$"},
      {"labelName", "^[a-zA-Z_][a-zA-Z0-9_]*$"},
  };
  return kPatterns;
}

// A Secret's name, as the Secret CRD's metadata.name (a DNS label).
const Json kSecretNameSchema = {{"type", "string"},
                                {"pattern", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                                {"maxLength", 63}};

bool IsOmitted(const Json& field) { return field.value(kProfile, Json()) == "omit"; }

// A default the CRD stores into every profile: a scalar the agent would otherwise apply. Empty
// strings, maps and lists, and sections defaulted to {} so their fields' defaults apply, stay
// out: a stored profile then holds only what its author wrote and what changes behaviour.
bool KeepsDefault(const Json& field) {
  if (!field.contains("default") || field.value(kProfile, Json()) == "noDefault") return false;
  const Json& d = field["default"];
  return !d.is_object() && !d.is_array() && !(d.is_string() && d.get<std::string>().empty());
}

fleet::Status Invalid(const std::string& path, const std::string& message) {
  return fleet::Status::Invalid("agent_config.schema.yaml: " + (path.empty() ? "(root)" : path) +
                                ": " + message);
}

}  // namespace

std::optional<SecretFileField> SecretFileOf(const Json& field) {
  const Json annotation = field.value(kProfile, Json());
  if (!annotation.is_object()) return std::nullopt;
  return SecretFileField{annotation.value("secretRef", ""), annotation.value("secretKey", ""),
                         annotation.value("description", "")};
}

fleet::Result<Json> ProfileSchemaOf(const Json& agent_schema, const std::string& path) {
  Json out = Json::object();
  for (const auto& [key, value] : agent_schema.items()) {
    if (key.starts_with("x-vpsfleet-") || key == "properties" || key == "required" ||
        key == "default" || key == "items" || key == "additionalProperties") {
      continue;
    }
    out[key] = value;
  }
  if (KeepsDefault(agent_schema)) out["default"] = agent_schema["default"];
  if (agent_schema.contains(kFormat)) {
    const std::string format = agent_schema[kFormat].get<std::string>();
    auto pattern = FormatPatterns().find(format);
    if (pattern == FormatPatterns().end()) return Invalid(path, "unknown " + std::string(kFormat) + " " + format);
    if (agent_schema.contains("pattern")) return Invalid(path, "has both a pattern and a format");
    out["pattern"] = pattern->second;
    if (format == "duration" && !out.contains("minLength")) out["minLength"] = 2;  // not ""
  }
  for (const char* nested : {"items", "additionalProperties"}) {
    if (!agent_schema.contains(nested)) continue;
    if (!agent_schema[nested].is_object()) {
      out[nested] = agent_schema[nested];
      continue;
    }
    auto schema = ProfileSchemaOf(agent_schema[nested], path + "[" + nested + "]");
    if (!schema.ok()) return schema.status();
    out[nested] = *schema;
  }
  if (!agent_schema.contains("properties")) return out;

  // A field's name in the profile: its own, its Secret reference's, or none.
  std::map<std::string, std::string> profile_name;
  Json properties = Json::object();
  for (const auto& [name, field] : agent_schema["properties"].items()) {
    const std::string field_path = fleet::JoinPath(path, name);
    if (IsOmitted(field)) continue;
    if (auto secret = SecretFileOf(field)) {
      if (secret->ref_field.empty() || secret->key.empty()) {
        return Invalid(field_path, "a Secret file field needs secretRef and secretKey");
      }
      Json ref = kSecretNameSchema;
      ref["description"] = secret->description;
      if (properties.contains(secret->ref_field) && properties[secret->ref_field] != ref) {
        return Invalid(field_path, "fields from one Secret (" + secret->ref_field + ") disagree on its description");
      }
      properties[secret->ref_field] = ref;
      profile_name[name] = secret->ref_field;
      continue;
    }
    auto schema = ProfileSchemaOf(field, field_path);
    if (!schema.ok()) return schema.status();
    properties[name] = *schema;
    profile_name[name] = name;
  }
  out["properties"] = properties;
  Json required = Json::array();
  for (const auto& name : agent_schema.value("required", Json::array())) {
    auto it = profile_name.find(name.get<std::string>());
    if (it == profile_name.end()) continue;
    if (std::find(required.begin(), required.end(), it->second) == required.end()) required.push_back(it->second);
  }
  if (!required.empty()) out["required"] = required;
  return out;
}

fleet::Result<Json> AgentProfileCrd(const Json& crd_template, const Json& agent_schema) {
  Json crd = crd_template;
  int filled = 0;
  for (Json& version : crd["spec"]["versions"]) {
    Json& spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"];
    if (!spec.contains(kTemplateMarker)) continue;
    spec.erase(kTemplateMarker);
    auto generated = ProfileSchemaOf(agent_schema, "");
    if (!generated.ok()) return generated.status();
    for (const auto& [name, field] : (*generated)["properties"].items()) {
      if (spec["properties"].contains(name)) {
        return fleet::Status::Invalid("the AgentProfile template declares spec." + name +
                                      ", which the agent's config schema declares too");
      }
      spec["properties"][name] = field;
    }
    ++filled;
  }
  if (filled == 0) {
    return fleet::Status::Invalid(std::string("the AgentProfile template marks no spec with ") + kTemplateMarker);
  }
  return crd;
}

std::string AgentProfileCrdYaml(const Json& crd) {
  return "# Generated by agent-profile-crd from agent/config/agent_config.schema.yaml and\n"
         "# crds/templates/agentprofiles.vpsfleet.io.yaml; do not edit (the build embeds its own\n"
         "# output, and a unit test fails when this file is stale). Regenerate with\n"
         "#   cmake --build build --target regenerate\n" +
         fleet::ToYaml(crd);
}

}  // namespace agent
