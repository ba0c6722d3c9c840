#include "fleet/resource.h"

#include <algorithm>
#include <map>

#include "fleet/embedded.h"
#include "fleet/core/metric_names.h"
#include "fleet/core/text.h"

namespace fleet {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

KindInfo LoadKind(const EmbeddedFile& file) {
  auto docs = ParseYamlDocuments(file.data, std::string(file.name));
  if (!docs.ok() || docs->size() != 1) {
    // The CRDs are compiled in and covered by unit tests; a broken one is a build defect.
    throw std::logic_error("embedded CRD " + std::string(file.name) + " does not parse: " +
                           docs.status().message());
  }
  const Json& crd = (*docs)[0].object;
  const Json& names = crd.at("spec").at("names");
  const Json& version = crd.at("spec").at("versions").at(0);
  KindInfo k;
  k.kind = names.at("kind");
  k.list_kind = names.at("listKind");
  k.plural = names.at("plural");
  k.singular = names.at("singular");
  for (const auto& s : names.value("shortNames", Json::array())) k.short_names.push_back(s);
  k.schema = version.at("schema").at("openAPIV3Schema");
  k.user_schema = k.schema;
  k.user_schema["properties"].erase("metadata");
  k.user_schema["properties"].erase("status");
  k.status_subresource = version.contains("subresources") &&
                         version["subresources"].contains("status");
  for (const auto& c : version.value("additionalPrinterColumns", Json::array())) {
    k.columns.push_back({c.at("name"), c.at("type"), c.at("jsonPath"), c.value("priority", 0)});
  }
  return k;
}

const std::map<std::string, int>& ApplyOrder() {
  static const std::map<std::string, int> order = {
      {"Secret", 0}, {"AgentProfile", 1}, {"HostGroup", 2}, {"Host", 3}, {"Rollout", 4}};
  return order;
}

// Hand-written checks, not regular expressions: these run on every key and value a client sends,
// and need no more than one pass over the characters.
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A Kubernetes label name or value: alphanumerics, '-', '_' and '.', starting and ending with an
// alphanumeric (lengths are checked by the callers).
bool IsLabelText(std::string_view s) {
  return !s.empty() && IsAlnum(s.front()) && IsAlnum(s.back()) &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!IsDns1123Label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Label and annotation keys: [prefix/]name, prefix a DNS-1123 subdomain.
std::string CheckQualifiedName(const std::string& key) {
  std::string name = key;
  auto slash = key.find('/');
  if (slash != std::string::npos) {
    std::string prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!IsDns1123Subdomain(prefix)) return "prefix must be a DNS-1123 subdomain (e.g. example.com)";
  }
  if (name.size() > 63 || !IsLabelText(name)) {
    return "name part must be 1-63 characters of alphanumerics, '-', '_' or '.', starting and "
           "ending with an alphanumeric character";
  }
  return "";
}

void ValidateStringMap(const Json& m, const std::string& path, bool label_values,
                       std::vector<FieldError>* errors) {
  if (!m.is_object()) {
    errors->push_back({path, "must be a map of strings", false, kFieldValueTypeInvalid});
    return;
  }
  for (auto it = m.begin(); it != m.end(); ++it) {
    std::string child = JoinPath(path, it.key());
    std::string bad = CheckQualifiedName(it.key());
    if (!bad.empty()) errors->push_back({child, "invalid key " + Brief(it.key(), kShownNameMax) + ": " + bad, true});
    if (!it.value().is_string()) {
      errors->push_back({child, "must be a string, got " + Brief(it.value()), false, kFieldValueTypeInvalid});
      continue;
    }
    const auto& v = it.value().get_ref<const std::string&>();
    if (label_values && !IsLabelValue(v)) {
      errors->push_back(
          {child, "invalid label value " + Brief(v, kShownNameMax) + ": " + kLabelValueRule});
    }
  }
}

// Prometheus and Loki label names: [a-zA-Z_][a-zA-Z0-9_]*, and those starting with "__" are
// reserved for the receiver's own use. A receiver answers a batch carrying an invalid one with
// 400, and the agent drops that batch: all of the host's data, not just the label.
bool IsPrometheusLabelName(std::string_view s) {
  return metrics::IsLabelName(s) && !s.starts_with("__");
}

bool IsValidUtf8(const std::string& s) { return ValidUtf8(s) == s; }

// The object at path (keys from the root), or nullptr when some step is absent or no object.
const Json* ObjectAt(const Json& root, std::initializer_list<const char*> path) {
  const Json* node = &root;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
  }
  return node->is_object() ? node : nullptr;
}

