// agent/relabel: Prometheus v3.14.0's relabel_config semantics with legacy label names. The
// Process and Compile tables restate the cases of Prometheus's model/relabel/relabel_test.go
// (TestRelabel, TestRelabelValidate, TestTargetLabelLegacyValidity; the hashmod values are its
// published ones), with the UTF-8 name cases turned into the legacy errors they are here, and add
// the edges: missing and empty source labels, $ references to absent groups, Go's Expand syntax,
// labelmap's visiting order. RelabelFamilies: the text-format shape after renames and drops.
#include "agent/relabel/relabel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>

// The rules below name only the fields that differ from Prometheus's defaults; GCC 12 warns about
// the members a designated initializer leaves to their default initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agent::relabel {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

struct ProcessCase {
  const char* name;
  Labels input;
  std::vector<Rule> rules;
  std::optional<Labels> output;  // nullopt: dropped
};
void PrintTo(const ProcessCase& c, std::ostream* os) { *os << c.name; }

class Process : public testing::TestWithParam<ProcessCase> {};

TEST_P(Process, MatchesPrometheus) {
  const ProcessCase& c = GetParam();
  auto rules = CompiledRules::Compile(c.rules);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  Labels labels = c.input;
  const bool kept = rules->Process(&labels);
  ASSERT_EQ(kept, c.output.has_value());
  if (kept) {
    EXPECT_EQ(labels, *c.output);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Relabel, Process,
    testing::Values(
        ProcessCase{"ReplaceWithBracedReferences",
                    {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
                    {{.source_labels = {"a"}, .regex = "f(.*)", .target_label = "d", .replacement = "ch${1}-ch${1}"}},
                    Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
        ProcessCase{"ReplaceChainSeesEarlierResults",
                    {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
                    {{.source_labels = {"a", "b"}, .regex = "f(.*);(.*)r", .target_label = "a",
                      .replacement = "b${1}${2}m"},
                     {.source_labels = {"c", "a"}, .regex = "(b).*b(.*)ba(.*)", .target_label = "d",
                      .replacement = "$1$2$2$3"}},
                    Labels{{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}, {"d", "boooom"}}},
        ProcessCase{"DropStopsTheChain",
                    {{"a", "foo"}},
                    {{.action = Action::kDrop, .source_labels = {"a"}, .regex = ".*o.*"},
                     {.source_labels = {"a"}, .regex = "f(.*)", .target_label = "d", .replacement = "ch$1-ch$1"}},
                    std::nullopt},
        ProcessCase{"DropOnMatch", {{"a", "foo"}, {"b", "bar"}},
                    {{.action = Action::kDrop, .source_labels = {"a"}, .regex = ".*o.*"}}, std::nullopt},
        ProcessCase{"ReplaceWithAGroupInTheMiddle", {{"a", "abc"}},
                    {{.source_labels = {"a"}, .regex = ".*(b).*", .target_label = "d"}},
                    Labels{{"a", "abc"}, {"d", "b"}}},
        ProcessCase{"DropKeepsWhatDoesNotMatch", {{"a", "foo"}},
                    {{.action = Action::kDrop, .source_labels = {"a"}, .regex = "no-match"}},
                    Labels{{"a", "foo"}}},
        ProcessCase{"RegexIsAnchoredAtBothEnds", {{"a", "foo"}},
                    {{.action = Action::kDrop, .source_labels = {"a"}, .regex = "f|o"}},
                    Labels{{"a", "foo"}}},
        ProcessCase{"KeepDropsWhatDoesNotMatch", {{"a", "foo"}},
                    {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "no-match"}},
                    std::nullopt},
        ProcessCase{"KeepOnMatch", {{"a", "foo"}},
                    {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "f.*"}},
                    Labels{{"a", "foo"}}},
        ProcessCase{"NoMatchNoReplacement", {{"a", "boo"}},
                    {{.source_labels = {"a"}, .regex = "f", .target_label = "b", .replacement = "bar"}},
                    Labels{{"a", "boo"}}},
        ProcessCase{"AbsentGroupExpandsEmptyAndDeletesTheTarget",
                    {{"a", "foo"}, {"f", "baz"}},
                    {{.source_labels = {"a"}, .regex = "(f).*", .target_label = "$1", .replacement = "$2"}},
                    Labels{{"a", "foo"}}},
        ProcessCase{"HashModPublishedValue", {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
                    {{.action = Action::kHashMod, .source_labels = {"c"}, .modulus = 1000, .target_label = "d"}},
                    Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
        ProcessCase{"HashModOfAValueWithANewline", {{"a", "foo\nbar"}},
                    {{.action = Action::kHashMod, .source_labels = {"a"}, .modulus = 1000, .target_label = "b"}},
                    Labels{{"a", "foo\nbar"}, {"b", "734"}}},
        ProcessCase{"LabelMap", {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
                    {{.action = Action::kLabelMap, .regex = "(b.*)", .replacement = "bar_${1}"}},
                    Labels{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}}},
        ProcessCase{"LabelMapStripsAPrefix",
                    {{"a", "foo"}, {"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"}},
                    {{.action = Action::kLabelMap, .regex = "__meta_(my.*)", .replacement = "${1}"}},
                    Labels{{"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"},
                           {"a", "foo"}, {"my_bar", "aaa"}, {"my_baz", "bbb"}}},
        ProcessCase{"TargetLabelFromAGroup", {{"a", "some-name-value"}},
                    {{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)", .target_label = "${1}",
                      .replacement = "${2}"}},
                    Labels{{"a", "some-name-value"}, {"name", "value"}}},
        ProcessCase{"ReplacementFromAnAbsentGroupSetsNothing", {{"a", "some-name-value"}},
                    {{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)", .target_label = "${1}",
                      .replacement = "${3}"}},
                    Labels{{"a", "some-name-value"}}},
        ProcessCase{"TargetExpandingToNoLabelNameSkipsTheRule", {{"a", "some-name-0"}},
                    {{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)", .target_label = "${3}",
                      .replacement = "${1}"},
                     {.source_labels = {"a"}, .regex = "some-([^-]+)(-[^,]+)", .target_label = "${3}",
                      .replacement = "${1}"},
                     // "0" after expansion: a digit cannot start a label name.
                     {.source_labels = {"a"}, .regex = "some-[^-]+-([^,]+)", .target_label = "$1",
                      .replacement = "x"}},
                    Labels{{"a", "some-name-0"}}},
        ProcessCase{"ServiceDiscoveryTags", {{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"}},
                    {{.source_labels = {"__meta_sd_tags"}, .regex = "(?:.+,|^)path:(/[^,]+).*",
                      .target_label = "__metrics_path__", .replacement = "${1}"},
                     {.source_labels = {"__meta_sd_tags"}, .regex = "(?:.+,|^)job:([^,]+).*",
                      .target_label = "job", .replacement = "${1}"},
                     {.source_labels = {"__meta_sd_tags"}, .regex = "(?:.+,|^)label:([^=]+)=([^,]+).*",
                      .target_label = "${1}", .replacement = "${2}"}},
                    Labels{{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"},
                           {"__metrics_path__", "/secret"}, {"foo", "bar"}, {"job", "some-job"}}},
        ProcessCase{"LabelDropThenReplaceTheSameName",  // Prometheus issue 12283
                    {{"__meta_kubernetes_pod_container_port_name", "foo"},
                     {"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"}},
                    {{.action = Action::kLabelDrop, .regex = "^__meta_kubernetes_pod_container_port_name$"},
                     {.source_labels = {"__meta_kubernetes_pod_annotation_XXX_metrics_port"}, .regex = "(.+)",
                      .target_label = "__meta_kubernetes_pod_container_port_name", .replacement = "metrics"},
                     {.action = Action::kKeep, .source_labels = {"__meta_kubernetes_pod_container_port_name"},
                      .regex = "^metrics$"}},
                    Labels{{"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"},
                           {"__meta_kubernetes_pod_container_port_name", "metrics"}}},
        ProcessCase{"LabelKeep", {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
                    {{.action = Action::kLabelKeep, .regex = "(b.*)"}},
                    Labels{{"b1", "bar"}, {"b2", "baz"}}},
        ProcessCase{"LabelDrop", {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
                    {{.action = Action::kLabelDrop, .regex = "(b.*)"}}, Labels{{"a", "foo"}}},
        ProcessCase{"UppercaseAndLowercase", {{"foo", "bAr123Foo"}},
                    {{.action = Action::kUppercase, .source_labels = {"foo"}, .target_label = "foo_uppercase"},
                     {.action = Action::kLowercase, .source_labels = {"foo"}, .target_label = "foo_lowercase"}},
                    Labels{{"foo", "bAr123Foo"}, {"foo_lowercase", "bar123foo"}, {"foo_uppercase", "BAR123FOO"}}},
        ProcessCase{"KeepEqualKeepsEqualValues", {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
                    {{.action = Action::kKeepEqual, .source_labels = {"__tmp_port"}, .target_label = "__port1"}},
                    Labels{{"__port1", "1234"}, {"__port2", "5678"}, {"__tmp_port", "1234"}}},
        ProcessCase{"DropEqualDropsEqualValues", {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
                    {{.action = Action::kDropEqual, .source_labels = {"__tmp_port"}, .target_label = "__port1"}},
                    std::nullopt},
        ProcessCase{"DropEqualKeepsDifferentValues", {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
                    {{.action = Action::kDropEqual, .source_labels = {"__tmp_port"}, .target_label = "__port2"}},
                    Labels{{"__port1", "1234"}, {"__port2", "5678"}, {"__tmp_port", "1234"}}},
        ProcessCase{"KeepEqualDropsDifferentValues", {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
                    {{.action = Action::kKeepEqual, .source_labels = {"__tmp_port"}, .target_label = "__port2"}},
                    std::nullopt},
        ProcessCase{"DotMatchesANewline", {{"a", "line1\nline2"}, {"b", "bar"}, {"c", "baz"}},
                    {{.source_labels = {"a"}, .regex = "line1.*line2", .target_label = "d", .replacement = "match${1}"}},
                    Labels{{"a", "line1\nline2"}, {"b", "bar"}, {"c", "baz"}, {"d", "match"}}},
        ProcessCase{"NamedGroupsInEveryReferenceStyle", {{"a", "line1\nline2"}, {"b", "bar"}, {"c", "baz"}},
                    {{.source_labels = {"a"}, .regex = "(line1).*(?<second>line2)", .target_label = "label1_${1}",
                      .replacement = "val_${second}"},
                     {.source_labels = {"a"}, .regex = "(line1).*(?P<second>line2)", .target_label = "label2_$1",
                      .replacement = "val_$second"}},
                    Labels{{"a", "line1\nline2"}, {"b", "bar"}, {"c", "baz"}, {"label1_line1", "val_line2"},
                           {"label2_line1", "val_line2"}}},
        ProcessCase{"MetricNameAsASource", {{"__name__", "http_requests_total"}},
                    {{.source_labels = {"__name__"}, .regex = ".*_total$", .target_label = "__type__",
                      .replacement = "counter"}},
                    Labels{{"__name__", "http_requests_total"}, {"__type__", "counter"}}},
        ProcessCase{"MetricNameUnitSuffix", {{"__name__", "disk_usage_bytes"}},
                    {{.source_labels = {"__name__"}, .regex = ".*_bytes$", .target_label = "__unit__",
                      .replacement = "bytes"}},
                    Labels{{"__name__", "disk_usage_bytes"}, {"__unit__", "bytes"}}},
        // --- Beyond Prometheus's table.
        ProcessCase{"MissingSourceIsEmptyAndTheDefaultRegexMatchesIt", {{"x", "1"}},
                    {{.source_labels = {"missing"}, .target_label = "x"}}, Labels{}},
        ProcessCase{"MissingSourcesStillJoinWithTheSeparator", {{"a", "foo"}},
                    {{.source_labels = {"missing", "a", "gone"}, .separator = "/", .target_label = "joined",
                      .replacement = "[$1]"}},
                    Labels{{"a", "foo"}, {"joined", "[/foo/]"}}},
        ProcessCase{"KeepOfAnEmptyValueWithAnEmptyRegex", {{"a", "foo"}},
                    {{.action = Action::kKeep, .source_labels = {"missing"}, .regex = ""}},
                    Labels{{"a", "foo"}}},
        ProcessCase{"NoSourceLabelsSetAConstant", {{"a", "foo"}},
                    {{.target_label = "env", .replacement = "prod"}},
                    Labels{{"a", "foo"}, {"env", "prod"}}},
        ProcessCase{"GoExpandSyntax", {{"a", "foo"}},
                    {{.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "dollars", .replacement = "$$1"},
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "trailing", .replacement = "x$"},
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "unclosed", .replacement = "${1"},
                     // $1x is the group named "1x", which there is not; ${1}x is group 1 then x.
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "longest", .replacement = "<$1x>"},
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "braced", .replacement = "${1}x"},
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "whole", .replacement = "$0|$2"},
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "leading_zero", .replacement = "<$01>"},
                     // A $ before no name is text; é is a letter, so $é and $1é name (absent) groups.
                     {.source_labels = {"a"}, .regex = "(f)(o+)", .target_label = "not_a_name", .replacement = "$-$é$1é"}},
                    Labels{{"a", "foo"}, {"braced", "fx"}, {"dollars", "$1"}, {"leading_zero", "<>"},
                           {"longest", "<>"}, {"not_a_name", "$-"}, {"trailing", "x$"}, {"unclosed", "${1"},
                           {"whole", "foo|oo"}}},
        ProcessCase{"OptionalGroupThatDidNotTakePart", {{"a", "foo"}},
                    {{.source_labels = {"a"}, .regex = "(x)?(foo)", .target_label = "b", .replacement = "<$1>$2"}},
                    Labels{{"a", "foo"}, {"b", "<>foo"}}},
        ProcessCase{"LowercaseOfAnEmptyValueDeletesTheTarget", {{"a", "foo"}},
                    {{.action = Action::kLowercase, .source_labels = {"missing"}, .target_label = "a"}},
                    Labels{}},
        ProcessCase{"LowercaseLeavesNonAsciiBytes", {{"a", "ÀB"}},
                    {{.action = Action::kLowercase, .source_labels = {"a"}, .target_label = "b"}},
                    Labels{{"a", "ÀB"}, {"b", "Àb"}}},
        ProcessCase{"DropEqualOfTwoMissingLabels", {{"a", "foo"}},
                    {{.action = Action::kDropEqual, .source_labels = {"missing"}, .target_label = "gone"}},
                    std::nullopt},
        // Prometheus's builder visits unchanged labels by name, then those set by earlier rules in
        // the order first set: "a_x", set by the first rule, is visited after "z_x" and wins.
        ProcessCase{"LabelMapVisitsLabelsSetByEarlierRulesLast", {{"z_x", "from_base"}, {"b", "from_set"}},
                    {{.source_labels = {"b"}, .target_label = "a_x"},
                     {.action = Action::kLabelMap, .regex = "[az]_(x)", .replacement = "$1"}},
                    Labels{{"a_x", "from_set"}, {"b", "from_set"}, {"x", "from_set"}, {"z_x", "from_base"}}},
        ProcessCase{"LabelMapLastWriteByNameWins", {{"a_x", "1"}, {"b_x", "2"}},
                    {{.action = Action::kLabelMap, .regex = "[ab]_(x)", .replacement = "$1"}},
                    Labels{{"a_x", "1"}, {"b_x", "2"}, {"x", "2"}}},
        ProcessCase{"LabelMapResultThatIsNoLabelNameIsNotSet", {{"a_1x", "v"}},
                    {{.action = Action::kLabelMap, .regex = "a_(.*)", .replacement = "$1"}},
                    Labels{{"a_1x", "v"}}},
        ProcessCase{"InputSortedFirstOfARepeatedNameCountsEmptyValuesAbsent",
                    {{"b", "1"}, {"a", "first"}, {"a", "second"}, {"e", ""}}, {},
                    Labels{{"a", "first"}, {"b", "1"}}},
        // (?<name> is read as RE2's (?P<name>, but not inside a class or a \Q...\E quote.
        ProcessCase{"OpenParenQuestionLessInAClassIsText", {{"a", "Px"}},
                    {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "[(?<]x"}}, std::nullopt},
        ProcessCase{"OpenParenQuestionLessQuotedIsText", {{"a", "(?<x"}},
                    {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "\\Q(?<\\Ex"}},
                    Labels{{"a", "(?<x"}}},
        ProcessCase{"CaseInsensitiveFlagStaysInsideTheAnchors", {{"a", "FOO"}},
                    {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "(?i)foo"}},
                    Labels{{"a", "FOO"}}}),
    [](const testing::TestParamInfo<ProcessCase>& info) { return std::string(info.param.name); });

struct CompileCase {
  const char* name;
  std::vector<Rule> rules;
  const char* error;  // "" = compiles; otherwise the start of the message
};
void PrintTo(const CompileCase& c, std::ostream* os) { *os << c.name; }

class Compile : public testing::TestWithParam<CompileCase> {};

TEST_P(Compile, ChecksAsPrometheusDoes) {
  const CompileCase& c = GetParam();
  auto rules = CompiledRules::Compile(c.rules);
  if (std::string(c.error).empty()) {
    EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  } else {
    ASSERT_FALSE(rules.ok());
    EXPECT_EQ(rules.status().code(), fleet::Code::kInvalid);
    EXPECT_TRUE(rules.status().message().starts_with(c.error)) << rules.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Relabel, Compile,
    testing::Values(
        CompileCase{"ReplaceNeedsATarget", {{}}, "[0].targetLabel: the replace action requires targetLabel"},
        CompileCase{"LowercaseNeedsATarget", {{.action = Action::kLowercase}}, "[0].targetLabel: the lowercase"},
        CompileCase{"HashModNeedsATarget", {{.action = Action::kHashMod, .modulus = 2}}, "[0].targetLabel"},
        CompileCase{"KeepEqualNeedsATarget", {{.action = Action::kKeepEqual}}, "[0].targetLabel"},
        CompileCase{"DropEqualNeedsATarget", {{.action = Action::kDropEqual}}, "[0].targetLabel"},
        CompileCase{"UppercaseNeedsATarget", {{.action = Action::kUppercase}}, "[0].targetLabel"},
        CompileCase{"LowercaseTargetCannotBeATemplate", {{.action = Action::kLowercase, .target_label = "${3}"}},
                    "[0].targetLabel: \"${3}\" is not a valid targetLabel for the lowercase action"},
        CompileCase{"ReplaceTargetMayBeATemplate",
                    {{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)", .target_label = "${3}", .replacement = "${1}"}},
                    ""},
        CompileCase{"ReplaceTargetStartingWithADigit", {{.target_label = "0${3}"}}, "[0].targetLabel"},
        CompileCase{"ReplaceTargetWithADash", {{.target_label = "-${3}"}}, "[0].targetLabel"},
        CompileCase{"ReplaceTargetWithADot", {{.target_label = "utf-8.label"}}, "[0].targetLabel"},
        CompileCase{"LabelMapReplacementTemplate",
                    {{.action = Action::kLabelMap, .regex = "__meta_kubernetes_pod_label_(strimzi_io_.+)"},
                     {.action = Action::kLabelMap, .regex = "__meta_(.+)", .replacement = "${1}"}},
                    ""},
        CompileCase{"LabelMapReplacementNotALabelName", {{.action = Action::kLabelMap, .replacement = "a-$1"}},
                    "[0].replacement: \"a-$1\" is not a valid replacement for the labelmap action"},
        CompileCase{"HashModNeedsAModulus", {{.action = Action::kHashMod, .target_label = "shard"}},
                    "[0].modulus: the hashmod action requires a modulus greater than 0"},
        CompileCase{"HashModTargetIsALabelName", {{.action = Action::kHashMod, .modulus = 4, .target_label = "$1"}},
                    "[0].targetLabel"},
        CompileCase{"LowercaseTakesNoReplacement",
                    {{.action = Action::kLowercase, .target_label = "b", .replacement = "x"}},
                    "[0].replacement: cannot be set for the lowercase action"},
        CompileCase{"KeepEqualTakesNoRegexEvenTheDefault",
                    {{.action = Action::kKeepEqual, .regex = "(.*)", .target_label = "b"}},
                    "[0].regex: the keepequal action takes only sourceLabels and targetLabel"},
        CompileCase{"DropEqualTakesNoSeparator",
                    {{.action = Action::kDropEqual, .separator = ",", .target_label = "b"}}, "[0].separator"},
        CompileCase{"DropEqualTakesNoModulus", {{.action = Action::kDropEqual, .modulus = 3, .target_label = "b"}},
                    "[0].modulus"},
        CompileCase{"LabelDropTakesNoSourceLabels", {{.action = Action::kLabelDrop, .source_labels = {"a"}}},
                    "[0].sourceLabels: the labeldrop action takes only regex"},
        CompileCase{"LabelKeepTakesNoTarget", {{.action = Action::kLabelKeep, .target_label = "a"}},
                    "[0].targetLabel: the labelkeep action takes only regex"},
        CompileCase{"LabelKeepTakesNoReplacement", {{.action = Action::kLabelKeep, .replacement = "x"}},
                    "[0].replacement"},
        CompileCase{"InvalidRegexNamesTheRule",
                    {{.target_label = "a"}, {.action = Action::kKeep, .regex = "(a"}},
                    "[1].regex: invalid regular expression: "},
        CompileCase{"LookbehindIsNotRE2", {{.action = Action::kKeep, .regex = "(?<=a)b"}}, "[0].regex"},
        CompileCase{"SourceLabelsAreLabelNames", {{.source_labels = {"a", "utf-8.label"}, .target_label = "d"}},
                    "[0].sourceLabels[1]: \"utf-8.label\" is not a label name"},
        CompileCase{"NoRules", {}, ""}),
    [](const testing::TestParamInfo<CompileCase>& info) { return std::string(info.param.name); });

// Prometheus's TestTargetLabelLegacyValidity, through a replace rule's targetLabel.
TEST(Relabel, ReplaceTargetTemplatesUnderLegacyNames) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"-label", false}, {"label", true},   {"label${1}", true},     {"${1}label", true},
      {"${1}", true},    {"${", false},     {"$", false},            {"${}", false},
      {"foo${", false},  {"$1", true},      {"asd$2asd", true},      {"-foo${1}bar-", false},
      {"bar.foo${1}bar", false}, {"_${1}_", true}, {"foo${bar}foo", true}};
  for (const auto& [target, valid] : cases) {
    EXPECT_EQ(CompiledRules::Compile({{.target_label = target}}).ok(), valid) << target;
  }
}

