// Prometheus relabeling (relabel_config) for the agent: metricRelabelConfigs on what its own
// collectors produce, and remoteWrite.writeRelabelConfigs on what it pushes.
//
// The semantics are Prometheus v3.14.0's model/relabel, with the legacy label name validation
// (metric_name_validation_scheme: legacy, names [a-zA-Z_][a-zA-Z0-9_]*):
//   - the values of sourceLabels (a missing label is "") are joined with separator and matched
//     against regex anchored at both ends, as ^(?s:regex)$ (so `.` also matches a newline);
//   - in targetLabel and replacement, $1, ${1}, $name and ${name} expand as Go's Regexp.Expand
//     ($$ is a $; a $ followed by no name is literal; $1x is the group named "1x"; a group that
//     is absent or did not take part in the match expands to "");
//   - setting a label to "" deletes it; replace skips a match whose expanded targetLabel is not a
//     label name; hashmod is the last 8 bytes of the MD5 of the joined value, as a big-endian
//     integer, modulo modulus;
//   - labelmap, labeldrop and labelkeep see the labels as they were when the rule started, and
//     labelmap visits them as Prometheus's label builder does: unchanged labels by name, then the
//     ones earlier rules set, in the order they were first set (the last write to a name wins).
// Where the agent differs, for want of Go's Unicode tables or of a scrape to fail:
//   - lowercase and uppercase map ASCII letters only; other bytes are left as they are;
//   - a labelmap result that is not a label name is not set (Prometheus would set it and then
//     fail the scrape);
//   - regexes are RE2's (Go's syntax is RE2's; (?<name>...) is read as (?P<name>...)), so `.`
//     does not match a byte that is not UTF-8, where Go's matches it as U+FFFD; except in the
//     regexes matched without RE2, (.*), .*, (.+), .+ and a plain name, which answer as Go's do.
//     Collectors make their label values UTF-8 and the scrape parser refuses others, so no value
//     the rules see tells the two apart.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/metric_names.h"
#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent::relabel {

enum class Action {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// "replace", "hashmod", ...: the names in a config file.
std::string_view ActionName(Action action);
// The action of a name, in any case (as Prometheus reads it); nullopt for an unknown name.
std::optional<Action> ParseAction(std::string_view name);
// Every action's name, in the enum's order (the schema's enum lists the same).
std::vector<std::string_view> ActionNames();

inline constexpr std::string_view kDefaultSeparator = ";";
inline constexpr std::string_view kDefaultRegex = "(.*)";
inline constexpr std::string_view kDefaultReplacement = "$1";

// One rule as configured. Defaults are Prometheus's.
struct Rule {
  Action action = Action::kReplace;
  std::vector<std::string> source_labels;
  std::string separator{kDefaultSeparator};
  // Unset means kDefaultRegex. Kept apart because keepequal and dropequal refuse any regex that
  // is set, even to the default, as Prometheus does.
  std::optional<std::string> regex;
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement{kDefaultReplacement};
  bool operator==(const Rule&) const = default;
};

// A list of rules, checked and with their regexes compiled: built once when a config is loaded,
// then applied to every series. Copies share the compiled rules (they are immutable), so a
// config holding them copies cheaply. Thread-safe.
class CompiledRules {
 public:
  CompiledRules();  // no rules: every series is kept unchanged
  ~CompiledRules();
  CompiledRules(const CompiledRules&);
  CompiledRules& operator=(const CompiledRules&);

  // Checks each rule as Prometheus does when it loads a config and compiles its regex. The error
  // (Invalid) is about the first failing rule: its one cause names the field by its config name
  // (`[2].regex`), and the message is "[2].regex: invalid regular expression: missing ): (a".
  static fleet::Result<CompiledRules> Compile(std::vector<Rule> rules);

  bool empty() const;
  const std::vector<Rule>& rules() const;

  // Applies the rules in order to one series' labels (the metric name as __name__, in any order;
  // of a repeated name the first counts; empty values are absent labels). Returns false when a
  // rule drops the series; otherwise *labels is the result, sorted by name, each name once, no
  // empty values.
  [[nodiscard]] bool Process(fleet::metrics::Labels* labels) const;

  // The leading rules that keep or drop by the metric name alone (sourceLabels [__name__]): false
  // when they drop a series named `name`, whatever its other labels. A caller with many series of
  // one name asks once, then calls ProcessNamed for each series of a name that passes.
  [[nodiscard]] bool NamePasses(std::string_view name) const;
  // Process for a series whose name passed NamePasses and is its labels' only __name__: the
  // same result, without asking the leading name rules again. When RestLeavesName, the labels may
  // also come without __name__, and the result is the series' other labels.
  [[nodiscard]] bool ProcessNamed(fleet::metrics::Labels* labels) const;
  // Whether the rules after the leading name rules neither read __name__ nor could change or
  // remove it (judged from each rule: its sourceLabels and targetLabel, and for labelmap,
  // labeldrop and labelkeep whether its regex matches "__name__"). A series then keeps its name
  // whatever its labels, so RelabelFamilies need not copy the name into every series.
  bool RestLeavesName() const;

  // The same configured rules (what a config comparison needs; the compiled form follows).
  bool operator==(const CompiledRules& other) const { return rules() == other.rules(); }

 private:
  struct Compiled;
  explicit CompiledRules(std::shared_ptr<const Compiled> compiled);
  bool ProcessFrom(size_t first_rule, fleet::metrics::Labels* labels) const;
  std::shared_ptr<const Compiled> compiled_;
};

// Applies `rules` to every sample of `families` (each with __name__ = family name + suffix), as
// Prometheus's metric_relabel_configs does to a scrape, so that what is left can still be written
// in the text format. The families' names are distinct (as SortAndMerge leaves them).
//   - A dropped sample, or one left without a valid metric name, is removed.
//   - A renamed sample moves to the family of its new name; when there is none, one is added at
//     the end (sort again afterwards) with the old family's help, and its type when the sample's
//     suffix (_bucket, _sum, _count) survives the rename, untyped otherwise.
//   - Of samples of a family that end with the same suffix and labels, the first is kept
//     (Prometheus keeps the first of duplicate samples in a scrape).
// Nothing is done when `rules` is empty.
void RelabelFamilies(const CompiledRules& rules, std::vector<fleet::metrics::Family>* families);

}  // namespace agent::relabel
