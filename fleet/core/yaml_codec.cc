#include "fleet/core/yaml_codec.h"
#include "fleet/core/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <yaml-cpp/yaml.h>

namespace fleet {
namespace {

bool NeedsBrackets(const std::string& key) {
  return key.find_first_of("./[] ") != std::string::npos || key.empty();
}

Mark ToMark(const YAML::Mark& m) {
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

// Resolves a plain (unquoted) scalar with the YAML 1.2 core schema, as Kubernetes tooling does.
Json ResolvePlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF")
    return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  const char* b = s.data();
  const char* e = s.data() + s.size();
  auto parse_int = [&](const char* from, int base, bool negative) -> Json {
    if (from == e) return s;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(from, e, v, base);
    if (ec == std::errc() && p == e) return negative ? -v : v;
    if (ec == std::errc::result_out_of_range) {
      double d = 0;
      auto [pd, ecd] = std::from_chars(b, e, d);
      if (ecd == std::errc() && pd == e) return d;
    }
    return s;
  };
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') return parse_int(b + 2, 16, false);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return parse_int(b + 2, 8, false);
  bool all_int = true;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!(std::isdigit(static_cast<unsigned char>(c)) || (i == 0 && (c == '-' || c == '+')))) {
      all_int = false;
      break;
    }
  }
  if (all_int) {
    bool neg = s[0] == '-';
    const char* from = (s[0] == '-' || s[0] == '+') ? b + 1 : b;
    return parse_int(from, 10, neg);
  }
  // Floats: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  bool has_digit = false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) has_digit = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) has_digit = true;
  }
  if (has_digit && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t start = i;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {}
    if (i == start) return s;
  }
  if (has_digit && i == s.size()) {
    double d = 0;
    const char* from = s[0] == '+' ? b + 1 : b;
    auto [p, ec] = std::from_chars(from, e, d);
    if (ec == std::errc() && p == e) return d;
  }
  return s;
}

class Converter {
 public:
  // max_values: how many values (scalars, sequences, maps) the document may expand to.
  Converter(const std::string& source, SourceMap* positions, size_t max_values)
      : source_(source), positions_(positions), values_left_(max_values) {}

  Status Convert(const YAML::Node& node, const std::string& path, Json* out) {
    if (values_left_-- == 0) {
      return Error(node.Mark(), "invalid YAML: the document expands to more values than its "
                                "size allows (aliases of aliases?)");
    }
    positions_->values[path] = ToMark(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        *out = nullptr;
        return Status::Ok();
      case YAML::NodeType::Scalar:
        return ConvertScalar(node, out);
      case YAML::NodeType::Sequence: {
        *out = Json::array();
        size_t i = 0;
        for (const auto& item : node) {
          Json v;
          FLEET_RETURN_IF_ERROR(Convert(item, JoinPath(path, i++), &v));
          out->push_back(std::move(v));
        }
        return Status::Ok();
      }
      case YAML::NodeType::Map: {
        *out = Json::object();
        for (const auto& kv : node) {
          const YAML::Node& key = kv.first;
          if (!key.IsScalar()) {
            return Error(key.Mark(), "mapping keys must be strings");
          }
          const std::string& k = key.Scalar();
          if (k == "<<") return Error(key.Mark(), "merge keys (<<) are not supported");
          if (out->contains(k)) {
            return Error(key.Mark(), JoinPath(path, k) + ": duplicate key \"" + k + "\"");
          }
          std::string child = JoinPath(path, k);
          positions_->keys[child] = ToMark(key.Mark());
          Json v;
          FLEET_RETURN_IF_ERROR(Convert(kv.second, child, &v));
          (*out)[k] = std::move(v);
        }
        return Status::Ok();
      }
    }
    return Status::Internal("unreachable YAML node type");
  }

 private:
  Status ConvertScalar(const YAML::Node& node, Json* out) {
    const std::string& tag = node.Tag();
    const std::string& s = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      *out = s;  // quoted or explicitly a string
    } else if (tag == "?" || tag.empty()) {
      *out = ResolvePlainScalar(s);
    } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
               tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      *out = ResolvePlainScalar(s);
      bool fits = (tag.ends_with("int") && out->is_number_integer()) ||
                  (tag.ends_with("float") && out->is_number()) ||
                  (tag.ends_with("bool") && out->is_boolean()) ||
                  (tag.ends_with("null") && out->is_null());
      // Not echoed: the value may be a Secret's (the parser does not know whose it is).
      if (!fits) return Error(node.Mark(), "the value does not match its tag " + tag);
    } else {
      return Error(node.Mark(), "unsupported YAML tag " + tag);
    }
    return Status::Ok();
  }

  Status Error(const YAML::Mark& mark, const std::string& msg) {
    return Status::Invalid(Located(source_, ToMark(mark), msg));
  }

  const std::string& source_;
  SourceMap* positions_;
  size_t values_left_;
};

// Emission ------------------------------------------------------------------------------------

bool PlainScalarIsString(const std::string& s) {
  return ResolvePlainScalar(s).is_string();
}