// A map whose keys become label names on the agent's series and streams (sizes and value types
// are the CRD's).
void ValidatePrometheusLabels(const Json* labels, const std::string& path,
                              std::vector<FieldError>* errors) {
  if (!labels) return;
  for (auto it = labels->begin(); it != labels->end(); ++it) {
    const std::string child = JoinPath(path, it.key());
    if (!IsPrometheusLabelName(it.key())) {
      errors->push_back({child,
                         "invalid label name " + Brief(it.key(), kShownNameMax) +
                             ": must match [a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\" "
                             "(reserved), or the metrics and logs receivers refuse every batch",
                         true});
    }
    if (it.value().is_string() && !IsValidUtf8(it.value().get_ref<const std::string&>())) {
      errors->push_back({child, "label value must be valid UTF-8"});
    }
  }
}

// Rules the CRD schema cannot express (a map's keys), per kind.
void ValidateKindRules(const std::string& kind, const Json& object, std::vector<FieldError>* errors) {
  if (kind == "Host") {
    ValidatePrometheusLabels(ObjectAt(object, {"spec", "vars", "extraLabels"}),
                             "spec.vars.extraLabels", errors);
  } else if (kind == "HostGroup") {
    ValidatePrometheusLabels(ObjectAt(object, {"spec", "defaults", "vars", "extraLabels"}),
                             "spec.defaults.vars.extraLabels", errors);
    const Json& hosts = object["spec"].value("hosts", Json::array());
    for (size_t i = 0; hosts.is_array() && i < hosts.size(); ++i) {
      ValidatePrometheusLabels(ObjectAt(hosts[i], {"vars", "extraLabels"}),
                               JoinPath("spec.hosts", i) + ".vars.extraLabels", errors);
    }
  } else if (kind == "AgentProfile") {
    for (const char* sink : {"remoteWrite", "loki"}) {
      ValidatePrometheusLabels(ObjectAt(object, {"spec", sink, "externalLabels"}),
                               "spec." + std::string(sink) + ".externalLabels", errors);
    }
  }
}

void ValidateMetadata(Json& object, std::vector<FieldError>* errors) {
  if (!object.contains("metadata")) {
    errors->push_back({"metadata", "required field is missing", false, kFieldValueRequired});
    return;
  }
  Json& meta = object["metadata"];
  if (!meta.is_object()) {
    errors->push_back({"metadata", "must be an object", false, kFieldValueTypeInvalid});
    return;
  }
  for (const char* server_set : {"uid", "resourceVersion", "generation", "creationTimestamp",
                                 "ownerReferences", "finalizers", "deletionTimestamp"}) {
    meta.erase(server_set);
  }
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    const auto& k = it.key();
    if (k != "name" && k != "labels" && k != "annotations") {
      errors->push_back({JoinPath("metadata", k), "unknown field \"" + k + "\"", true, kFieldValueUnknown});
    }
  }
  if (!meta.contains("name")) {
    errors->push_back({"metadata.name", "required field is missing", false, kFieldValueRequired});
  } else if (!meta["name"].is_string()) {
    errors->push_back({"metadata.name", "must be a string", false, kFieldValueTypeInvalid});
  } else if (!IsDns1123Label(meta["name"].get<std::string>())) {
    errors->push_back({"metadata.name",
                       "invalid name " + Brief(meta["name"], kShownNameMax) +
                           ": must be a DNS-1123 label (at most 63 lowercase letters, digits or "
                           "'-', starting and ending with a letter or digit)"});
  }
  if (meta.contains("labels")) ValidateStringMap(meta["labels"], "metadata.labels", true, errors);
  if (meta.contains("annotations")) {
    ValidateStringMap(meta["annotations"], "metadata.annotations", false, errors);
  }
}

}  // namespace

std::string CheckLabelKey(const std::string& key) { return CheckQualifiedName(key); }

bool IsLabelValue(std::string_view value) {
  return value.empty() || (value.size() <= 63 && IsLabelText(value));
}

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo> kinds = [] {
    std::vector<KindInfo> out;
    for (const auto& f : EmbeddedCrds()) out.push_back(LoadKind(f));
    std::sort(out.begin(), out.end(), [](const KindInfo& a, const KindInfo& b) {
      return ApplyOrder().at(a.kind) < ApplyOrder().at(b.kind);
    });
    return out;
  }();
  return kinds;
}

const KindInfo* FindKind(std::string_view name) {
  std::string n = Lower(name);
  for (const auto& k : Kinds()) {
    if (Lower(k.kind) == n || k.plural == n || k.singular == n ||
        std::find(k.short_names.begin(), k.short_names.end(), n) != k.short_names.end()) {
      return &k;
    }
  }
  return nullptr;
}