TEST(Relabel, ActionNamesReadInAnyCase) {
  EXPECT_EQ(ParseAction("HashMod"), Action::kHashMod);
  EXPECT_EQ(ParseAction("labelkeep"), Action::kLabelKeep);
  EXPECT_EQ(ParseAction("rename"), std::nullopt);
  for (std::string_view name : ActionNames()) EXPECT_EQ(ActionName(*ParseAction(name)), name);
}

TEST(Relabel, CopiesShareTheRulesAndCompareByThem) {
  auto a = CompiledRules::Compile({{.action = Action::kDrop, .source_labels = {"a"}, .regex = "x"}});
  ASSERT_TRUE(a.ok());
  const CompiledRules copy = *a;
  EXPECT_EQ(copy, *a);
  EXPECT_NE(copy, CompiledRules());
  Labels labels = {{"a", "x"}};
  EXPECT_FALSE(copy.Process(&labels));
}

// The patterns matched without RE2 ((.*), (.+), a plain name) answer as RE2 does for the same
// pattern made opaque to that shortcut by an empty group, which changes neither what it matches
// nor its groups: match or not, and $0, $1 and an absent $2, for keep and for replace.
TEST(Relabel, ShortcutPatternsMatchAsTheirRegexDoes) {
  const std::vector<std::string> patterns = {"(.*)", ".*", "(.+)", ".+", "device", "", "a-b:c/d=e,f g;h@i%j!k~l"};
  const std::vector<std::string> values = {"",        "a",           "device", "devices", "xdevice",
                                           "a\nb",   "line\nbreak", "a-b:c/d=e,f g;h@i%j!k~l", "d\xc3\xa9vice"};
  for (const std::string& pattern : patterns) {
    for (const Action action : {Action::kKeep, Action::kReplace}) {
      auto rule = [&](const std::string& regex) {
        return Rule{.action = action, .source_labels = {"v"}, .regex = regex,
                    .target_label = action == Action::kReplace ? "out" : "", .replacement = "[$0|$1|${2}]"};
      };
      auto shortcut = CompiledRules::Compile({rule(pattern)});
      auto regex = CompiledRules::Compile({rule(pattern + "(?:)")});
      ASSERT_TRUE(shortcut.ok() && regex.ok()) << pattern;
      for (const std::string& value : values) {
        Labels a = {{"v", value}}, b = a;
        const bool kept_a = shortcut->Process(&a);
        const bool kept_b = regex->Process(&b);
        EXPECT_EQ(kept_a, kept_b) << pattern << " on " << value;
        EXPECT_EQ(a, b) << pattern << " on " << value;
      }
    }
  }
  // A byte that is not UTF-8 is one character to Go's `.` (U+FFFD), and to the shortcut; RE2
  // would not match it. No value the rules see has one (collectors make their values UTF-8 and
  // the scrape parser refuses others), so this only pins the shortcut to Go's answer.
  auto any = CompiledRules::Compile({{.source_labels = {"v"}, .target_label = "out"}});
  ASSERT_TRUE(any.ok());
  Labels labels = {{"v", "a\xff"}};
  ASSERT_TRUE(any->Process(&labels));
  EXPECT_EQ(labels, (Labels{{"out", "a\xff"}, {"v", "a\xff"}}));
}

