#include "agent/relabel/relabel.h"

// MD5_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are the digest
// itself, while MD5() and EVP_Digest* first fetch it from the default provider, which loads
// openssl.cnf and builds the provider's method store (see fleet/core/crypto.cc, which hashes with
// SHA256_* for the same reason): resident memory the agent would pay for one hashmod rule.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <iterator>
#include <unordered_map>

namespace agent::relabel {
namespace {

using fleet::metrics::IsLabelName;
using fleet::metrics::IsMetricName;

using fleet::metrics::Family;
using fleet::metrics::Label;
using fleet::metrics::Labels;

constexpr std::array<std::string_view, 11> kActionNames = {
    "replace",  "keep",      "drop",      "keepequal", "dropequal", "hashmod",
    "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"};

// RE2's memory budget per regex, for its compiled program and its DFA cache together: a rule's
// regex is at most a few hundred bytes of config, and when a match needs more DFA states than fit
// RE2 falls back to its NFA (still linear time) instead of growing. The default (8 MiB) times 64
// rules would be a resident-memory risk the agent does not take.
constexpr int64_t kRegexMaxMem = 1 << 20;

constexpr int kNoGroup = -1;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) { return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_'; }

// Prometheus's check of a replace target or labelmap replacement under legacy validation: a label
// name in which $ references (`$name`, `${name}`, name = \w+) may stand for parts; the first part
// is a letter, `_` or a reference, the rest word characters or references.
bool IsLabelNameTemplate(std::string_view text) {
  size_t i = 0;
  bool first = true;
  while (i < text.size()) {
    if (text[i] == '$') {
      ++i;
      const bool brace = i < text.size() && text[i] == '{';
      if (brace) ++i;
      const size_t start = i;
      while (i < text.size() && IsWordChar(text[i])) ++i;
      if (i == start) return false;
      if (brace) {
        if (i >= text.size() || text[i] != '}') return false;
        ++i;
      }
    } else if (first ? (IsAsciiLetter(text[i]) || text[i] == '_') : IsWordChar(text[i])) {
      ++i;
    } else {
      return false;
    }
    first = false;
  }
  return !text.empty();
}

// Go's (?<name>...) as RE2's (?P<name>...): RE2 releases before 2023 know only the latter. Escapes,
// \Q...\E quotes and character classes, where "(?<" is literal text, are copied as they are.
std::string WithPerlNamedGroups(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  bool in_class = false;
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'Q') {
        const size_t end = pattern.find("\\E", i + 2);
        const size_t stop = end == std::string_view::npos ? pattern.size() : end + 2;
        out.append(pattern.substr(i, stop - i));
        i = stop;
        continue;
      }
      out.append(pattern.substr(i, 2));
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {  // [:alpha:]
        const size_t end = pattern.find(":]", i + 2);
        if (end != std::string_view::npos) {
          out.append(pattern.substr(i, end + 2 - i));
          i = end + 2;
          continue;
        }
      }
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      // A ] right after [ or [^ is a member, not the end.
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      out.append(pattern.substr(i, j - i));
      in_class = true;
      i = j;
      continue;
    }
    if (pattern.substr(i).starts_with("(?<") && i + 3 < pattern.size() && pattern[i + 3] != '=' &&
        pattern[i + 3] != '!') {
      out += "(?P<";
      i += 3;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// A replacement or target template cut at its references, as Go's Regexp.Expand reads it.
struct Template {
  struct Piece {
    std::string literal;    // copied first
    int group = kNoGroup;   // then this group's text, if any
  };
  std::vector<Piece> pieces;
  int max_group = kNoGroup;

  void Expand(const re2::StringPiece* groups, std::string* out) const {
    out->clear();
    for (const Piece& piece : pieces) {
      out->append(piece.literal);
      if (piece.group != kNoGroup) out->append(groups[piece.group].data(), groups[piece.group].size());
    }
  }
};

// Parses templates against one compiled regex. Go takes a reference's name as the longest run of
// Unicode letters, digits and `_` (so "$1x" names the group "1x"); the non-ASCII part of that is
// decided by an RE2 of the same classes, compiled only when a template has a $.
class TemplateParser {
 public:
  explicit TemplateParser(const RE2& regex) : regex_(regex) {}

  Template Parse(std::string_view text) {
    Template t;
    std::string literal;
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$') {
        literal += text[i++];
        continue;
      }
      ++i;
      if (i < text.size() && text[i] == '$') {  // $$ is a $
        literal += '$';
        ++i;
        continue;
      }
      const bool brace = i < text.size() && text[i] == '{';
      const size_t start = i + (brace ? 1 : 0);
      const size_t length = NameLength(text.substr(start));
      const bool closed = !brace || (start + length < text.size() && text[start + length] == '}');
      if (length == 0 || !closed) {  // malformed: the $ is text
        literal += '$';
        continue;
      }
      const int group = GroupOf(text.substr(start, length));
      t.pieces.push_back({std::move(literal), group});
      literal.clear();
      t.max_group = std::max(t.max_group, group);
      i = start + length + (brace ? 1 : 0);
    }
    if (!literal.empty()) t.pieces.push_back({std::move(literal), kNoGroup});
    return t;
  }