std::string KnownKindsText() {
  std::string s;
  for (const auto& k : Kinds()) s += (s.empty() ? "" : ", ") + k.kind;
  return s;
}

std::string RefString(const Json& object) {
  // Refs name invalid objects too (in the errors about them): any JSON value at all.
  auto string_member = [](const Json& v, const char* key) -> std::string {
    if (!v.is_object()) return "";
    const auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : "";
  };
  const std::string kind = string_member(object, "kind");
  const KindInfo* k = FindKind(kind);
  std::string name;
  if (object.is_object() && object.contains("metadata")) {
    name = string_member(object["metadata"], "name");
  }
  return (k ? k->singular : Lower(kind)) + "/" + name;
}

bool IsDns1123Label(std::string_view s) {
  return !s.empty() && s.size() <= 63 && IsLowerAlnum(s.front()) && IsLowerAlnum(s.back()) &&
         std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

std::vector<FieldError> ValidateObject(Json& object, bool apply_defaults) {
  std::vector<FieldError> errors;
  if (!object.is_object()) {
    errors.push_back({"", "a resource must be a mapping with apiVersion, kind and metadata"});
    return errors;
  }
  if (!object.contains("apiVersion")) {
    errors.push_back({"apiVersion", "required field is missing", false, kFieldValueRequired});
  } else if (object["apiVersion"] != kApiVersion) {
    errors.push_back({"apiVersion",
                      "must be " + std::string(kApiVersion) + ", got " + DumpJson(object["apiVersion"]),
                      false, kFieldValueNotSupported});
  }
  const KindInfo* kind = nullptr;
  if (!object.contains("kind")) {
    errors.push_back({"kind", "required field is missing", false, kFieldValueRequired});
  } else if (!object["kind"].is_string() ||
             !(kind = FindKind(object["kind"].get<std::string>())) ||
             kind->kind != object["kind"].get<std::string>()) {
    errors.push_back({"kind",
                      "unknown kind " + DumpJson(object["kind"]) + " (known: " + KnownKindsText() + ")",
                      false, kFieldValueNotSupported});
    kind = nullptr;
  }
  ValidateMetadata(object, &errors);
  if (!kind) return errors;
  object.erase("status");
  Json meta;
  if (object.contains("metadata")) {
    meta = std::move(object["metadata"]);
    object.erase("metadata");
  }
  ValidateSchema(kind->user_schema, object, "", apply_defaults, &errors);
  if (object.contains("spec") && object["spec"].is_object()) ValidateKindRules(kind->kind, object, &errors);
  if (!meta.is_null()) object["metadata"] = std::move(meta);
  return errors;
}

Status CheckInstallDir(const std::string& dir) {
  static const Json& schema =
      FindKind("Host")->schema["properties"]["spec"]["properties"]["installDir"];
  Json value = dir;
  std::vector<FieldError> errors;
  ValidateSchema(schema, value, "spec.installDir", false, &errors);
  if (errors.empty()) return Status::Ok();
  return Status::Invalid("", CausesOf(errors));
}

std::vector<FieldError> ValidateStatus(const KindInfo& kind, Json& status) {
  std::vector<FieldError> errors;
  if (kind.schema["properties"].contains("status")) {
    ValidateSchema(kind.schema["properties"]["status"], status, "status", false, &errors);
  } else {
    errors.push_back({"status", "kind " + kind.kind + " has no status", false, kFieldValueForbidden});
  }
  return errors;
}

std::vector<Cause> ValidateDocuments(std::vector<Document>& docs, bool apply_defaults) {
  std::vector<Cause> causes;
  std::map<std::string, const Document*> seen;
  for (size_t i = 0; i < docs.size(); ++i) {
    Document& doc = docs[i];
    const int item = static_cast<int>(i);
    for (const auto& e : ValidateObject(doc.object, apply_defaults)) {
      causes.push_back(Placed(doc, e.ToCause(item, RefString(doc.object)), e.at_key));
    }
    if (!doc.object.is_object() || !doc.object.contains("kind")) continue;
    std::string ref = RefString(doc.object);
    auto [it, inserted] = seen.emplace(ref, &doc);
    if (!inserted) {
      Mark first = it->second->positions.Find("metadata.name");
      causes.push_back(Placed(doc, {kFieldValueDuplicate, "metadata.name",
                                    "duplicate " + ref + " (first defined at " + it->second->source +
                                        ":" + std::to_string(first.line) + ")",
                                    item, ref, {}}));
    }
  }
  return causes;
}

}  // namespace fleet