Family Counter(const std::string& name, std::vector<fleet::metrics::Sample> samples) {
  return {name, name + " help", Type::kCounter, std::move(samples)};
}

TEST(RelabelFamilies, RenamesDropsAndKeepsTheTextFormatsShape) {
  auto rules = CompiledRules::Compile({
      // node_a_total -> node_b_total, into the existing family of that name.
      {.source_labels = {"__name__"}, .regex = "node_a_(.*)", .target_label = "__name__", .replacement = "node_b_$1"},
      // http_seconds (a histogram) -> api_seconds: every suffix survives.
      {.source_labels = {"__name__"}, .regex = "http_(.*)", .target_label = "__name__", .replacement = "api_$1"},
      // One bucket's name loses its suffix: it is no longer part of a histogram.
      {.source_labels = {"__name__", "le"}, .regex = "api_seconds_bucket;1", .target_label = "__name__",
       .replacement = "odd_one"},
      {.action = Action::kDrop, .source_labels = {"__name__", "mode"}, .regex = "node_b_total;idle"},
      // Not a metric name: the sample cannot be written and is removed.
      {.source_labels = {"__name__"}, .regex = "node_c", .target_label = "__name__", .replacement = "1bad"},
      // Labels dropped until two series are one: the first is kept.
      {.action = Action::kLabelDrop, .regex = "cpu"},
  });
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<Family> families = {
      Counter("node_a_total", {{"", {{"mode", "user"}}, 1}, {"", {{"mode", "idle"}}, 2}}),
      Counter("node_b_total", {{"", {{"mode", "system"}, {"cpu", "0"}}, 3}, {"", {{"mode", "system"}, {"cpu", "1"}}, 4}}),
      Counter("node_c", {{"", {}, 5}}),
      {"http_seconds", "h", Type::kHistogram, {{"_bucket", {{"le", "1"}}, 6}, {"_bucket", {{"le", "+Inf"}}, 7},
                                               {"_sum", {}, 8}, {"_count", {}, 9}}},
  };
  RelabelFamilies(*rules, &families);
  ASSERT_EQ(families.size(), 6u);
  EXPECT_TRUE(families[0].samples.empty());  // node_a_total: both moved or dropped
  EXPECT_EQ(families[1].name, "node_b_total");
  ASSERT_EQ(families[1].samples.size(), 2u);  // system (cpu dropped, the first kept), then user
  EXPECT_EQ(families[1].samples[0].labels, (Labels{{"mode", "system"}}));
  EXPECT_EQ(families[1].samples[0].value, 3);
  EXPECT_EQ(families[1].samples[1].labels, (Labels{{"mode", "user"}}));
  EXPECT_EQ(families[1].samples[1].value, 1);
  EXPECT_TRUE(families[2].samples.empty());   // node_c
  EXPECT_TRUE(families[3].samples.empty());   // http_seconds
  // New families in the order their first sample moved: the le="1" bucket came first.
  EXPECT_EQ(families[4].name, "odd_one");
  EXPECT_EQ(families[4].type, Type::kUntyped);
  ASSERT_EQ(families[4].samples.size(), 1u);
  EXPECT_EQ(families[4].samples[0].suffix, "");
  EXPECT_EQ(families[4].samples[0].value, 6);
  EXPECT_EQ(families[5].name, "api_seconds");
  EXPECT_EQ(families[5].type, Type::kHistogram);
  ASSERT_EQ(families[5].samples.size(), 3u);
  EXPECT_EQ(families[5].samples[0].suffix, "_bucket");
  EXPECT_EQ(families[5].samples[0].labels, (Labels{{"le", "+Inf"}}));
  EXPECT_EQ(families[5].samples[1].suffix, "_sum");
  EXPECT_EQ(families[5].samples[2].suffix, "_count");
}