 private:
  size_t NameLength(std::string_view text) {
    size_t n = 0;
    while (n < text.size() && IsWordChar(text[n])) ++n;
    if (n == text.size() || static_cast<unsigned char>(text[n]) < 0x80) return n;
    if (!name_chars_) {
      RE2::Options options;
      options.set_log_errors(false);
      name_chars_ = std::make_unique<RE2>(R"([\p{L}\p{Nd}_]*)", options);
    }
    re2::StringPiece match;
    name_chars_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::ANCHOR_START,
                       &match, 1);
    return match.size();
  }

  // A number (no leading zero) is a group index; anything else a group name. kNoGroup when the
  // regex has no such group: the reference expands to "".
  int GroupOf(std::string_view name) const {
    const bool number = std::all_of(name.begin(), name.end(), IsAsciiDigit) &&
                        (name.size() == 1 || name[0] != '0');
    if (number) {
      int index = 0;
      const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
      if (ec != std::errc() || index > regex_.NumberOfCapturingGroups()) return kNoGroup;
      return index;
    }
    const auto& names = regex_.NamedCapturingGroups();
    const auto it = names.find(std::string(name));
    return it == names.end() ? kNoGroup : it->second;
  }

  const RE2& regex_;
  std::unique_ptr<RE2> name_chars_;
};

// The first 8 bytes of the MD5 digest are skipped: Prometheus takes the last 8, big-endian.
uint64_t HashMod(std::string_view value, uint64_t modulus) {
  unsigned char digest[MD5_DIGEST_LENGTH];
  MD5_CTX context;
  MD5_Init(&context);
  MD5_Update(&context, value.data(), value.size());
  MD5_Final(digest, &context);
  uint64_t hash = 0;
  for (int i = 8; i < 16; ++i) hash = (hash << 8) | digest[i];
  return hash % modulus;
}

std::string AsciiCase(std::string value, bool upper) {
  for (char& c : value) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return value;
}

// Prometheus's labels.Builder over a sorted vector: Get, Set ("" deletes), Del, and the order in
// which a rule that visits every label sees them (unchanged ones by name, then those set, in the
// order they were first set). `set_order` is kept only when a labelmap rule needs it.
class LabelSet {
 public:
  LabelSet(Labels* labels, std::vector<std::string>* set_order)
      : labels_(*labels), set_order_(set_order) {}

  std::string_view Get(std::string_view name) const {
    const auto it = Find(name);
    return it != labels_.end() && it->name == name ? std::string_view(it->value) : std::string_view();
  }

  void Set(std::string_view name, std::string value) {
    if (value.empty()) return Del(name);
    auto it = Find(name);
    if (it != labels_.end() && it->name == name) {
      it->value = std::move(value);
    } else {
      labels_.insert(it, Label{std::string(name), std::move(value)});
    }
    if (set_order_ && std::find(set_order_->begin(), set_order_->end(), name) == set_order_->end()) {
      set_order_->emplace_back(name);
    }
  }

  void Del(std::string_view name) {
    const auto it = Find(name);
    if (it != labels_.end() && it->name == name) labels_.erase(it);
    if (set_order_) std::erase(*set_order_, name);
  }

  // Deletes every label whose name `pred` holds for.
  template <typename Pred>
  void DelIf(Pred pred) {
    std::erase_if(labels_, [&](const Label& l) { return pred(l.name); });
    if (set_order_) {
      std::erase_if(*set_order_, [&](const std::string& name) { return Get(name).empty(); });
    }
  }

