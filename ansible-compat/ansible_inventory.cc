#include "ansible-compat/ansible_inventory.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <functional>
#include <regex>

#include "ansible-compat/python_literal.h"
#include "ansible-compat/vault.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"

namespace ansible_compat {

using fleet::Json;
using fleet::Result;
using fleet::Status;
namespace fs = std::filesystem;

size_t ValueCount(const Json& value) {
  size_t n = 1;
  if (value.is_structured()) {
    for (const Json& child : value) n += ValueCount(child);
  }
  return n;
}

std::string Origin::ToString() const {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

namespace {

constexpr size_t kMaxYamlNodes = 1000000;  // aliases can make a small file a huge tree
constexpr size_t kMaxVariableNodes = 4000000;  // host variables over the whole inventory

constexpr int kMaxYamlDepth = 64;

Status Failed(const Origin& at, const std::string& message) {
  return Status::Invalid(at.ToString() + ": " + fleet::ForeignText(message, 512));
}

// --- YAML as PyYAML reads it (YAML 1.1) --------------------------------------------------------

bool MatchesAll(const std::string& s, const std::regex& re) { return std::regex_match(s, re); }

// Digits in base 60 ("1:30:00", each part decimal), as PyYAML reads them; nullopt past 64 bits.
std::optional<int64_t> Base60(const std::string& digits) {
  int64_t value = 0;
  size_t start = 0;
  while (true) {
    const size_t colon = digits.find(':', start);
    const std::string part = digits.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    int64_t n = 0;
    for (char c : part) {
      if (c < '0' || c > '9' || __builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, c - '0', &n)) {
        return std::nullopt;
      }
    }
    if (start == 0) {
      value = n;
    } else if (__builtin_mul_overflow(value, 60, &value) || __builtin_add_overflow(value, n, &value)) {
      return std::nullopt;
    }
    if (colon == std::string::npos) return value;
    start = colon + 1;
  }
}

// PyYAML's implicit resolvers for a plain scalar (resolver.py, YAML 1.1).
Json Yaml11Scalar(const std::string& s) {
  static const std::regex kBool("yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kInt(
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
      "[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+");
  static const std::regex kFloat(
      "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|"
      "[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)");
  // As PyYAML, only scalars starting with a character some resolver starts with are tried.
  if (s.size() > 64 || (!s.empty() && std::string_view("-+0123456789.~nNyYtTfFoO").find(s[0]) == std::string_view::npos)) {
    return Json(s);
  }
  if (MatchesAll(s, kNull)) return Json(nullptr);
  if (MatchesAll(s, kBool)) {
    const char c = static_cast<char>(std::tolower(s[0]));
    return Json(c == 'y' || c == 't' || (c == 'o' && std::tolower(s[1]) == 'n'));
  }
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.erase(0, 1);
  }
  if (MatchesAll(s, kInt)) {
    std::optional<int64_t> value;
    int base = 10;
    if (digits.rfind("0b", 0) == 0) {
      base = 2;
    } else if (digits.rfind("0x", 0) == 0) {
      base = 16;
    } else if (digits.size() > 1 && digits[0] == '0') {
      base = 8;
    }
    if (digits.find(':') != std::string::npos) {
      value = Base60(digits);
    } else {
      const std::string body = base == 2 || base == 16 ? digits.substr(2) : digits;
      errno = 0;
      char* end = nullptr;
      const long long n = std::strtoll(body.c_str(), &end, base);
      if (errno == 0 && !body.empty() && end == body.c_str() + body.size()) value = n;
    }
    if (!value) return Json(s);  // past 64 bits: kept as written
    return Json(negative ? -*value : *value);
  }
  if (MatchesAll(s, kFloat)) {
    if (digits.find_first_of("iInN") != std::string::npos) return Json(s);  // JSON has no inf or NaN
    double value = 0;
    if (const size_t last = digits.rfind(':'); last != std::string::npos) {  // "1:30.5" is 90.5
      std::optional<int64_t> head = Base60(digits.substr(0, last));
      if (!head) return Json(s);
      value = static_cast<double>(*head) * 60 + std::strtod(digits.substr(last + 1).c_str(), nullptr);
    } else {
      value = std::strtod(digits.c_str(), nullptr);
    }
    if (!std::isfinite(value)) return Json(s);
    return Json(negative ? -value : value);
  }
  return Json(s);
}

class YamlReader {
 public:
  YamlReader(std::string file, const std::optional<std::string>& vault_password)
      : file_(std::move(file)), vault_password_(vault_password) {}

  Origin At(const YAML::Node& node) const { return {file_, node.Mark().line + 1}; }

  // What a value's conversion met of Ansible Vault.
  struct VaultUse {
    bool unread = false;     // ciphertext left unread: no password
    bool decrypted = false;  // ciphertext decrypted: the value is a secret
  };