TEST(RelabelFamilies, NoRulesChangeNothing) {
  std::vector<Family> families = {Counter("x_total", {{"", {{"b", "1"}, {"a", "2"}}, 1}, {"", {{"b", "1"}, {"a", "2"}}, 1}})};
  const std::vector<Family> before = families;
  RelabelFamilies(CompiledRules(), &families);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].samples.size(), 2u);
  EXPECT_EQ(families[0].samples[0].labels, before[0].samples[0].labels);  // not even sorted
}

// RelabelFamilies asks the leading keep/drop rules of __name__ once per series name, and the rest
// per series: the result is what Process gives each series, whatever the name rules' place.
struct FamiliesCase {
  const char* name;
  std::vector<Rule> rules;
};
void PrintTo(const FamiliesCase& c, std::ostream* os) { *os << c.name; }

class RelabelFamiliesAsProcess : public testing::TestWithParam<FamiliesCase> {};

std::string SeriesText(const std::string& name, const Labels& labels) {
  std::string text = name + "{";
  for (const auto& l : labels) text += l.name + "=\"" + l.value + "\",";
  return text + "}";
}

TEST_P(RelabelFamiliesAsProcess, EverySeriesAsProcessLeavesIt) {
  auto rules = CompiledRules::Compile(GetParam().rules);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<Family> families = {
      Counter("node_a_total", {{"", {{"mode", "user"}, {"cpu", "0"}}, 1}, {"", {{"cpu", "1"}, {"mode", "idle"}}, 2}}),
      Counter("node_b_total", {{"", {{"device", "eth0"}}, 3}}),
      {"http_seconds", "h", Type::kHistogram, {{"_bucket", {{"le", "1"}}, 4}, {"_bucket", {{"le", "+Inf"}}, 5},
                                               {"_sum", {}, 6}, {"_count", {}, 7}}},
  };
  // Each series through Process on its own: the name it ends with and its labels.
  std::multiset<std::string> want;
  for (const Family& family : families) {
    for (const auto& sample : family.samples) {
      Labels labels = sample.labels;
      labels.push_back({"__name__", family.name + sample.suffix});
      if (!rules->Process(&labels)) continue;
      const auto name = std::find_if(labels.begin(), labels.end(), [](const auto& l) { return l.name == "__name__"; });
      if (name == labels.end()) continue;  // left without a name: not a series of any family
      const std::string metric = name->value;
      labels.erase(name);
      want.insert(SeriesText(metric, labels));
    }
  }
  RelabelFamilies(*rules, &families);
  std::multiset<std::string> got;
  for (const Family& family : families) {
    for (const auto& sample : family.samples) got.insert(SeriesText(family.name + sample.suffix, sample.labels));
  }
  EXPECT_EQ(got, want);
}