  // A copy of the labels in the builder's visiting order.
  Labels InVisitOrder() const {
    if (!set_order_ || set_order_->empty()) return labels_;
    Labels out;
    out.reserve(labels_.size());
    auto was_set = [&](const std::string& name) {
      return std::find(set_order_->begin(), set_order_->end(), name) != set_order_->end();
    };
    for (const Label& l : labels_) {
      if (!was_set(l.name)) out.push_back(l);
    }
    for (const std::string& name : *set_order_) out.push_back({name, std::string(Get(name))});
    return out;
  }

 private:
  Labels::iterator Find(std::string_view name) const {
    return std::lower_bound(labels_.begin(), labels_.end(), name,
                            [](const Label& l, std::string_view n) { return l.name < n; });
  }

  Labels& labels_;
  std::vector<std::string>* set_order_;
};

}  // namespace

std::string_view ActionName(Action action) { return kActionNames[static_cast<size_t>(action)]; }

std::optional<Action> ParseAction(std::string_view name) {
  const std::string lower = AsciiCase(std::string(name), /*upper=*/false);
  for (size_t i = 0; i < kActionNames.size(); ++i) {
    if (lower == kActionNames[i]) return static_cast<Action>(i);
  }
  return std::nullopt;
}

std::vector<std::string_view> ActionNames() { return {kActionNames.begin(), kActionNames.end()}; }

namespace {

// What a regex is known to match without running it. Most rules operators write use the default
// `(.*)`, `(.+)`, or a plain name (`labeldrop: device`); matching those by a comparison instead of
// RE2 takes the regex engine off the path of every series. The answers, groups included, are RE2's
// for `^(?s:pattern)$`, except that `.` here also takes a byte that is not UTF-8 (as Go's does).
enum class Shape {
  kRegex,     // anything else: RE2 decides
  kAny,       // (.*) or .*: every value; group 1 (if the pattern has it) is the whole value
  kNonEmpty,  // (.+) or .+: every value but ""; the same groups
  kLiteral,   // no metacharacter: the value equal to the pattern; no groups
};

Shape ShapeOf(std::string_view pattern) {
  if (pattern == "(.*)" || pattern == ".*") return Shape::kAny;
  if (pattern == "(.+)" || pattern == ".+") return Shape::kNonEmpty;
  // Characters that are literal in RE2's syntax wherever they stand (no class, escape, repeat,
  // group, alternation or anchor among them).
  const bool literal = std::all_of(pattern.begin(), pattern.end(), [](char c) {
    return IsWordChar(c) || c == ':' || c == '-' || c == '/' || c == '=' || c == ',' || c == ' ' ||
           c == ';' || c == '@' || c == '%' || c == '!' || c == '~';
  });
  return literal ? Shape::kLiteral : Shape::kRegex;
}

}  // namespace

struct CompiledRules::Compiled {
  struct One {
    std::unique_ptr<RE2> regex;
    Shape shape = Shape::kRegex;
    std::string literal;           // kLiteral: the pattern
    Template target, replacement;  // replace: both; labelmap: replacement
    // A replace target without references (most are: `targetLabel: region`), expanded once.
    bool target_is_fixed = false;
    std::string fixed_target;
    int submatches = 0;            // groups a match must report: up to the highest referenced

    // Whether `text` matches, anchored at both ends; groups[0, submatches) get the groups.
    bool Match(std::string_view text, re2::StringPiece* groups) const {
      const re2::StringPiece whole(text.data(), text.size());
      switch (shape) {
        case Shape::kAny:
        case Shape::kNonEmpty:
          if (shape == Shape::kNonEmpty && text.empty()) return false;
          // Group 0 is the whole match; group 1 (when there is one, as in (.*)) is too.
          for (int i = 0; i < submatches; ++i) groups[i] = whole;
          return true;
        case Shape::kLiteral:
          if (text != literal) return false;
          if (submatches > 0) groups[0] = whole;
          return true;
        case Shape::kRegex:
          break;
      }
      return regex->Match(whole, 0, text.size(), RE2::UNANCHORED, groups, submatches);
    }
  };
  std::vector<Rule> rules;
  std::vector<One> compiled;  // one per rule
  bool needs_set_order = false;
  // The leading rules that keep or drop by __name__ alone: the same answer for every series of a
  // name, which RelabelFamilies asks once per name instead of once per series.
  size_t name_rules = 0;
  bool rest_leaves_name = true;  // see RestLeavesName
};