  // A scalar's, sequence's or mapping's value; vault-tagged scalars decrypt to their text.
  Result<Json> Convert(const YAML::Node& node, int depth, VaultUse* vault) {
    if (++nodes_ > kMaxYamlNodes) return Failed(At(node), "more than 1000000 YAML nodes (aliases?)");
    if (depth > kMaxYamlDepth) return Failed(At(node), "nested deeper than 64");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Json(nullptr);
      case YAML::NodeType::Scalar: {
        const std::string& text = node.Scalar();
        if (!fleet::IsUtf8(text)) return Failed(At(node), "text that is not UTF-8");
        if (node.Tag() == "!vault") return Decrypt(node, vault);
        if (node.Tag() == "?") return Yaml11Scalar(text);
        return Json(text);  // quoted, or tagged !!str / !unsafe: a string
      }
      case YAML::NodeType::Sequence: {
        Json out = Json::array();
        for (const auto& item : node) {
          auto value = Convert(item, depth + 1, vault);
          if (!value.ok()) return value.status();
          out.push_back(std::move(*value));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        Json out = Json::object();
        for (const auto& entry : node) {
          if (!entry.first.IsScalar() || !fleet::IsUtf8(entry.first.Scalar())) {
            return Failed(At(entry.first), "a mapping key that is not a UTF-8 string");
          }
          auto value = Convert(entry.second, depth + 1, vault);
          if (!value.ok()) return value.status();
          if (entry.first.Scalar() == "<<" && entry.first.Tag() == "?") {
            // A merge key: the merged mappings' keys, under those written here.
            for (const Json& merged : value->is_array() ? *value : Json::array({*value})) {
              if (!merged.is_object()) return Failed(At(entry.first), "<< merges only mappings");
              for (const auto& [k, v] : merged.items()) {
                if (!out.contains(k)) out[k] = v;
              }
            }
            continue;
          }
          out[entry.first.Scalar()] = std::move(*value);
        }
        return out;
      }
    }
    return Json(nullptr);
  }

  // One more node looked at outside Convert (a group or host entry, which aliases can make the
  // same node many times over): against the same budget.
  Status Visit(const YAML::Node& node) {
    if (++nodes_ > kMaxYamlNodes) return Failed(At(node), "more than 1000000 YAML nodes (aliases?)");
    return {};
  }

 private:
  Result<Json> Decrypt(const YAML::Node& node, VaultUse* vault) {
    if (!vault_password_) {
      vault->unread = true;
      return Json(nullptr);
    }
    vault->decrypted = true;
    auto plain = VaultDecrypt(node.Scalar(), *vault_password_);
    if (!plain.ok()) return Failed(At(node), "vault: " + plain.status().message());
    if (!fleet::IsUtf8(*plain)) return Failed(At(node), "vault: a value that is not UTF-8 text");
    return Json(std::move(*plain));
  }

  std::string file_;
  const std::optional<std::string>& vault_password_;
  size_t nodes_ = 0;
};

Result<YAML::Node> ParseYaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Failed({file, e.mark.line + 1}, e.msg);
  }
}

// A variables mapping: each key with its value and the line it is on.
Result<Variables> ReadVariables(YamlReader& reader, const YAML::Node& node) {
  Variables vars;
  if (!node || node.IsNull()) return vars;
  if (!node.IsMap()) {
    return Failed(reader.At(node), "variables must be a mapping of names to values");
  }
  std::vector<std::pair<Json, Origin>> merged;  // "<<" values: keys written here win over them
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !fleet::IsUtf8(entry.first.Scalar())) {
      return Failed(reader.At(entry.first), "a variable name that is not a UTF-8 string");
    }
    YamlReader::VaultUse vault;
    auto value = reader.Convert(entry.second, 1, &vault);
    if (!value.ok()) return value.status();
    if (entry.first.Scalar() == "<<" && entry.first.Tag() == "?") {
      merged.emplace_back(std::move(*value), reader.At(entry.first));
      continue;
    }
    Variable var{std::move(*value), reader.At(entry.first), vault.unread, vault.decrypted};
    vars[entry.first.Scalar()] = std::move(var);
  }
  for (const auto& [value, origin] : merged) {
    for (const Json& mapping : value.is_array() ? value : Json::array({value})) {
      if (!mapping.is_object()) return Failed(origin, "<< merges only mappings");
      for (const auto& [k, v] : mapping.items()) vars.try_emplace(k, Variable{v, origin});
    }
  }
  return vars;
}

Result<std::string> ReadBounded(const std::string& path) {
  auto text = fleet::ReadFileText(path, kMaxInventoryFileBytes);
  if (!text.ok()) return Status::Invalid(text.status().message());
  return text;
}

bool IsYamlName(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".yml" || ext == ".yaml" || ext == ".json";
}

}  // namespace

// --- host patterns -----------------------------------------------------------------------------

