#include "fleet/core/schema.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <re2/re2.h>

#include "fleet/core/text.h"

namespace fleet {
namespace {

// RE2, not std::regex: libstdc++'s matcher recurses once per character, so a long enough value
// (a 2 MB hostKey) overflows the stack; RE2 runs in time linear in the input, without
// recursion. Kubernetes compiles CRD patterns with Go's regexp, which is RE2 syntax too, so a
// pattern means the same here as in a cluster. The patterns are the CRDs' (compiled in, each
// compiled by a unit test); a pattern RE2 refuses is a build defect and matches nothing.
const RE2& CachedRegex(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[pattern];
  if (!slot) {
    RE2::Options options;
    options.set_log_errors(false);
    slot = std::make_unique<RE2>(pattern, options);
  }
  return *slot;
}

bool Matches(const std::string& s, const std::string& pattern) {
  const RE2& re = CachedRegex(pattern);
  return re.ok() && RE2::PartialMatch(s, re);
}

// Secret values (a Secret's data, `format: byte`, and stringData, `format: password`) are never
// echoed in a message, whatever their type, nor is a map of them (`data: 12345`).
bool Sensitive(const Json& schema) {
  const std::string format = schema.value("format", "");
  if (format == "byte" || format == "password") return true;
  return schema.contains("additionalProperties") && schema["additionalProperties"].is_object() &&
         Sensitive(schema["additionalProperties"]);
}

std::string TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    default: return "value";
  }
}

bool HasType(const Json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  return true;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string UnknownFieldMessage(const std::string& key, const Json& properties) {
  std::string best;
  size_t best_d = 3;  // suggest only close spellings
  for (auto it = properties.begin(); it != properties.end(); ++it) {
    size_t d = EditDistance(key, it.key());
    if (d < best_d) {
      best_d = d;
      best = it.key();
    }
  }
  std::string msg = "unknown field \"" + key + "\"";
  if (!best.empty()) msg += " (did you mean \"" + best + "\"?)";
  return msg;
}

bool IsBase64(const std::string& s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      if (i < s.size() - 2) return false;
    } else if (pad > 0 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) {
      return false;
    }
  }
  return pad <= 2;
}

// The walk validation and pruning share, so that they agree on what a schema declares. Each
// member of an object value goes to known(key, member_schema, member) when the schema declares it
// (its property, else an additionalProperties schema); otherwise it is an unknown field, which
// x-kubernetes-preserve-unknown-fields and additionalProperties: true keep, and the rest go to
// unknown(key, properties), which returns whether to erase the member.
template <typename Known, typename Unknown>
void WalkMembers(const Json& schema, Json& object, Known&& known, Unknown&& unknown) {
  static const Json kEmpty = Json::object();
  const auto props_it = schema.find("properties");
  const Json& props = props_it != schema.end() ? *props_it : kEmpty;
  bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
  const Json* additional = nullptr;
  if (const auto ap = schema.find("additionalProperties"); ap != schema.end()) {
    if (ap->is_object()) additional = &*ap;
    if (ap->is_boolean() && ap->get<bool>()) preserve = true;
  }
  for (auto it = object.begin(); it != object.end();) {
    if (const auto prop = props.find(it.key()); prop != props.end()) {
      known(it.key(), *prop, it.value());
    } else if (additional) {
      known(it.key(), *additional, it.value());
    } else if (!preserve && unknown(it.key(), props)) {
      it = object.erase(it);
      continue;
    }
    ++it;
  }
}

// Each item of an array value, with the schema's `items` (none without one): item(index,
// item_schema, item).
template <typename Item>
void WalkItems(const Json& schema, Json& array, Item&& item) {
  const auto items = schema.find("items");
  if (items == schema.end()) return;
  for (size_t i = 0; i < array.size(); ++i) item(i, *items, array[i]);
}