namespace {

// Prometheus's Config.Validate under legacy validation, plus the names in sourceLabels (which its
// YAML decoding checks). Returns the failing field and why.
std::optional<std::pair<std::string, std::string>> CheckRule(const Rule& rule) {
  const std::string action(ActionName(rule.action));
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (!IsLabelName(rule.source_labels[i])) {
      return std::pair{"sourceLabels[" + std::to_string(i) + "]",
                       "\"" + rule.source_labels[i] + "\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"};
    }
  }
  if (rule.action == Action::kHashMod && rule.modulus == 0) {
    return std::pair{"modulus", std::string("the hashmod action requires a modulus greater than 0")};
  }
  const bool needs_target = rule.action == Action::kReplace || rule.action == Action::kHashMod ||
                            rule.action == Action::kLowercase || rule.action == Action::kUppercase ||
                            rule.action == Action::kKeepEqual || rule.action == Action::kDropEqual;
  if (needs_target && rule.target_label.empty()) {
    return std::pair{"targetLabel", "the " + action + " action requires targetLabel"};
  }
  const auto invalid_target = [&] {
    return std::pair{"targetLabel", "\"" + rule.target_label + "\" is not a valid targetLabel for the " +
                                        action + " action"};
  };
  if (rule.action == Action::kReplace && !IsLabelNameTemplate(rule.target_label)) {
    return invalid_target();
  }
  const bool whole_value = rule.action == Action::kLowercase || rule.action == Action::kUppercase ||
                           rule.action == Action::kKeepEqual || rule.action == Action::kDropEqual;
  if ((whole_value || rule.action == Action::kHashMod) && !IsLabelName(rule.target_label)) {
    return invalid_target();
  }
  if (whole_value && rule.replacement != kDefaultReplacement) {
    return std::pair{"replacement", "cannot be set for the " + action + " action"};
  }
  if (rule.action == Action::kLabelMap && !IsLabelNameTemplate(rule.replacement)) {
    return std::pair{"replacement", "\"" + rule.replacement + "\" is not a valid replacement for the " +
                                        action + " action"};
  }
  if (rule.action == Action::kKeepEqual || rule.action == Action::kDropEqual) {
    const std::string only = "the " + action + " action takes only sourceLabels and targetLabel";
    if (rule.regex) return std::pair{"regex", only};
    if (rule.modulus != 0) return std::pair{"modulus", only};
    if (rule.separator != kDefaultSeparator) return std::pair{"separator", only};
    if (rule.replacement != kDefaultReplacement) return std::pair{"replacement", only};
  }
  if (rule.action == Action::kLabelDrop || rule.action == Action::kLabelKeep) {
    const std::string only = "the " + action + " action takes only regex";
    if (!rule.source_labels.empty()) return std::pair{"sourceLabels", only};
    if (!rule.target_label.empty()) return std::pair{"targetLabel", only};
    if (rule.modulus != 0) return std::pair{"modulus", only};
    if (rule.separator != kDefaultSeparator) return std::pair{"separator", only};
    if (rule.replacement != kDefaultReplacement) return std::pair{"replacement", only};
  }
  return std::nullopt;
}

// The error of rule `index`, with the field as its cause (a config file places it by that path).
fleet::Status Invalid(size_t index, const std::string& field, const std::string& message) {
  return fleet::Status::Invalid(
      "", {fleet::Cause{fleet::kFieldValueInvalid, "[" + std::to_string(index) + "]." + field, message}});
}

}  // namespace