namespace {

constexpr size_t kMaxRangesPerPattern = 16;

// The values one "[begin:end[:step]]" stands for, as Ansible's expand_hostname_range gives them;
// counted before any is made, so "[0:999999999]" is refused at once.
Result<std::vector<std::string>> RangeValues(const std::string& range, size_t room) {
  std::vector<std::string> bounds;
  for (size_t start = 0;;) {
    const size_t colon = range.find(':', start);
    bounds.push_back(range.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (bounds.size() != 2 && bounds.size() != 3) {
    return Status::Invalid("host range must be begin:end or begin:end:step");
  }
  const std::string begin = bounds[0].empty() ? "0" : bounds[0];
  const std::string& end = bounds[1];
  if (end.empty()) return Status::Invalid("host range must specify end value");
  auto number = [](const std::string& text, long* value) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return false;
    *value = std::stol(text);
    return true;
  };
  long step = 1;
  if (bounds.size() == 3 && (!number(bounds[2], &step) || step <= 0)) {
    return Status::Invalid("host range step must be a positive integer");
  }
  size_t width = 0;  // a leading zero pads every number to the begin's width
  if (begin.size() > 1 && begin[0] == '0') {
    if (begin.size() != end.size()) return Status::Invalid("host range must specify equal-length begin and end formats");
    width = begin.size();
  }
  auto too_many = [&] {
    return Status::Invalid("host pattern expands to more than " + std::to_string(kMaxInventoryHosts) + " hosts");
  };
  std::vector<std::string> values;
  static const std::string kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const size_t letter_begin = begin.size() == 1 ? kLetters.find(begin[0]) : std::string::npos;
  const size_t letter_end = end.size() == 1 ? kLetters.find(end[0]) : std::string::npos;
  if (letter_begin != std::string::npos && letter_end != std::string::npos) {
    if (letter_begin > letter_end) return Status::Invalid("host range must have begin <= end");
    for (size_t i = letter_begin; i <= letter_end; i += static_cast<size_t>(step)) values.push_back(std::string(1, kLetters[i]));
    return values;
  }
  long first = 0, last = 0;
  if (!number(begin, &first) || !number(end, &last)) {
    return Status::Invalid("host range bounds must be numbers or single letters");
  }
  if (last >= first && static_cast<size_t>((last - first) / step + 1) > room) return too_many();
  for (long i = first; i <= last; i += step) {
    std::string n = std::to_string(i);
    if (n.size() < width) n.insert(0, width - n.size(), '0');
    values.push_back(std::move(n));
  }
  return values;  // empty when end < begin: the pattern names no host, as in Ansible
}

}  // namespace

Result<std::vector<std::string>> ExpandHostPattern(const std::string& pattern) {
  // The pattern as literal pieces and ranges, left to right: "web[01:02].x" is web, 01|02, .x.
  std::vector<std::vector<std::string>> pieces;
  size_t total = 1;
  std::string rest = pattern;
  for (size_t open; (open = rest.find('[')) != std::string::npos;) {
    const size_t close = rest.find(']', open);
    if (close == std::string::npos) return Status::Invalid("host range must be begin:end or begin:end:step");
    if (pieces.size() >= 2 * kMaxRangesPerPattern) {
      return Status::Invalid("host pattern has more than " + std::to_string(kMaxRangesPerPattern) + " ranges");
    }
    auto values = RangeValues(rest.substr(open + 1, close - open - 1), kMaxInventoryHosts / total);
    if (!values.ok()) return values.status();
    if (values->empty()) return std::vector<std::string>();
    total *= values->size();
    if (total > kMaxInventoryHosts) {
      return Status::Invalid("host pattern expands to more than " + std::to_string(kMaxInventoryHosts) + " hosts");
    }
    pieces.push_back({rest.substr(0, open)});
    pieces.push_back(std::move(*values));
    rest = rest.substr(close + 1);
  }
  pieces.push_back({rest});
  // Every combination, the last range varying fastest (an odometer), as Ansible's recursion gives.
  std::vector<std::string> out;
  out.reserve(total);
  std::vector<size_t> digit(pieces.size(), 0);
  while (true) {
    std::string name;
    for (size_t i = 0; i < pieces.size(); ++i) name += pieces[i][digit[i]];
    out.push_back(std::move(name));
    size_t i = pieces.size();
    while (i > 0 && ++digit[i - 1] == pieces[i - 1].size()) digit[--i] = 0;
    if (i == 0) return out;
  }
}

// Splits "host:port" as Ansible's parse_address does for the forms inventories use: a name or
// IPv4 address (ranges allowed) with an optional :port, or [IPv6]:port.
Status SplitPort(const std::string& pattern, std::string* host, std::optional<int>* port) {
  *host = pattern;
  port->reset();
  size_t colon = std::string::npos;
  if (pattern.size() > 1 && pattern[0] == '[' && pattern.find("]:") != std::string::npos &&
      pattern.find(':') < pattern.find("]:")) {  // [v6]:port
    colon = pattern.find("]:") + 1;
    *host = pattern.substr(1, colon - 2);
  } else {
    int depth = 0, outside = 0;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '[') ++depth;
      if (pattern[i] == ']') --depth;
      if (pattern[i] == ':' && depth == 0) {
        ++outside;
        colon = i;
      }
    }
    if (outside != 1) return {};  // none, or a bare IPv6 address
    *host = pattern.substr(0, colon);
  }
  const std::string digits = pattern.substr(colon + 1);
  if (digits.empty()) return Status::Invalid("host pattern " + fleet::ShownName(pattern) + " ends in ':'");
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
    *host = pattern;  // not a port: ansible keeps the whole text as the name
    return {};
  }
  *port = std::stoi(digits);
  if (*port == 0) port->reset();  // Ansible sets ansible_port only for a port that is not 0
  return {};
}