void CheckScalar(const Json& schema, const Json& value, const std::string& path,
                 std::vector<FieldError>* errors) {
  auto add = [&](std::string m, const char* reason = kFieldValueInvalid) {
    errors->push_back({path, std::move(m), false, reason});
  };
  // Built only for a message: every scalar of every apply passes through here.
  auto shown = [&] { return Sensitive(schema) ? std::string("the value") : Brief(value); };
  if (schema.contains("enum")) {
    const auto& allowed = schema["enum"];
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) {
        if (!list.empty()) list += ", ";
        list += a.is_string() ? a.get<std::string>() : DumpJson(a);
      }
      add("must be one of: " + list + " (got " + shown() + ")", kFieldValueNotSupported);
    }
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>()) {
      size_t n = schema["minLength"].get<size_t>();
      add(n == 1 ? "must not be empty"
                 : "must be at least " + std::to_string(n) + " characters");
    }
    // The length first: a value over maxLength is refused for that alone, and no pattern runs
    // on it (bounded work per field, whatever a client sends).
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>()) {
      add("must be at most " + std::to_string(schema["maxLength"].get<size_t>()) +
          " characters (got " + std::to_string(s.size()) + ")", kFieldValueTooLong);
      return;
    }
    if (schema.contains("pattern") && !Matches(s, schema["pattern"].get<std::string>())) {
      add("invalid value " + shown() + ": must match " + schema["pattern"].get<std::string>());
    }
    if (schema.contains("not") && schema["not"].contains("pattern") &&
        Matches(s, schema["not"]["pattern"].get<std::string>())) {
      add("invalid value " + shown() + ": must not match " +
          schema["not"]["pattern"].get<std::string>());
    }
    if (schema.value("format", "") == "byte" && !IsBase64(s)) {
      add("must be base64-encoded");
    }
  }
  if (value.is_number()) {
    double v = value.get<double>();
    if (schema.contains("minimum")) {
      double m = schema["minimum"].get<double>();
      bool excl = schema.value("exclusiveMinimum", false);
      if (excl ? v <= m : v < m) add("must be " + std::string(excl ? "> " : ">= ") + DumpJson(schema["minimum"]));
    }
    if (schema.contains("maximum")) {
      double m = schema["maximum"].get<double>();
      bool excl = schema.value("exclusiveMaximum", false);
      if (excl ? v >= m : v > m) add("must be " + std::string(excl ? "< " : "<= ") + DumpJson(schema["maximum"]));
    }
  }
}

void CheckArray(const Json& schema, Json& value, const std::string& path, bool apply_defaults,
                std::vector<FieldError>* errors) {
  if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
    errors->push_back({path, "must have at least " +
                                 std::to_string(schema["minItems"].get<size_t>()) + " item(s)"});
  }
  if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>()) {
    errors->push_back({path, "must have at most " +
                                 std::to_string(schema["maxItems"].get<size_t>()) + " items",
                       false, kFieldValueTooMany});
  }
  WalkItems(schema, value, [&](size_t i, const Json& item_schema, Json& item) {
    ValidateSchema(item_schema, item, JoinPath(path, i), apply_defaults, errors);
  });
  std::string list_type = schema.value("x-kubernetes-list-type", "atomic");
  if (list_type == "map" && schema.contains("x-kubernetes-list-map-keys")) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_object()) continue;
      Json key = Json::array();
      for (const auto& k : schema["x-kubernetes-list-map-keys"]) {
        key.push_back(value[i].value(k.get<std::string>(), Json()));
      }
      std::string k = key.size() == 1 ? DumpJson(key[0]) : DumpJson(key);
      auto [it, inserted] = seen.emplace(k, i);
      if (!inserted) {
        std::string first = schema["x-kubernetes-list-map-keys"][0].get<std::string>();
        errors->push_back({JoinPath(JoinPath(path, i), first),
                           "duplicate value " + k + " (also at " + JoinPath(path, it->second) + ")",
                           false, kFieldValueDuplicate});
      }
    }
  } else if (list_type == "set") {
    std::set<std::string> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      if (!seen.insert(DumpJson(value[i])).second) {
        errors->push_back({JoinPath(path, i), "duplicate value " + Brief(value[i]), false,
                           kFieldValueDuplicate});
      }
    }
  }
}