CompiledRules::CompiledRules() = default;
CompiledRules::~CompiledRules() = default;
CompiledRules::CompiledRules(const CompiledRules&) = default;
CompiledRules& CompiledRules::operator=(const CompiledRules&) = default;
CompiledRules::CompiledRules(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

fleet::Result<CompiledRules> CompiledRules::Compile(std::vector<Rule> rules) {
  if (rules.empty()) return CompiledRules();
  auto compiled = std::make_shared<Compiled>();
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kRegexMaxMem);
    const std::string pattern(rule.regex.value_or(std::string(kDefaultRegex)));
    auto regex = std::make_unique<RE2>("^(?s:" + WithPerlNamedGroups(pattern) + ")$", options);
    if (!regex->ok()) return Invalid(i, "regex", "invalid regular expression: " + regex->error());
    if (auto error = CheckRule(rule)) return Invalid(i, error->first, error->second);
    Compiled::One one;
    TemplateParser parser(*regex);
    if (rule.action == Action::kReplace) {
      one.target = parser.Parse(rule.target_label);
      one.target_is_fixed = one.target.max_group == kNoGroup;
      if (one.target_is_fixed) one.target.Expand(nullptr, &one.fixed_target);
    }
    if (rule.action == Action::kReplace || rule.action == Action::kLabelMap) {
      one.replacement = parser.Parse(rule.replacement);
    }
    one.submatches = std::max(one.target.max_group, one.replacement.max_group) + 1;
    one.shape = ShapeOf(pattern);
    if (one.shape == Shape::kLiteral) one.literal = pattern;
    one.regex = std::move(regex);
    compiled->needs_set_order |= rule.action == Action::kLabelMap;
    compiled->compiled.push_back(std::move(one));
    const bool by_name = (rule.action == Action::kKeep || rule.action == Action::kDrop) &&
                         rule.source_labels == std::vector<std::string>{"__name__"};
    if (by_name && compiled->name_rules == i) ++compiled->name_rules;
  }
  for (size_t i = compiled->name_rules; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    const bool reads = std::find(rule.source_labels.begin(), rule.source_labels.end(), "__name__") !=
                       rule.source_labels.end();
    // A replace target with $ references may expand to __name__.
    const bool writes = rule.action == Action::kReplace
                            ? !compiled->compiled[i].target_is_fixed ||
                                  compiled->compiled[i].fixed_target == "__name__"
                            : rule.target_label == "__name__";
    std::vector<re2::StringPiece> groups(std::max(compiled->compiled[i].submatches, 1));
    const bool matches_name = compiled->compiled[i].Match("__name__", groups.data());
    const bool by_regex = (rule.action == Action::kLabelMap && matches_name) ||
                          (rule.action == Action::kLabelDrop && matches_name) ||
                          (rule.action == Action::kLabelKeep && !matches_name);
    if (reads || writes || by_regex) compiled->rest_leaves_name = false;
  }
  compiled->rules = std::move(rules);
  return CompiledRules(std::move(compiled));
}

bool CompiledRules::empty() const { return compiled_ == nullptr; }

const std::vector<Rule>& CompiledRules::rules() const {
  static const std::vector<Rule> kNone;
  return compiled_ ? compiled_->rules : kNone;
}

bool CompiledRules::Process(Labels* labels) const { return ProcessFrom(0, labels); }

bool CompiledRules::NamePasses(std::string_view name) const {
  if (!compiled_) return true;
  std::array<re2::StringPiece, 10> groups;  // keep and drop take no groups: submatches is 0
  for (size_t r = 0; r < compiled_->name_rules; ++r) {
    const bool drop = compiled_->rules[r].action == Action::kDrop;
    if (compiled_->compiled[r].Match(name, groups.data()) == drop) return false;
  }
  return true;
}

bool CompiledRules::ProcessNamed(Labels* labels) const {
  return ProcessFrom(compiled_ ? compiled_->name_rules : 0, labels);
}

bool CompiledRules::RestLeavesName() const { return !compiled_ || compiled_->rest_leaves_name; }