INSTANTIATE_TEST_SUITE_P(
    Relabel, RelabelFamiliesAsProcess,
    testing::Values(
        FamiliesCase{"DropByNameFirst",
                     {{.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "node_a_.*"},
                      {.action = Action::kLabelDrop, .regex = "cpu"}}},
        FamiliesCase{"KeepOneSuffixOfAHistogram",
                     {{.action = Action::kKeep, .source_labels = {"__name__"}, .regex = ".*_(bucket|total)"},
                      {.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "node_b_total"}}},
        FamiliesCase{"NameRuleAfterARenameSeesTheNewName",
                     {{.source_labels = {"__name__"}, .regex = "node_(.)_total", .target_label = "__name__",
                       .replacement = "renamed_$1_total"},
                      {.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "renamed_a_total"}}},
        FamiliesCase{"NameRuleAfterALabelRule",
                     {{.target_label = "mode", .replacement = "fixed"},
                      {.action = Action::kKeep, .source_labels = {"__name__"}, .regex = "node_.*"}}},
        FamiliesCase{"NameJoinedWithALabelIsNotANameRule",
                     {{.action = Action::kDrop, .source_labels = {"__name__", "mode"}, .regex = "node_a_total;idle"}}},
        FamiliesCase{"OnlyNameRules",
                     {{.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "http_seconds_sum"},
                      {.action = Action::kKeep, .source_labels = {"__name__"}, .regex = "http_.*|node_a_total"}}},
        // The bench's set: after the name rules, none that reads or changes the name.
        FamiliesCase{"LabelRulesThatLeaveTheName",
                     {{.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "node_b_total"},
                      {.source_labels = {"device"}, .regex = "(.+)", .target_label = "dev"},
                      {.action = Action::kLabelDrop, .regex = "device|mode"},
                      {.target_label = "region", .replacement = "r1"}}},
        FamiliesCase{"LabelKeepWithoutTheNameDropsEverySeries",
                     {{.action = Action::kLabelKeep, .regex = "cpu|le"}}},
        FamiliesCase{"LabelKeepWithTheName", {{.action = Action::kLabelKeep, .regex = "cpu|le|__name__"}}},
        FamiliesCase{"LabelMapOfTheName",
                     {{.action = Action::kLabelMap, .regex = "__(name)__", .replacement = "metric_$1"}}},
        FamiliesCase{"LabelDropOfTheName", {{.action = Action::kLabelDrop, .regex = "__.*"}}},
        FamiliesCase{"UppercaseTheName",
                     {{.action = Action::kUppercase, .source_labels = {"__name__"}, .target_label = "__name__"}}},
        FamiliesCase{"ATemplatedTargetThatBecomesTheName",
                     {{.source_labels = {"mode"}, .regex = "us(e)r", .target_label = "__nam${1}__",
                       .replacement = "node_user_total"}}}),
    [](const testing::TestParamInfo<FamiliesCase>& info) { return std::string(info.param.name); });