// --- shlex -------------------------------------------------------------------------------------

Result<std::vector<std::string>> ShlexSplit(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '#') {
      break;  // a comment, from the start of a word or inside one
    } else if (c == '\\') {
      if (i + 1 >= line.size()) return Status::Invalid("No escaped character");
      word += line[++i];
      in_word = true;
    } else if (c == '\'') {
      const size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) return Status::Invalid("No closing quotation");
      word.append(line.substr(i + 1, close - i - 1));
      i = close;
      in_word = true;
    } else if (c == '"') {
      ++i;
      for (;; ++i) {
        if (i >= line.size()) return Status::Invalid("No closing quotation");
        if (line[i] == '"') break;
        // Inside double quotes a backslash escapes only itself and the quote.
        if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '\\' || line[i + 1] == '"')) ++i;
        word += line[i];
      }
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// --- the inventory -----------------------------------------------------------------------------

InventoryGroup& AnsibleInventory::Group(const std::string& name) { return groups_[name]; }

void AnsibleInventory::AddHost(const std::string& name, const std::string& group, const Origin& origin) {
  auto [it, added] = hosts_.try_emplace(name);
  if (added) {
    it->second.origin = origin;
    host_order_.push_back(name);
  }
  Group(group).hosts.insert(name);
  direct_groups_[name].insert(group);
}

void AnsibleInventory::AddChild(const std::string& parent, const std::string& child) {
  Group(parent).children.insert(child);
  Group(child).parents.insert(parent);
}

void AnsibleInventory::Reconcile() {
  Group("all");
  Group("ungrouped");
  for (auto& [name, group] : groups_) {
    if (name != "all" && group.parents.empty()) AddChild("all", name);
  }
  for (const std::string& host : host_order_) {
    const std::set<std::string> groups = GroupsOf(host);
    const bool only_implicit = std::all_of(groups.begin(), groups.end(), [](const std::string& g) {
      return g == "all" || g == "ungrouped";
    });
    std::set<std::string>& direct = direct_groups_[host];
    if (!only_implicit) {
      groups_["ungrouped"].hosts.erase(host);
      direct.erase("ungrouped");
    } else {
      groups_["ungrouped"].hosts.insert(host);
      groups_["all"].hosts.erase(host);
      direct.insert("ungrouped");
      direct.erase("all");
    }
  }
}

std::set<std::string> AnsibleInventory::GroupsOf(const std::string& host) const {
  std::set<std::string> out;
  std::vector<std::string> todo;
  if (auto direct = direct_groups_.find(host); direct != direct_groups_.end()) {
    todo.assign(direct->second.begin(), direct->second.end());
  }
  while (!todo.empty()) {
    const std::string name = todo.back();
    todo.pop_back();
    if (!out.insert(name).second) continue;
    for (const std::string& parent : groups_.at(name).parents) todo.push_back(parent);
  }
  return out;
}

std::vector<std::string> AnsibleInventory::SortedGroupsOf(const std::string& host) const {
  std::vector<std::string> sorted;
  for (const std::string& g : GroupsOf(host)) {
    if (g != "all") sorted.push_back(g);
  }
  std::sort(sorted.begin(), sorted.end(), [&](const std::string& a, const std::string& b) {
    const InventoryGroup& ga = groups_.at(a);
    const InventoryGroup& gb = groups_.at(b);
    return std::tie(ga.depth, ga.priority, a) < std::tie(gb.depth, gb.priority, b);
  });
  return sorted;
}

Variables AnsibleInventory::MergedVars(const std::string& host) const {
  Variables merged;
  auto combine = [&merged](const Variables& vars) {
    for (const auto& [name, var] : vars) merged[name] = var;
  };
  auto from_files = [](const std::vector<std::map<std::string, Variables>>& dirs, const std::string& name,
                       const std::function<void(const Variables&)>& use) {
    for (const auto& dir : dirs) {
      if (auto it = dir.find(name); it != dir.end()) use(it->second);
    }
  };
  const std::vector<std::string> groups = SortedGroupsOf(host);
  combine(groups_.at("all").vars);
  for (const std::string& g : groups) combine(groups_.at(g).vars);
  from_files(group_files_, "all", combine);
  for (const auto& dir : group_files_) {
    for (const std::string& g : groups) {
      if (auto it = dir.find(g); it != dir.end()) combine(it->second);
    }
  }
  combine(hosts_.at(host).vars);
  from_files(host_files_, host, combine);
  return merged;
}

// Reads sources into an inventory (a friend of AnsibleInventory).
class InventoryReader {
 public:
  InventoryReader(AnsibleInventory* inventory, const InventoryOptions& options)
      : inv_(*inventory), options_(options) {}