void CheckObject(const Json& schema, Json& value, const std::string& path, bool apply_defaults,
                 std::vector<FieldError>* errors) {
  static const Json kEmpty = Json::object();
  const Json& props = schema.contains("properties") ? schema["properties"] : kEmpty;
  if (schema.contains("maxProperties") && value.size() > schema["maxProperties"].get<size_t>()) {
    errors->push_back({path, "must have at most " +
                                 std::to_string(schema["maxProperties"].get<size_t>()) +
                                 " entries (got " + std::to_string(value.size()) + ")",
                       false, kFieldValueTooMany});
    return;
  }
  if (apply_defaults) {
    for (auto it = props.begin(); it != props.end(); ++it) {
      if (!value.contains(it.key()) && it.value().contains("default")) {
        value[it.key()] = it.value()["default"];
      }
    }
  }
  if (schema.contains("required")) {
    for (const auto& r : schema["required"]) {
      const auto& name = r.get_ref<const std::string&>();
      if (!value.contains(name)) {
        errors->push_back({JoinPath(path, name), "required field is missing", false, kFieldValueRequired});
      }
    }
  }
  WalkMembers(
      schema, value,
      [&](const std::string& key, const Json& member_schema, Json& member) {
        ValidateSchema(member_schema, member, JoinPath(path, key), apply_defaults, errors);
      },
      [&](const std::string& key, const Json& declared) {
        errors->push_back({JoinPath(path, key), UnknownFieldMessage(key, declared), true, kFieldValueUnknown});
        return false;  // reported, kept
      });
}

}  // namespace

Cause FieldError::ToCause(int item, std::string ref) const {
  return {reason, path, message, item, std::move(ref), {}};
}

std::vector<Cause> CausesOf(const std::vector<FieldError>& errors, int item, const std::string& ref) {
  std::vector<Cause> causes;
  causes.reserve(errors.size());
  for (const auto& e : errors) causes.push_back(e.ToCause(item, ref));
  return causes;
}

Cause Placed(const Document& doc, Cause cause, bool at_key) {
  const Mark m = at_key ? doc.positions.FindKey(cause.field) : doc.positions.Find(cause.field);
  cause.position = {doc.source, m.line, m.column};
  return cause;
}

Cause Placed(const Document& doc, Cause cause) {
  const bool at_key = cause.reason == kFieldValueUnknown;
  return Placed(doc, std::move(cause), at_key);
}

std::string Brief(const Json& v, size_t max) {
  std::string s = DumpJson(v);
  if (s.size() > max) {
    size_t cut = max - 3;
    // Back to the first byte of a character (continuation bytes are 10xxxxxx), so a value cut
    // short is still UTF-8.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

void ValidateSchema(const Json& schema, Json& value, const std::string& path, bool apply_defaults,
                    std::vector<FieldError>* errors) {
  if (value.is_null()) {
    if (!schema.value("nullable", false)) {
      std::string want = schema.value("type", std::string("value"));
      bool vowel = want == "integer" || want == "array" || want == "object";
      errors->push_back({path, std::string("must be ") + (vowel ? "an " : "a ") + want + ", got null",
                         false, kFieldValueTypeInvalid});
    }
    return;
  }
  if (schema.value("x-kubernetes-int-or-string", false)) {
    if (!value.is_number_integer() && !value.is_string()) {
      errors->push_back({path, "must be an integer or a string, got " + TypeName(value), false,
                         kFieldValueTypeInvalid});
      return;
    }
    CheckScalar(schema, value, path, errors);
    return;
  }
  if (schema.contains("type")) {
    const auto& type = schema["type"].get_ref<const std::string&>();
    if (!HasType(value, type)) {
      errors->push_back({path, "must be " + std::string(type == "integer" || type == "array" ||
                                                                type == "object"
                                                            ? "an "
                                                            : "a ") +
                                   type + ", got " + TypeName(value) +
                                   (Sensitive(schema) ? "" : " " + Brief(value)),
                         false, kFieldValueTypeInvalid});
      return;
    }
  }
  if (value.is_object()) {
    CheckObject(schema, value, path, apply_defaults, errors);
  } else if (value.is_array()) {
    CheckArray(schema, value, path, apply_defaults, errors);
  } else {
    CheckScalar(schema, value, path, errors);
  }
}

// The walk of ValidateSchema, so what is dropped is what validation reports as unknown; as in
// Kubernetes, an object that keeps unknown fields still has its declared properties pruned.
void PruneUnknownFields(const Json& schema, Json& value) {
  if (!schema.is_object()) return;
  auto prune = [](const auto&, const Json& member_schema, Json& member) { PruneUnknownFields(member_schema, member); };
  if (value.is_array()) WalkItems(schema, value, prune);
  if (!value.is_object()) return;
  WalkMembers(schema, value, prune, [](const std::string&, const Json&) { return true; });
}

}  // namespace fleet