TEST(Relabel, RestLeavesNameJudgesEachRuleAfterTheNameRules) {
  const struct {
    const char* name;
    std::vector<Rule> rules;
    bool want;
  } cases[] = {
      {"no rules", {}, true},
      {"name rules only", {{.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "a.*"}}, true},
      {"replace between labels", {{.source_labels = {"device"}, .regex = "(.+)", .target_label = "dev"}}, true},
      {"replace from the name", {{.source_labels = {"__name__"}, .regex = "(.+)", .target_label = "n"}}, false},
      {"a name rule after a label rule",
       {{.target_label = "mode", .replacement = "x"},
        {.action = Action::kKeep, .source_labels = {"__name__"}, .regex = "a.*"}},
       false},
      {"replace into the name", {{.target_label = "__name__", .replacement = "x"}}, false},
      {"replace into a templated target", {{.regex = "(.*)", .target_label = "${1}"}}, false},
      {"labeldrop of another label", {{.action = Action::kLabelDrop, .regex = "device"}}, true},
      {"labeldrop matching the name", {{.action = Action::kLabelDrop, .regex = "__.*"}}, false},
      {"labelkeep without the name", {{.action = Action::kLabelKeep, .regex = "cpu|mode"}}, false},
      {"labelkeep with the name", {{.action = Action::kLabelKeep, .regex = "cpu|__name__"}}, true},
      {"labelmap of others", {{.action = Action::kLabelMap, .regex = "(.*)_id", .replacement = "$1"}}, true},
      {"labelmap matching the name", {{.action = Action::kLabelMap, .regex = "__(name)__", .replacement = "$1"}}, false},
      {"hashmod into the name", {{.action = Action::kHashMod, .source_labels = {"a"}, .modulus = 2, .target_label = "__name__"}}, false},
      {"lowercase of a label", {{.action = Action::kLowercase, .source_labels = {"mode"}, .target_label = "mode"}}, true},
      {"keepequal against the name", {{.action = Action::kKeepEqual, .source_labels = {"a"}, .target_label = "__name__"}}, false},
  };
  for (const auto& c : cases) {
    auto rules = CompiledRules::Compile(c.rules);
    ASSERT_TRUE(rules.ok()) << c.name << ": " << rules.status().ToString();
    EXPECT_EQ(rules->RestLeavesName(), c.want) << c.name;
  }
}

// A sample that carries a __name__ label of its own is named by its family, whichever way the
// rules are applied: the label never reaches the output.
TEST(RelabelFamilies, ASamplesOwnNameLabelGivesWayToItsFamilysName) {
  for (const std::vector<Rule>& set : std::vector<std::vector<Rule>>{
           {{.action = Action::kLabelDrop, .regex = "mode"}},  // leaves the name
           {{.action = Action::kLabelDrop, .regex = "mode|__x"},
            {.source_labels = {"__name__"}, .regex = "(.*)", .target_label = "n"}}}) {
    auto rules = CompiledRules::Compile(set);
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    std::vector<Family> families = {Counter("node_b_total", {{"", {{"__name__", "bogus"}, {"device", "eth0"}}, 3}})};
    RelabelFamilies(*rules, &families);
    ASSERT_EQ(families.size(), 1u);
    EXPECT_EQ(families[0].name, "node_b_total");
    ASSERT_EQ(families[0].samples.size(), 1u);
    for (const auto& label : families[0].samples[0].labels) EXPECT_NE(label.name, "__name__");
  }
}

}  // namespace
}  // namespace agent::relabel