  Status ReadSource(const std::string& source) {
    std::error_code ec;
    if (fs::is_directory(source, ec)) {
      FLEET_RETURN_IF_ERROR(ReadDirectory(source));
      var_dirs_.push_back(source);
      return {};
    }
    if (!fs::is_regular_file(source, ec)) return Status::Invalid(source + ": no such inventory file");
    FLEET_RETURN_IF_ERROR(ReadFile(source));
    var_dirs_.push_back(fs::path(source).parent_path().string());
    return {};
  }

  Status Finish() {
    inv_.Reconcile();
    FLEET_RETURN_IF_ERROR(ComputeDepths());
    if (!options_.playbook_dir.empty()) var_dirs_.push_back(options_.playbook_dir);
    for (const std::string& dir : var_dirs_) {
      std::map<std::string, Variables> groups, hosts;
      for (const auto& [name, group] : inv_.groups_) {
        auto vars = ReadVarsFiles(fs::path(dir.empty() ? "." : dir) / "group_vars", name);
        if (!vars.ok()) return vars.status();
        if (!vars->empty()) groups[name] = std::move(*vars);
      }
      for (const std::string& name : inv_.host_order_) {
        auto vars = ReadVarsFiles(fs::path(dir.empty() ? "." : dir) / "host_vars", name);
        if (!vars.ok()) return vars.status();
        if (!vars->empty()) hosts[name] = std::move(*vars);
      }
      inv_.group_files_.push_back(std::move(groups));
      inv_.host_files_.push_back(std::move(hosts));
    }
    return {};
  }

 private:
  // Ansible's INVENTORY_IGNORE defaults: hidden files, the vars directories, and these endings.
  static bool Ignored(const std::string& name) {
    static const char* const kEndings[] = {"~", ".orig", ".ini", ".cfg", ".retry", ".pyc", ".pyo",
                                           ".swp", ".bak", ".rpm", ".md", ".txt", ".rst"};
    if (name.empty() || name[0] == '.' || name == "group_vars" || name == "host_vars" ||
        name == "vars_plugins") {
      return true;
    }
    return std::any_of(std::begin(kEndings), std::end(kEndings),
                       [&](const char* e) { return name.ends_with(e); });
  }