bool CompiledRules::ProcessFrom(size_t first_rule, Labels* labels) const {
  fleet::metrics::SortByName(labels);
  labels->erase(std::unique(labels->begin(), labels->end(),
                            [](const Label& a, const Label& b) { return a.name == b.name; }),
                labels->end());
  std::erase_if(*labels, [](const Label& l) { return l.value.empty(); });
  if (!compiled_) return true;

  std::vector<std::string> set_order;
  LabelSet set(labels, compiled_->needs_set_order ? &set_order : nullptr);
  std::string joined, target, result;
  // Submatches on the stack for the usual few groups.
  std::array<re2::StringPiece, 10> inline_groups;
  std::vector<re2::StringPiece> more_groups;
  for (size_t r = first_rule; r < compiled_->rules.size(); ++r) {
    const Rule& rule = compiled_->rules[r];
    const Compiled::One& one = compiled_->compiled[r];
    re2::StringPiece* groups = inline_groups.data();
    if (one.submatches > static_cast<int>(inline_groups.size())) {
      more_groups.resize(one.submatches);
      groups = more_groups.data();
    }
    auto match = [&](std::string_view text) { return one.Match(text, groups); };
    // The source labels' values joined; one source label is read where it is (no copy), and a
    // rule that changes labels is done with the view before it does.
    std::string_view value;
    if (rule.source_labels.size() == 1) {
      value = set.Get(rule.source_labels[0]);
    } else if (!rule.source_labels.empty()) {
      joined.clear();
      for (size_t i = 0; i < rule.source_labels.size(); ++i) {
        if (i > 0) joined += rule.separator;
        joined += set.Get(rule.source_labels[i]);
      }
      value = joined;
    }
    switch (rule.action) {
      case Action::kDrop:
        if (match(value)) return false;
        break;
      case Action::kKeep:
        if (!match(value)) return false;
        break;
      case Action::kDropEqual:
        if (set.Get(rule.target_label) == value) return false;
        break;
      case Action::kKeepEqual:
        if (set.Get(rule.target_label) != value) return false;
        break;
      case Action::kReplace: {
        if (!match(value)) break;
        std::string_view name = one.fixed_target;
        if (!one.target_is_fixed) {
          one.target.Expand(groups, &target);
          name = target;
        }
        if (!IsLabelName(name)) break;
        one.replacement.Expand(groups, &result);
        set.Set(name, std::move(result));
        break;
      }
      case Action::kLowercase:
      case Action::kUppercase:
        set.Set(rule.target_label, AsciiCase(std::string(value), rule.action == Action::kUppercase));
        break;
      case Action::kHashMod:
        set.Set(rule.target_label, std::to_string(HashMod(value, rule.modulus)));
        break;
      case Action::kLabelMap:
        for (Label& label : set.InVisitOrder()) {
          if (!match(label.name)) continue;
          one.replacement.Expand(groups, &result);
          if (IsLabelName(result)) set.Set(result, std::move(label.value));
        }
        break;
      case Action::kLabelDrop:
        set.DelIf([&](const std::string& name) { return match(name); });
        break;
      case Action::kLabelKeep:
        set.DelIf([&](const std::string& name) { return !match(name); });
        break;
    }
  }
  return true;
}

namespace {

// A sample's identity within its family (suffix and labels), hashed: equal samples hash equal.
size_t SeriesHash(const fleet::metrics::Sample& sample) {
  size_t h = std::hash<std::string_view>()(sample.suffix);
  // Boost's hash_combine, once for each name and once for each value (their boundary counts).
  auto combine = [&h](std::string_view s) {
    h ^= std::hash<std::string_view>()(s) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  };
  for (const Label& l : sample.labels) {
    combine(l.name);
    combine(l.value);
  }
  return h;
}

bool SameSeries(const fleet::metrics::Sample& a, const fleet::metrics::Sample& b) {
  return a.suffix == b.suffix && a.labels == b.labels;
}

// Removes every sample that repeats an earlier one of the same family. Samples are sorted by
// (hash, position) and only those with equal hashes compared, so the common case, no duplicate,
// costs a hash per sample and no allocation beyond the reused index.
void RemoveRepeatedSeries(Family* family, std::vector<std::pair<size_t, size_t>>* index) {
  auto& samples = family->samples;
  if (samples.size() < 2) return;
  index->clear();
  for (size_t i = 0; i < samples.size(); ++i) index->emplace_back(SeriesHash(samples[i]), i);
  std::sort(index->begin(), index->end());
  std::vector<bool> repeated;
  for (size_t i = 1; i < index->size(); ++i) {
    if ((*index)[i].first != (*index)[i - 1].first) continue;
    // A run of equal hashes: each sample is a repeat if an earlier one in the run is the same.
    for (size_t j = i - 1;; --j) {
      if ((*index)[j].first != (*index)[i].first) break;
      if (SameSeries(samples[(*index)[j].second], samples[(*index)[i].second])) {
        if (repeated.empty()) repeated.resize(samples.size());
        repeated[(*index)[i].second] = true;
        break;
      }
      if (j == 0) break;
    }
  }
  if (repeated.empty()) return;
  size_t kept = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (repeated[i]) continue;
    if (kept != i) samples[kept] = std::move(samples[i]);
    ++kept;
  }
  samples.resize(kept);
}

