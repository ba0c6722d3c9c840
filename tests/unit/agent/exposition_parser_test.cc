// The exposition parser: Prometheus text 0.0.4 and OpenMetrics 1.0, the good and bad inputs of
// Prometheus' model/textparse tests (promparse_test.go, openmetricsparse_test.go), and the limits
// an untrusted body is held to.
#include "agent/scrape/exposition_parser.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

namespace agent::scrape {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;
using namespace std::string_literals;

// One sample, flattened for comparison: "family|suffix|labels|value|timestamp".
std::string Describe(const Family& family, const fleet::metrics::Sample& sample) {
  std::string out = family.name + "|" + sample.suffix + "|";
  for (const auto& label : sample.labels) out += label.name + "=" + label.value + ",";
  out += "|" + fleet::metrics::FormatValue(sample.value);
  if (sample.timestamp_ms) out += "@" + std::to_string(*sample.timestamp_ms);
  return out;
}

std::vector<std::string> Samples(const std::vector<Family>& families) {
  std::vector<std::string> out;
  for (const auto& family : families) {
    for (const auto& sample : family.samples) out.push_back(Describe(family, sample));
  }
  return out;
}

ExpositionLimits Bounded() {
  ExpositionLimits limits;
  limits.max_samples = 10000;
  return limits;
}

struct Good {
  const char* name;
  Format format;
  std::string body;
  std::vector<std::string> samples;
};

TEST(ExpositionParser, ParsesGoodBodies) {
  const std::vector<Good> cases = {
      {"text: comments, HELP with escapes, TYPE, labels with escapes, timestamps",
       Format::kPrometheusText,
       "# HELP go_gc_duration_seconds A summary of the GC invocation durations.\n"
       "# \tTYPE go_gc_duration_seconds summary\n"
       "go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05\n"
       "go_gc_duration_seconds{quantile=\"0.25\",} 7.424100000000001e-05\n"
       "go_gc_duration_seconds_count 99\n"
       "some:aggregate:rate5m{a_b=\"c\"}\t1\n"
       "# HELP nohelp1 \n"
       "# HELP nohelp2\n"
       "# A normal comment.\n"
       "#\n"
       "\n"
       "   \t \n"
       "testmetric{label=\"\\\"bar\\\"\"} 1\n"
       "testmetric{label=\"back\\\\slash\\nnew\"} 2 1234567\n"
       "unknown_escape{a=\"abc\\x00\"} 1\n"
       "  spaced  {  a = \"b\" , c=\"d\" }  3   100  \n"
       "no_final_newline 7",
       {"go_gc_duration_seconds||quantile=0.0,|4.9351e-05",
        "go_gc_duration_seconds||quantile=0.25,|7.424100000000001e-05",
        "go_gc_duration_seconds|_count||99",
        "some:aggregate:rate5m||a_b=c,|1",
        "testmetric||label=\"bar\",|1",
        "testmetric||label=back\\slash\nnew,|2@1234567",
        "unknown_escape||a=abc\\x00,|1",
        "spaced||a=b,c=d,|3@100",
        "no_final_newline|||7"}},
      {"text: NaN, Inf and signs are values", Format::kPrometheusText,
       "a NaN\nb +Inf\nc -Inf\nd Inf\ne -1.5e3\nf .5\ng 1.\nh inf\n",
       {"a|||NaN", "b|||+Inf", "c|||-Inf", "d|||+Inf", "e|||-1500", "f|||0.5", "g|||1", "h|||+Inf"}},
      {"text: histogram suffixes join the family, counters take _total", Format::kPrometheusText,
       "# TYPE rpc histogram\nrpc_bucket{le=\"+Inf\"} 3\nrpc_sum 1.5\nrpc_count 3\nrpc_other 1\n"
       "# TYPE hits counter\nhits_total 4\n",
       {"rpc|_bucket|le=+Inf,|3", "rpc|_sum||1.5", "rpc|_count||3", "rpc_other|||1", "hits|_total||4"}},
      {"OpenMetrics: types, units, _created, exemplars and timestamps in seconds", Format::kOpenMetrics,
       "# HELP a_seconds help with \\\" quote\n"
       "# TYPE a_seconds counter\n"
       "# UNIT a_seconds seconds\n"
       "a_seconds_total{b=\"c\"} 1 1520879607.789 # {id=\"x\"} 2 1520879607.7\n"
       "a_seconds_created 1520430000.123\n"
       "# TYPE ii info\n"
       "ii_info{v=\"1\"} 1\n"
       "# TYPE hh histogram\n"
       "hh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4\n"
       "hh_count 1 -1.5\n"
       "# TYPE gh gaugehistogram\n"
       "gh_gsum 2\n"
       "# TYPE un unknown\n"
       "un{a=\"b\",} NaN\n"
       "# EOF\n",
       {"a_seconds|_total|b=c,|1@1520879607789", "a_seconds|_created||1520430000.123", "ii|_info|v=1,|1",
        "hh|_bucket|le=+Inf,|1", "hh|_count||1@-1500", "gh|_gsum||2", "un||a=b,|NaN"}},
      {"OpenMetrics: # EOF without a final newline", Format::kOpenMetrics, "x 1\n# EOF", {"x|||1"}},
      {"OpenMetrics: nothing but # EOF", Format::kOpenMetrics, "# EOF\n", {}},
      {"text: empty body", Format::kPrometheusText, "", {}},
      {"text: a NUL byte inside a label value is a character", Format::kPrometheusText,
       "null_byte{a=\"abc\x00\"} 1\n"s, {"null_byte||a=abc\x00"s + ",|1"}},
  };
  for (const auto& c : cases) {
    std::vector<Family> families;
    ParseError error = ParseFamilies(c.body, c.format, Bounded(), &families);
    EXPECT_TRUE(error.ok()) << c.name << ": " << ParseErrorKindName(error.kind) << " " << error.message;
    EXPECT_EQ(Samples(families), c.samples) << c.name;
  }
}

// Go's strconv.FormatFloat(f, 'g', -1, 64) with Prometheus's ".0" rule (labels/float.go).
TEST(FormatOpenMetricsFloat, SpellsFloatsAsPrometheus) {
  const struct {
    double value;
    const char* want;
  } cases[] = {
      {1, "1.0"},          {0, "0.0"},           {-1, "-1.0"},
      {0.25, "0.25"},      {10, "10.0"},         {100000, "100000.0"},
      {1e6, "1e+06"},      {1234567, "1.234567e+06"}, {0.0001, "0.0001"},
      {0.00001, "1e-05"},  {2.5e-7, "2.5e-07"}, {0.1 + 0.2, "0.30000000000000004"},
      {-0.5, "-0.5"},      {123456.789, "123456.789"}, {1e21, "1e+21"},
      {5e-324, "5e-324"},  {INFINITY, "+Inf"},   {-INFINITY, "-Inf"},
      {NAN, "NaN"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatOpenMetricsFloat(c.value), c.want) << c.value;
}

// Prometheus 3 normalizes a classic histogram's le and a summary's quantile, and nothing else.
TEST(ExpositionParser, NormalizesBucketAndQuantileBounds) {
  const std::string body =
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\nh_bucket{le=\"2.50\"} 2\nh_bucket{le=\"1e3\"} 3\n"
      "h_bucket{le=\"+Inf\"} 4\nh_bucket{le=\"not-a-number\"} 4\n"
      "# TYPE s summary\ns{quantile=\"0\"} 1\ns{quantile=\"0.50\"} 1\n"
      "# TYPE g gauge\ng{le=\"1\",quantile=\"1\"} 1\n";
  std::vector<Family> families;
  const ParseError error = ParseFamilies(body, Format::kPrometheusText, Bounded(), &families);
  ASSERT_TRUE(error.ok()) << error.message;
  EXPECT_EQ(Samples(families),
            (std::vector<std::string>{"h|_bucket|le=1.0,|1", "h|_bucket|le=2.5,|2",
                                      "h|_bucket|le=1000.0,|3", "h|_bucket|le=+Inf,|4",
                                      "h|_bucket|le=not-a-number,|4", "s||quantile=0.0,|1",
                                      "s||quantile=0.5,|1", "g||le=1,quantile=1,|1"}));
}

TEST(ExpositionParser, KeepsFamilyMetadata) {
  std::vector<Family> families;
  ASSERT_TRUE(ParseFamilies("# HELP x_total Line\\nbreak \\\\ and \\\" stays\n# TYPE x_total counter\nx_total 1\n"
                            "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\n# TYPE o gauge\n",
                            Format::kPrometheusText, Bounded(), &families)
                  .ok());
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "x_total");
  // The text format unescapes \\ and \n in HELP, nothing else.
  EXPECT_EQ(families[0].help, "Line\nbreak \\ and \\\" stays");
  EXPECT_EQ(families[0].type, Type::kCounter);
  EXPECT_EQ(families[1].type, Type::kSummary);
  EXPECT_EQ(families[1].samples.size(), 2u);
}

TEST(ExpositionParser, NaNFromABodyIsNeverAStaleMarker) {
  for (const char* body : {"a NaN\n", "a nan\n", "a NAN\n"}) {
    std::vector<Family> families;
    ASSERT_TRUE(ParseFamilies(body, Format::kPrometheusText, Bounded(), &families).ok()) << body;
    EXPECT_EQ(std::bit_cast<uint64_t>(families.at(0).samples.at(0).value), 0x7ff8000000000001u) << body;
  }
}

struct Bad {
  Format format;
  std::string body;
  ParseErrorKind kind;
  size_t line;
};

TEST(ExpositionParser, RejectsBadBodiesWithTypedErrors) {
  const Format text = Format::kPrometheusText, om = Format::kOpenMetrics;
  using K = ParseErrorKind;
  const std::vector<Bad> cases = {
      // promparse_test.go TestPromParseErrors
      {text, "a\n", K::kSyntax, 1},
      {text, "a{b='c'} 1\n", K::kSyntax, 1},
      {text, "a{b=\n", K::kSyntax, 1},
      {text, "a{\xff=\"foo\"} 1\n", K::kSyntax, 1},
      {text, "a{b=\"\xff\"} 1\n", K::kInvalidUtf8, 1},
      {text, "{\"a\", \"b = \"c\"}\n", K::kSyntax, 1},
      {text, "a true\n", K::kInvalidValue, 1},
      {text, "something_weird{problem=\"\n", K::kSyntax, 1},
      {text, "empty_label_name{=\"\"} 0\n", K::kSyntax, 1},
      {text, "{A}0\n", K::kSyntax, 1},
      {text, "foo 1_2\n", K::kInvalidValue, 1},
      {text, "foo 0x1p-3\n", K::kInvalidValue, 1},
      {text, "foo 0x1P-3\n", K::kInvalidValue, 1},
      {text, "foo 0 1_2\n", K::kInvalidTimestamp, 1},
      {text, "{a=\"ok\"} 1\n", K::kSyntax, 1},
      {text, "# TYPE #\n", K::kSyntax, 1},
      {text, "# HELP #\n", K::kSyntax, 1},
      {text, "a{b=\x00\"ssss\"} 1\n"s, K::kSyntax, 1},
      {text, "a 0 1\x00\n"s, K::kInvalidTimestamp, 1},
      {text, "a\x00{b=\"ddd\"} 1\n"s, K::kInvalidValue, 1},
      // and more of the same kind
      {text, "ok 1\n# TYPE x gaugehistogram\n", K::kSyntax, 2},
      {text, "# HELP x bad \xc3\x28 utf8\n", K::kInvalidUtf8, 1},
      {text, "a +NaN\n", K::kInvalidValue, 1},
      {text, "a 1e400\n", K::kInvalidValue, 1},
      {text, "a 1 -5\n", K::kInvalidTimestamp, 1},
      {text, "a 1 99999999999999999999\n", K::kInvalidTimestamp, 1},
      {text, "a 1 2 3\n", K::kSyntax, 1},
      {text, "a{b=\"c\" d=\"e\"} 1\n", K::kSyntax, 1},
      {text, "a{b=\"c\",b=\"d\"} 1\n", K::kDuplicateLabelName, 1},
      {text, "a{__name__=\"b\"} 1\n", K::kDuplicateLabelName, 1},
      {text, "a{b=\"c\\\"} 1\n", K::kSyntax, 1},
      // openmetricsparse_test.go TestOpenMetricsParseErrors
      {om, "", K::kMissingEof, 0},
      {om, "\n", K::kSyntax, 1},
      {om, "metric", K::kMissingEof, 1},
      {om, "metric 1\n", K::kMissingEof, 1},
      {om, "metric_total 1 # {aa=\"bb\"} 4", K::kMissingEof, 1},
      {om, "a\n#EOF\n", K::kSyntax, 1},
      {om, "\n\n#EOF\n", K::kSyntax, 1},
      {om, " a 1\n#EOF\n", K::kSyntax, 1},
      {om, "9\n#EOF\n", K::kSyntax, 1},
      {om, "# TYPE u untyped\n#EOF\n", K::kSyntax, 1},
      {om, "# TYPE c counter \n#EOF\n", K::kSyntax, 1},
      {om, "#  TYPE c counter\n#EOF\n", K::kSyntax, 1},
      {om, "# TYPE \n#EOF\n", K::kSyntax, 1},
      {om, "# TYPE m\n#EOF\n", K::kSyntax, 1},
      {om, "# UNIT metric suffix\n#EOF\n", K::kSyntax, 1},
      {om, "# UNIT metricsuffix suffix\n#EOF\n", K::kSyntax, 1},
      {om, "# UNIT m suffix\n#EOF\n", K::kSyntax, 1},
      {om, "# HELP m\n#EOF\n", K::kSyntax, 1},
      {om, "a\t1\n#EOF\n", K::kSyntax, 1},
      {om, "a 1\t2\n#EOF\n", K::kInvalidValue, 1},
      {om, "a 1 2 \n#EOF\n", K::kSyntax, 1},
      {om, "a 1 2 #\n#EOF\n", K::kSyntax, 1},
      {om, "a 1 1z\n#EOF\n", K::kInvalidTimestamp, 1},
      {om, " # EOF\n", K::kSyntax, 1},
      {om, "# EOF\na 1", K::kDataAfterEof, 2},
      {om, "# EOF\n\n", K::kDataAfterEof, 2},
      {om, "# EOFa 1", K::kDataAfterEof, 1},
      {om, "#\tTYPE c counter\n", K::kSyntax, 1},
      {om, "# TYPE c  counter\n", K::kSyntax, 1},
      {om, "a 1 1 1\n# EOF\n", K::kSyntax, 1},
      {om, "a{b='c'} 1\n# EOF\n", K::kSyntax, 1},
      {om, "a{,b=\"c\"} 1\n# EOF\n", K::kSyntax, 1},
      {om, "a{b=\"c\"d=\"e\"} 1\n# EOF\n", K::kSyntax, 1},
      {om, "a{b=\"c\",,d=\"e\"} 1\n# EOF\n", K::kSyntax, 1},
      {om, "a{b=\"\xff\"} 1\n# EOF\n", K::kInvalidUtf8, 1},
      {om, "a{b=\"c\" } 1\n# EOF\n", K::kSyntax, 1},
      {om, "custom_metric_total 1 # {aa=bb}\n# EOF\n", K::kSyntax, 1},
      {om, "custom_metric_total 1 # {aa=\"bb\"}\n# EOF\n", K::kSyntax, 1},
      {om, "custom_metric_total 1 # {bb}\n# EOF\n", K::kSyntax, 1},
      {om, "custom_metric_total 1 # {aa=\"bb\",,cc=\"dd\"} 1\n# EOF\n", K::kSyntax, 1},
      {om, "custom_metric_total 1 # {aa=\"bb\"} 1_2\n# EOF\n", K::kInvalidValue, 1},
      {om, "custom_metric_total 1 # {aa=\"bb\"} true\n# EOF\n", K::kInvalidValue, 1},
      {om, "{b=\"c\",} 1\n# EOF\n", K::kSyntax, 1},
      {om, "a 1 NaN\n# EOF\n", K::kInvalidTimestamp, 1},
      {om, "a 1 -Inf\n# EOF\n", K::kInvalidTimestamp, 1},
      {om, "a 1 1e300\n# EOF\n", K::kInvalidTimestamp, 1},
      {om, "# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 NaN\n# EOF\n", K::kInvalidTimestamp, 2},
      {om, "# A comment\n# EOF\n", K::kSyntax, 1},
  };
  for (const auto& c : cases) {
    std::vector<Family> families;
    ParseError error = ParseFamilies(c.body, c.format, Bounded(), &families);
    EXPECT_EQ(error.kind, c.kind) << (c.format == om ? "OpenMetrics: " : "text: ") << testing::PrintToString(c.body)
                                  << " gave " << ParseErrorKindName(error.kind) << ": " << error.message;
    EXPECT_EQ(error.line, c.line) << testing::PrintToString(c.body);
    EXPECT_FALSE(error.message.empty()) << testing::PrintToString(c.body);
  }
}

TEST(ExpositionParser, EnforcesLimits) {
  ExpositionLimits limits;
  limits.max_body_bytes = 100;
  limits.max_samples = 2;
  limits.max_line_bytes = 40;
  limits.max_labels = 2;
  limits.max_label_name_bytes = 5;
  limits.max_label_value_bytes = 6;
  using K = ParseErrorKind;
  const std::vector<std::pair<std::string, ParseErrorKind>> cases = {
      {std::string(101, '\n'), K::kBodyTooLarge},
      {"a 1\nb 2\nc 3\n", K::kTooManySamples},
      {"a{b=\"" + std::string(40, 'x') + "\"} 1\n", K::kLineTooLong},
      {"a{b=\"1\",c=\"2\",d=\"3\"} 1\n", K::kTooManyLabels},
      {"a{abcdef=\"1\"} 1\n", K::kLabelNameTooLong},
      {"a{b=\"1234567\"} 1\n", K::kLabelValueTooLong},
      // Escapes count as what they stand for: six characters fit.
      {"a{b=\"12\\\\\\\\56\"} 1\n", K::kNone},
      {"# " + std::string(38, 'x'), K::kNone},
      {"# " + std::string(39, 'x'), K::kLineTooLong},
  };
  for (const auto& [body, kind] : cases) {
    std::vector<Family> families;
    EXPECT_EQ(ParseFamilies(body, Format::kPrometheusText, limits, &families).kind, kind)
        << testing::PrintToString(body);
  }
}

TEST(ExpositionParser, ChoosesTheFormatByContentType) {
  using K = ParseErrorKind;
  struct Case {
    const char* content_type;
    std::optional<Format> fallback;
    Format format;
    ParseErrorKind kind;
  };
  const std::vector<Case> cases = {
      {"text/plain; version=0.0.4; charset=utf-8", std::nullopt, Format::kPrometheusText, K::kNone},
      {"TEXT/PLAIN", std::nullopt, Format::kPrometheusText, K::kNone},
      {"application/openmetrics-text; version=1.0.0; charset=utf-8", std::nullopt, Format::kOpenMetrics, K::kNone},
      {" application/openmetrics-text ;version=0.0.1", std::nullopt, Format::kOpenMetrics, K::kNone},
      {"", std::nullopt, Format::kPrometheusText, K::kUnsupportedContentType},
      {"text/html", std::nullopt, Format::kPrometheusText, K::kUnsupportedContentType},
      {"application/vnd.google.protobuf", std::nullopt, Format::kPrometheusText, K::kUnsupportedContentType},
      {"", Format::kOpenMetrics, Format::kOpenMetrics, K::kNone},
      {"text/html", Format::kPrometheusText, Format::kPrometheusText, K::kNone},
  };
  for (const auto& c : cases) {
    FormatChoice choice = FormatForContentType(c.content_type, c.fallback);
    EXPECT_EQ(choice.error.kind, c.kind) << c.content_type;
    if (choice.error.ok()) {
      EXPECT_EQ(choice.format, c.format) << c.content_type;
    }
  }
}

TEST(ExpositionParser, StreamsFamiliesWithIndexes) {
  std::vector<std::pair<size_t, std::string>> seen;
  ParseError error = ParseExposition(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nother 2\nh_sum 3\n", Format::kPrometheusText, {},
      [&](const Family& family, size_t index, fleet::metrics::Sample& sample) {
        seen.emplace_back(index, family.name + sample.suffix);
      });
  ASSERT_TRUE(error.ok());
  // A sample of another name starts a family of its own; the histogram's _sum after it does too.
  using Seen = std::vector<std::pair<size_t, std::string>>;
  EXPECT_EQ(seen, (Seen{{0, "h_bucket"}, {0, "h_count"}, {1, "other"}, {2, "h_sum"}}));
}

}  // namespace
}  // namespace agent::scrape