  Status ReadDirectory(const std::string& dir) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry.path());
    if (ec) return Status::Invalid(dir + ": " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const fs::path& path : entries) {
      if (Ignored(path.filename().string())) continue;
      if (fs::is_directory(path, ec)) {
        FLEET_RETURN_IF_ERROR(ReadDirectory(path.string()));
      } else {
        FLEET_RETURN_IF_ERROR(ReadFile(path.string()));
      }
    }
    return {};
  }

  // YAML by its extension; a file without one is YAML when it reads as a mapping, else INI, as
  // Ansible tries its yaml plugin before its ini plugin.
  Status ReadFile(const std::string& path) {
    auto text = ReadBounded(path);
    if (!text.ok()) return text.status();
    const bool has_extension = !fs::path(path).extension().empty();
    if (IsYamlName(path) || !has_extension) {
      auto node = ParseYaml(*text, path);
      if (node.ok() && node->IsMap()) return ReadYamlInventory(*node, path);
      if (has_extension) {
        if (!node.ok()) return node.status();
        return Failed({path, 0}, "YAML inventory has invalid structure, it should be a dictionary");
      }
    }
    return ReadIni(*text, path);
  }

  // --- YAML inventories ---

  Status ReadYamlInventory(const YAML::Node& root, const std::string& path) {
    YamlReader reader(path, options_.vault_password);
    if (root["plugin"] && !root["plugin"].IsNull()) {
      return Failed(reader.At(root), "an inventory plugin's configuration, not an inventory: "
                                     "run ansible-inventory -i FILE --list -y > inventory.yml and import that");
    }
    for (const auto& entry : root) {
      FLEET_RETURN_IF_ERROR(ReadYamlGroup(reader, entry.first, entry.second));
    }
    return {};
  }

  Status ReadYamlGroup(YamlReader& reader, const YAML::Node& key, const YAML::Node& body) {
    if (!key.IsScalar() || (key.Tag() == "?" && !Yaml11Scalar(key.Scalar()).is_string())) {
      return Failed(reader.At(key), "a group name must be a string");
    }
    FLEET_RETURN_IF_ERROR(reader.Visit(key));
    const std::string name = key.Scalar();
    FLEET_RETURN_IF_ERROR(CheckName(name, reader.At(key), "group"));
    if (++group_depth_ > kMaxYamlDepth) return Failed(reader.At(key), "groups nested deeper than 64");
    inv_.Group(name);
    if (body && !body.IsNull()) {
      if (!body.IsMap()) {
        inv_.warnings_.push_back(reader.At(key).ToString() + ": skipping " + fleet::ShownName(name) +
                                 ": not a valid group definition");
      } else {
        for (const auto& section : body) {
          FLEET_RETURN_IF_ERROR(ReadYamlSection(reader, name, section.first, section.second));
        }
      }
    }
    --group_depth_;
    return {};
  }

  Status ReadYamlSection(YamlReader& reader, const std::string& group, const YAML::Node& key,
                         YAML::Node body) {
    const std::string section = key.IsScalar() ? key.Scalar() : "";
    if (section != "vars" && section != "children" && section != "hosts") {
      inv_.warnings_.push_back(reader.At(key).ToString() + ": skipping unexpected key " +
                               fleet::ShownName(section) + " in group " + group +
                               ": only vars, children and hosts are valid");
      return {};
    }
    if (!body || body.IsNull()) return {};
    if (body.IsScalar() && body.Tag() == "?" && !Yaml11Scalar(body.Scalar()).is_string()) {
      return Failed(reader.At(body), "invalid \"" + section + "\" entry for \"" + group +
                                         "\" group, requires a dictionary");
    }
    if (body.IsScalar()) {  // "hosts: web1" is {web1: null}
      YAML::Node as_map(YAML::NodeType::Map);
      as_map[body.Scalar()] = YAML::Node(YAML::NodeType::Null);
      body = as_map;
    }
    if (!body.IsMap()) {
      return Failed(reader.At(body), "invalid \"" + section + "\" entry for \"" + group +
                                         "\" group, requires a dictionary");
    }
    if (section == "vars") {
      auto vars = ReadVariables(reader, body);
      if (!vars.ok()) return vars.status();
      return SetGroupVars(group, std::move(*vars));
    }
    if (section == "children") {
      for (const auto& child : body) {
        FLEET_RETURN_IF_ERROR(ReadYamlGroup(reader, child.first, child.second));
        FLEET_RETURN_IF_ERROR(AddChild(group, child.first.Scalar(), reader.At(child.first)));
      }
      return {};
    }
    for (const auto& host : body) {
      if (!host.first.IsScalar() ||
          (host.first.Tag() == "?" && !Yaml11Scalar(host.first.Scalar()).is_string())) {
        return Failed(reader.At(host.first), "Host pattern " + fleet::ShownName(host.first.Scalar()) +
                                                 " must be a string. Enclose integers/floats in quotation marks.");
      }
      FLEET_RETURN_IF_ERROR(reader.Visit(host.first));
      auto vars = ReadVariables(reader, host.second);
      if (!vars.ok()) return vars.status();
      FLEET_RETURN_IF_ERROR(AddHosts(host.first.Scalar(), group, std::move(*vars), reader.At(host.first)));
    }
    return {};
  }

  // --- INI inventories ---

  Status ReadIni(const std::string& text, const std::string& path) {
    static const std::regex kSection(R"(^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$)");
    static const std::regex kGroupName(R"(^([^:\]\s]+)\s*(?:#.*)?$)");
    std::string group = "ungrouped";
    std::string state = "hosts";
    struct Pending {
      int line;
      std::string state;
      std::vector<std::string> parents;
    };
    std::map<std::string, Pending> pending;
    int line_number = 0;
    size_t start = 0;
    while (start <= text.size()) {
      const size_t newline = text.find('\n', start);
      std::string line = text.substr(start, newline == std::string::npos ? std::string::npos : newline - start);
      start = newline == std::string::npos ? text.size() + 1 : newline + 1;
      ++line_number;
      const Origin at{path, line_number};
      const size_t first = line.find_first_not_of(" \t\r\f\v");
      if (first == std::string::npos) continue;
      line = line.substr(first, line.find_last_not_of(" \t\r\f\v") - first + 1);
      if (line[0] == '#' || line[0] == ';') continue;
      if (!fleet::IsUtf8(line)) return Failed(at, "a line that is not UTF-8");
      std::smatch m;
      if (line.size() < 4096 && std::regex_match(line, m, kSection)) {
        group = m[1].str();
        state = m[2].matched ? m[2].str() : "hosts";
        if (state != "hosts" && state != "children" && state != "vars") {
          return Failed(at, "Section [" + group + ":" + state + "] has unknown type: " + state);
        }
        if (!inv_.groups_.count(group)) {
          if (state == "vars" && !pending.count(group)) pending[group] = {line_number, state, {}};
          inv_.Group(group);
        }
        if (auto it = pending.find(group); it != pending.end() && state != "vars") {
          if (it->second.state == "children") {
            FLEET_RETURN_IF_ERROR(AddPendingChildren(group, &pending, at));
          } else {
            pending.erase(it);
          }
        }
        continue;
      }
      if (line.front() == '[' && line.back() == ']') {
        return Failed(at, "Invalid section entry: '" + line +
                              "'. Please make sure that there are no spaces in the section entry, "
                              "and that there are no other invalid characters");
      }
      if (state == "hosts") {
        auto words = ShlexSplit(line);
        if (!words.ok()) return Failed(at, "Error parsing host definition '" + line + "': " + words.status().message());
        if (words->empty()) continue;
        Variables vars;
        for (size_t i = 1; i < words->size(); ++i) {
          const std::string& word = (*words)[i];
          const size_t eq = word.find('=');
          if (eq == std::string::npos) return Failed(at, "Expected key=value host variable assignment, got: " + word);
          vars[word.substr(0, eq)] = Variable{IniValue(word.substr(eq + 1)), at};
        }
        FLEET_RETURN_IF_ERROR(AddHosts((*words)[0], group, std::move(vars), at));
      } else if (state == "vars") {
        const size_t eq = line.find('=');
        if (eq == std::string::npos) return Failed(at, "Expected key=value, got: " + line);
        auto trim = [](std::string s) {
          const size_t b = s.find_first_not_of(" \t");
          if (b == std::string::npos) return std::string();
          return s.substr(b, s.find_last_not_of(" \t") - b + 1);
        };
        Variables vars;
        vars[trim(line.substr(0, eq))] = Variable{IniValue(trim(line.substr(eq + 1))), at};
        FLEET_RETURN_IF_ERROR(SetGroupVars(group, std::move(vars)));
      } else {
        if (line.size() >= 4096 || !std::regex_match(line, m, kGroupName)) {
          return Failed(at, "Expected group name, got: " + line);
        }
        const std::string child = m[1].str();
        if (!inv_.groups_.count(child)) {
          auto [it, added] = pending.try_emplace(child, Pending{line_number, "children", {}});
          it->second.parents.push_back(group);
        } else {
          FLEET_RETURN_IF_ERROR(AddChild(group, child, at));
        }
      }
    }
    for (const auto& [name, decl] : pending) {
      if (decl.state == "vars") {
        return Failed({path, decl.line}, "Section [" + name + ":vars] not valid for undefined group: " + name);
      }
      return Failed({path, decl.line}, "Section [" + decl.parents.back() + ":children] includes undefined group: " + name);
    }
    return {};
  }

  // The children sections that waited for group to be declared, and those that waited for them
  // in turn (a worklist: a chain of 20,000 pending groups is no deeper a stack than one).
  template <typename PendingMap>
  Status AddPendingChildren(const std::string& group, PendingMap* pending, const Origin& at) {
    std::vector<std::string> todo = {group};
    while (!todo.empty()) {
      const std::string child = todo.back();
      todo.pop_back();
      auto it = pending->find(child);
      if (it == pending->end()) continue;
      const auto parents = it->second.parents;
      pending->erase(it);
      for (const std::string& parent : parents) {
        FLEET_RETURN_IF_ERROR(AddChild(parent, child, at));
        if (auto p = pending->find(parent); p != pending->end() && p->second.state == "children") {
          todo.push_back(parent);
        }
      }
    }
    return {};
  }

  // --- shared ---

  static Status CheckName(const std::string& name, const Origin& at, const char* what) {
    if (name.empty() || name.size() > 255 || !fleet::IsUtf8(name)) {
      return Failed(at, std::string("invalid ") + what + " name " + fleet::ShownName(name));
    }
    return {};
  }

  Status AddHosts(const std::string& pattern, const std::string& group, Variables vars, const Origin& at) {
    std::string host_pattern;
    std::optional<int> port;
    Status split = SplitPort(pattern, &host_pattern, &port);
    if (!split.ok()) return Failed(at, split.message());
    auto names = ExpandHostPattern(host_pattern);
    if (!names.ok()) return Failed(at, names.status().message());
    if (port) vars.try_emplace("ansible_port", Variable{Json(*port), at});  // a var written out wins
    host_entries_ += names->size();
    if (host_entries_ > kMaxHostEntries) {
      return Failed(at, "more than " + std::to_string(kMaxHostEntries) + " host entries (patterns written again count again)");
    }
    // Each host of a pattern gets its own copy of the variables: bounded over the inventory, so a
    // small file (aliases, a long value on a wide range) cannot make them a huge tree.
    size_t nodes = 0;
    for (const auto& [key, var] : vars) nodes += 1 + ValueCount(var.value);
    variable_nodes_ += nodes * names->size();
    if (variable_nodes_ > kMaxVariableNodes) {
      return Failed(at, "the hosts' variables come to more than " + std::to_string(kMaxVariableNodes) +
                            " values in all (a value repeated over a range of hosts?)");
    }
    for (const std::string& name : *names) {
      FLEET_RETURN_IF_ERROR(CheckName(name, at, "host"));
      if (inv_.hosts_.size() >= kMaxInventoryHosts && !inv_.hosts_.count(name)) {
        return Failed(at, "more than " + std::to_string(kMaxInventoryHosts) + " hosts");
      }
      inv_.AddHost(name, group, at);
      for (const auto& [key, var] : vars) inv_.hosts_[name].vars[key] = var;
    }
    return {};
  }

  Status SetGroupVars(const std::string& group, Variables vars) {
    InventoryGroup& g = inv_.Group(group);
    for (auto& [key, var] : vars) {
      if (key == "ansible_group_priority") {
        // Ansible takes int(value): 1.5 is 1, "7" is 7.
        const Json& v = var.value;
        if (v.is_number() && !v.is_boolean() && std::abs(v.get<double>()) < 1e9) {
          g.priority = static_cast<int>(v.get<double>());
        } else if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() < 10 &&
                   v.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
          g.priority = std::stoi(v.get<std::string>());
        } else {
          return Failed(var.origin, "ansible_group_priority must be an integer");
        }
        continue;
      }
      g.vars[key] = std::move(var);
    }
    return {};
  }

  Status AddChild(const std::string& parent, const std::string& child, const Origin& at) {
    if (parent == child) return Failed(at, "group " + child + " cannot be its own child");
    inv_.AddChild(parent, child);
    return {};
  }

  // Depth is the longest path from all, found in topological order (Kahn's algorithm, no
  // recursion); a group left over is in a loop of children, an error as Ansible's "recursive
  // dependency loop".
  Status ComputeDepths() {
    std::map<std::string, size_t> waiting;  // parents not yet placed
    std::vector<std::string> ready;
    for (auto& [name, group] : inv_.groups_) {
      group.depth = 0;
      waiting[name] = group.parents.size();
      if (group.parents.empty()) ready.push_back(name);
    }
    size_t placed = 0;
    while (!ready.empty()) {
      const std::string name = ready.back();
      ready.pop_back();
      ++placed;
      const InventoryGroup& group = inv_.groups_.at(name);
      for (const std::string& child : group.children) {
        InventoryGroup& c = inv_.groups_.at(child);
        c.depth = std::max(c.depth, group.depth + 1);
        if (--waiting[child] == 0) ready.push_back(child);
      }
    }
    if (placed == inv_.groups_.size()) return {};
    for (const auto& [name, left] : waiting) {
      if (left > 0) return Status::Invalid("group " + fleet::ShownName(name) + " is its own ancestor (a loop of children)");
    }
    return {};
  }

  // group_vars/NAME: the file NAME, NAME.yml, NAME.yaml or NAME.json (the first that exists), and
  // before it a directory NAME/ whose files are read in name order, subdirectories included.
  Result<Variables> ReadVarsFiles(const fs::path& dir, const std::string& name) {
    Variables vars;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return vars;
    std::vector<fs::path> files;
    for (const char* ext : {"", ".yml", ".yaml", ".json"}) {
      const fs::path path = dir / (name + ext);
      if (fs::is_directory(path, ec)) {
        FLEET_RETURN_IF_ERROR(ListVarsDirectory(path, &files));
      } else if (fs::exists(path, ec)) {
        files.push_back(path);
        break;
      }
    }
    for (const fs::path& file : files) {
      FLEET_RETURN_IF_ERROR(ReadVarsFile(file.string(), &vars));
    }
    return vars;
  }

  Status ListVarsDirectory(const fs::path& dir, std::vector<fs::path>* files) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    for (const fs::path& path : entries) {
      const std::string name = path.filename().string();
      if (name.empty() || name[0] == '.' || name.ends_with("~")) continue;
      const std::string ext = path.extension().string();
      if (fs::is_directory(path, ec) && ext.empty()) {
        FLEET_RETURN_IF_ERROR(ListVarsDirectory(path, files));
      } else if (fs::is_regular_file(path, ec) && (ext.empty() || IsYamlName(name))) {
        files->push_back(path);
      }
    }
    return {};
  }

  Status ReadVarsFile(const std::string& path, Variables* vars) {
    auto text = ReadBounded(path);
    if (!text.ok()) return text.status();
    std::string plain = std::move(*text);
    const bool vault_file = IsVaultText(plain);
    if (vault_file) {
      if (!options_.vault_password) {
        inv_.warnings_.push_back(path + ": encrypted with Ansible Vault; not read (no vault password given)");
        return {};
      }
      auto decrypted = VaultDecrypt(plain, *options_.vault_password);
      if (!decrypted.ok()) return Failed({path, 0}, "vault: " + decrypted.status().message());
      plain = std::move(*decrypted);
    }
    auto node = ParseYaml(plain, path);
    if (!node.ok()) return node.status();
    YamlReader reader(path, options_.vault_password);
    auto read = ReadVariables(reader, *node);
    if (!read.ok()) return read.status();
    for (auto& [key, var] : *read) {
      var.from_vault = var.from_vault || vault_file;
      (*vars)[key] = std::move(var);
    }
    return {};
  }

  AnsibleInventory& inv_;
  const InventoryOptions& options_;
  std::vector<std::string> var_dirs_;
  int group_depth_ = 0;
  size_t variable_nodes_ = 0;  // host variables' values copied so far
  size_t host_entries_ = 0;    // host names listed so far, with repeats
};

Result<AnsibleInventory> AnsibleInventory::Read(const InventoryOptions& options) {
  if (options.sources.empty()) return Status::Invalid("no inventory given (-i)");
  AnsibleInventory inventory;
  inventory.Group("all");
  inventory.Group("ungrouped");
  InventoryReader reader(&inventory, options);
  for (const std::string& source : options.sources) FLEET_RETURN_IF_ERROR(reader.ReadSource(source));
  FLEET_RETURN_IF_ERROR(reader.Finish());
  return inventory;
}

}  // namespace ansible_compat