// Whether a sample carries a __name__ label of its own (which its family's name overrides).
bool HasName(const Labels& labels) {
  constexpr std::string_view kName = "__name__";  // compared by length first
  return std::any_of(labels.begin(), labels.end(), [&](const Label& l) { return l.name == kName; });
}

}  // namespace

void RelabelFamilies(const CompiledRules& rules, std::vector<Family>* families) {
  if (rules.empty()) return;
  struct Moved {
    std::string name;  // the new family's
    size_t from;       // the family it left
    bool lost_suffix;  // a _bucket/_sum/_count sample whose new name does not end with it
    fleet::metrics::Sample sample;
  };
  std::vector<Moved> moved;
  // One label vector for every sample, which keeps its capacity: a sample's own is exactly as
  // long as its labels and would be reallocated for __name__, and again for what rules add.
  Labels labels;
  std::string series;
  // The name rules' answer for each suffix of the family at hand (a family has a few).
  std::vector<std::pair<std::string, bool>> name_passes;
  const bool leaves_name = rules.RestLeavesName();
  for (size_t f = 0; f < families->size(); ++f) {
    Family& family = (*families)[f];
    name_passes.clear();
    size_t kept = 0;
    for (auto& sample : family.samples) {
      series.assign(family.name).append(sample.suffix);
      auto known = std::find_if(name_passes.begin(), name_passes.end(),
                                [&](const auto& p) { return p.first == sample.suffix; });
      if (known == name_passes.end()) {
        // A name that is not valid is dropped below whatever the rules do to the labels.
        const bool passes = rules.NamePasses(series) && (!leaves_name || IsMetricName(series));
        known = name_passes.insert(name_passes.end(), {sample.suffix, passes});
      }
      if (!known->second) continue;
      if (leaves_name && !HasName(sample.labels)) {
        // The series keeps its name (checked with the name rules); only its labels change.
        if (!rules.ProcessNamed(&sample.labels)) continue;
        if (&family.samples[kept] != &sample) family.samples[kept] = std::move(sample);
        ++kept;
        continue;
      }
      // __name__ first: it sorts before the lower-case names collectors use, so labels that came
      // sorted stay sorted; and it is the one that counts should a sample carry another.
      labels.clear();
      labels.push_back({"__name__", series});
      std::move(sample.labels.begin(), sample.labels.end(), std::back_inserter(labels));
      if (!rules.ProcessNamed(&labels)) continue;
      std::string name;
      sample.labels.clear();
      sample.labels.reserve(labels.size());
      for (Label& label : labels) {
        if (label.name == "__name__") {
          name = std::move(label.value);
        } else {
          sample.labels.push_back(std::move(label));
        }
      }
      if (!IsMetricName(name)) continue;
      if (name == series) {
        if (&family.samples[kept] != &sample) family.samples[kept] = std::move(sample);
        ++kept;
        continue;
      }
      std::string family_name = name;
      bool lost_suffix = false;
      if (!sample.suffix.empty()) {
        if (name.size() > sample.suffix.size() && name.ends_with(sample.suffix)) {
          family_name.resize(name.size() - sample.suffix.size());
        } else {
          sample.suffix.clear();
          lost_suffix = true;
        }
      }
      moved.push_back({std::move(family_name), f, lost_suffix, std::move(sample)});
    }
    family.samples.resize(kept);
  }

  if (!moved.empty()) {
    std::unordered_map<std::string, size_t> by_name;
    for (size_t f = 0; f < families->size(); ++f) by_name.emplace((*families)[f].name, f);
    for (Moved& m : moved) {
      auto [it, added] = by_name.emplace(m.name, families->size());
      if (added) {
        const Family& from = (*families)[m.from];
        families->push_back(
            {m.name, from.help, m.lost_suffix ? fleet::metrics::Type::kUntyped : from.type, {}});
      }
      (*families)[it->second].samples.push_back(std::move(m.sample));
    }
  }

  std::vector<std::pair<size_t, size_t>> index;
  for (Family& family : *families) RemoveRepeatedSeries(&family, &index);
}

}  // namespace agent::relabel
