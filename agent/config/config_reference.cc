// docs/agent-config.md from the schema: one table row per field, depth-first in the schema's order
// (a list's object fields under `list[].`).
#include "agent/config/agent_config.h"
#include "agent/config/profile_crd.h"

#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::Json;

std::string TypeOf(const Json& field) {
  if (field.value("x-kubernetes-int-or-string", false)) return "integer or string";
  const std::string type = field.value("type", "");
  if (type == "array" && field.contains("items")) return "list of " + TypeOf(field["items"]);
  if (type == "object" && field.contains("additionalProperties")) {
    return "map of " + TypeOf(field["additionalProperties"]);
  }
  std::string text = type;
  if (field.contains("x-vpsfleet-format")) text += " (" + field["x-vpsfleet-format"].get<std::string>() + ")";
  if (field.contains("enum")) {
    std::string values;
    for (const auto& v : field["enum"]) values += (values.empty() ? "" : ", ") + v.get<std::string>();
    text += ": " + values;
  }
  return text;
}

// Markdown table cells hold no pipe and no line break.
std::string Cell(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string DefaultOf(const Json& field) {
  if (!field.contains("default")) return "";
  const Json& d = field["default"];
  if (d.is_object() && d.empty()) return "";  // a section present so its fields' defaults apply
  return "`" + (d.is_string() ? d.get<std::string>() : fleet::DumpJson(d)) + "`";
}

// What an AgentProfile says for the field, when it is not the field itself.
std::string ProfileNote(const Json& field) {
  if (field.value("x-vpsfleet-profile", Json()) == "omit") return " Set by the controller.";
  if (auto secret = SecretFileOf(field)) {
    return " In an AgentProfile: `" + secret->ref_field + "`, a Secret whose key `" + secret->key +
           "` the controller writes to this file (0600).";
  }
  return "";
}

void Rows(const Json& schema, const std::string& path, std::string* out) {
  if (!schema.contains("properties")) return;
  // In name order (nlohmann::json keeps keys sorted), as the controller renders the file.
  for (const auto& [name, field] : schema["properties"].items()) {
    const std::string p = path.empty() ? name : path + "." + name;
    std::string required;
    if (schema.contains("required")) {
      for (const auto& r : schema["required"]) {
        if (r == name) required = " (required)";
      }
    }
    *out += "| `" + p + "`" + required + " | " + Cell(TypeOf(field)) + " | " +
            Cell(DefaultOf(field)) + " | " + Cell(field.value("description", "") + ProfileNote(field)) + " |\n";
    Rows(field, p, out);
    // The fields of a list's objects (relabel rules), as `list[].field`.
    if (field.contains("items")) Rows(field["items"], p + "[]", out);
  }
}

}  // namespace

std::string ConfigReferenceMarkdown() {
  const Json schema = AgentConfigSchema();
  std::string out =
      "# fleet-agent config reference\n\n"
      "<!-- Generated from agent/config/agent_config.schema.yaml; do not edit. Regenerate with\n"
      "     cmake --build build --target regenerate -->\n\n" +
      schema.value("description", "") +
      " fleet-controller renders it from a Host and its AgentProfile (`<installDir>/config.yaml`); "
      "`fleet-agent check-config` validates one. Unknown fields are errors; durations are like "
      "`15s`, `1m30s`, `500ms`; sizes are a number of bytes or a quantity like `512Mi`.\n\n"
      "| Field | Type | Default | Description |\n|---|---|---|---|\n";
  Rows(schema, "", &out);
  return out;
}

}  // namespace agent