// A literal block (|) reads back as the string only when it needs neither a chomping nor an
// indentation indicator, which yaml-cpp does not write: exactly one final newline (clip), a first
// line that does not start with a space, and nothing a block cannot hold (it has no escapes).
bool LiteralBlockKeeps(const std::string& s) {
  if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n' || s[0] == ' ') return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
  });
}

void EmitValue(YAML::Emitter& out, const Json& v);

void EmitObject(YAML::Emitter& out, const Json& v) {
  // Kubernetes order for anything that is a resource, at any depth (List items too).
  bool top = v.contains("apiVersion") && v.contains("kind");
  out << YAML::BeginMap;
  static const std::vector<std::string> kFirst = {"apiVersion", "kind", "metadata", "spec",
                                                  "status"};
  std::set<std::string> done;
  if (top) {
    for (const auto& k : kFirst) {
      if (v.contains(k)) {
        out << YAML::Key << k << YAML::Value;
        EmitValue(out, v.at(k));
        done.insert(k);
      }
    }
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (done.count(it.key())) continue;
    out << YAML::Key;
    if (PlainScalarIsString(it.key())) {
      out << it.key();
    } else {
      out << YAML::DoubleQuoted << it.key();
    }
    out << YAML::Value;
    EmitValue(out, it.value());
  }
  out << YAML::EndMap;
}

void EmitValue(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      } else {
        EmitObject(out, v);
      }
      break;
    case Json::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      } else {
        out << YAML::BeginSeq;
        for (const auto& item : v) EmitValue(out, item);
        out << YAML::EndSeq;
      }
      break;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (LiteralBlockKeeps(s)) {
        out << YAML::Literal << s;
      } else if (s.find('\n') == std::string::npos && PlainScalarIsString(s)) {
        out << s;
      } else {
        out << YAML::DoubleQuoted << s;
      }
      break;
    }
    case Json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::number_integer:
      out << v.get<int64_t>();
      break;
    case Json::value_t::number_unsigned:
      out << v.get<uint64_t>();
      break;
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) {
        out << ".nan";
      } else if (std::isinf(d)) {
        out << (d > 0 ? ".inf" : "-.inf");
      } else {
        out << DumpJson(v);
      }
      break;
    }
    default:
      out << YAML::Null;
  }
}


}  // namespace

Mark SourceMap::Find(const std::string& path) const {
  std::string p = path;
  while (true) {
    auto it = values.find(p);
    if (it != values.end() && it->second.line > 0) return it->second;
    if (p.empty()) return root;
    size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? "" : p.substr(0, cut);
  }
}

Mark SourceMap::FindKey(const std::string& path) const {
  auto it = keys.find(path);
  if (it != keys.end()) return it->second;
  return Find(path);
}

std::string JoinPath(const std::string& parent, const std::string& key) {
  if (NeedsBrackets(key)) return parent + "[" + key + "]";
  return parent.empty() ? key : parent + "." + key;
}

std::string JoinPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string Located(const std::string& source, Mark mark, const std::string& message) {
  if (mark.line <= 0) return source + ": " + message;
  return source + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " +
         message;
}

Result<std::vector<Document>> ParseYamlDocuments(std::string_view text,
                                                 const std::string& source) {
  // A NUL is never YAML, and yaml-cpp takes one among the first bytes for UTF-16 or UTF-32 and
  // decodes the rest of the file as that.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    const std::string_view before = text.substr(0, nul);
    const size_t line_start = before.rfind('\n') + 1;  // npos + 1 == 0
    const Mark mark{static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1,
                    static_cast<int>(nul - line_start) + 1};
    return Status::Invalid(Located(source, mark, "invalid YAML: a NUL byte (YAML files are UTF-8 text)"));
  }
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Status::Invalid(Located(source, ToMark(e.mark), "invalid YAML: " + e.msg));
  } catch (const YAML::Exception& e) {
    return Status::Invalid(Located(source, ToMark(e.mark), "invalid YAML: " + e.msg));
  }
  std::vector<Document> docs;
  int index = 0;
  for (const auto& node : nodes) {
    if (node.IsNull() || !node.IsDefined()) {
      ++index;
      continue;
    }
    Document doc;
    doc.source = source;
    doc.index = index++;
    doc.positions.root = ToMark(node.Mark());
    // An alias repeats a whole subtree, so 430 bytes of aliases of aliases expand to 10^9
    // values. Written out, each value takes a byte or more of the file, so a document may hold
    // at most as many values as the file has bytes (and 10,000 for small files with anchors).
    Converter conv(source, &doc.positions, std::max<size_t>(text.size(), 10000));
    FLEET_RETURN_IF_ERROR(conv.Convert(node, "", &doc.object));
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::string ToYaml(const Json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  EmitValue(out, value);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

std::string ToPrettyJson(const Json& value) {
  if (!value.is_object()) return DumpJson(value, 2) + "\n";
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  for (const char* k : {"apiVersion", "kind", "metadata", "spec", "status"}) {
    if (value.contains(k)) o[k] = value.at(k);
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!o.contains(it.key())) o[it.key()] = it.value();
  }
  return DumpJson(o, 2) + "\n";
}

}  // namespace fleet
