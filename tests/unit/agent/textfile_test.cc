// The textfile collector's parse (the exposition parser with expfmt's rules) and the collector over
// scratch directories.
#include <gtest/gtest.h>

#include "agent/collector.h"
#include "agent/collectors/collectors.h"
#include "agent/collectors/textfile.h"
#include "tests/common/temp_dir.h"

namespace agent {
namespace {

std::string Render(const std::vector<TextFamily>& families) {
  std::vector<fleet::metrics::Family> plain;
  for (const TextFamily& f : families) plain.push_back(f.family);
  std::string text;
  fleet::metrics::WriteText(plain, &text);
  return text;
}

TEST(ParseTextfile, AcceptsWhatNodeExporterAccepts) {
  const struct {
    const char* name;
    const char* input;
    const char* want;  // WriteText of the parsed families
  } cases[] = {
      {"untyped without HELP", "a{x=\"1\"} 10\n", "# HELP a \n# TYPE a untyped\na{x=\"1\"} 10\n"},
      {"HELP escapes, TYPE, trailing comma, blanks",
       "# HELP g line\\nnext \\\\ x\n# TYPE g gauge\n  g { y = \"q\\\"\\\\\\n\" , } -1.5e3\n",
       "# HELP g line\\nnext \\\\ x\n# TYPE g gauge\ng{y=\"q\\\"\\\\\\n\"} -1500\n"},
      {"special values", "a +Inf\nb -inf\nc NaN\n",
       "# HELP a \n# TYPE a untyped\na +Inf\n# HELP b \n# TYPE b untyped\nb -Inf\n"
       "# HELP c \n# TYPE c untyped\nc NaN\n"},
      {"histogram series join their family",
       "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n",
       "# HELP h \n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 4\n"
       "h_count 3\n"},
      {"summary", "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n",
       "# HELP s \n# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n"},
      {"plain comments and blank lines", "# just a comment\n\n#\na 1",
       "# HELP a \n# TYPE a untyped\na 1\n"},
      // expfmt keeps families by name: a name's samples join it wherever they are.
      {"a family split by another", "a 1\nb 2\na{x=\"y\"} 3\n",
       "# HELP a \n# TYPE a untyped\na 1\na{x=\"y\"} 3\n# HELP b \n# TYPE b untyped\nb 2\n"},
      {"histogram series after another family",
       "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nx 1\nh_sum 2\nh_count 1\n",
       "# HELP h \n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n"
       "# HELP x \n# TYPE x untyped\nx 1\n"},
      // expfmt skips a HELP line with no text after the name.
      {"HELP without text is no HELP", "# HELP a\n# HELP a \n# HELP a  given\na 1\n",
       "# HELP a given\n# TYPE a untyped\na 1\n"},
      {"HELP and TYPE alone make no family", "# HELP e x\n# TYPE e gauge\na 1\n",
       "# HELP a \n# TYPE a untyped\na 1\n"},
      // Unlike Prometheus' parser, expfmt has no counter suffixes: c_total is a name of its own.
      {"a counter's _total is another name", "# TYPE c counter\nc_total 1\n",
       "# HELP c_total \n# TYPE c_total untyped\nc_total 1\n"},
  };
  for (const auto& c : cases) {
    auto got = ParseTextfile(c.input);
    ASSERT_TRUE(got.ok()) << c.name << ": " << got.status().ToString();
    EXPECT_EQ(Render(*got), c.want) << c.name;
  }
}

TEST(ParseTextfile, RefusesTheWholeFileOnAnError) {
  const struct {
    const char* name;
    std::string input;
    const char* want_error;  // the message's start: "line N: " where the parser refuses the line
  } cases[] = {
      {"client-side timestamp", "a 1\nb 2 1700000000000\n", "b: client-side timestamps are not supported"},
      {"bad value", "a one\n", "line 1: invalid value"},
      {"bad metric name", "1a 1\n", "line 1: expected a metric name"},
      {"bad label name", "a{1x=\"v\"} 1\n", "line 1: expected a label name"},
      {"unquoted label value", "a{x=v} 1\n", "line 1: expected a quoted label value"},
      {"unterminated label value", "a{x=\"v} 1\n", "line 1: unterminated label value"},
      {"bad escape", "a{x=\"\\t\"} 1\n", "line 1: invalid escape"},
      {"bad escape in HELP", "# HELP a x\\ty\n", "line 1: invalid escape"},
      {"backslash ending HELP", "# HELP a x\\\n", "line 1: invalid escape"},
      {"quote escape in HELP", "# HELP a \\\"x\\\"\n", "line 1: invalid escape"},
      {"duplicate label", "a{x=\"1\",x=\"2\"} 1\n", "line 1: label x given twice"},
      {"label value not UTF-8", "a{x=\"\xff\"} 1\n", "line 1: label value is not UTF-8"},
      {"unknown type", "# TYPE a gauges\n", "line 1: invalid metric type \"gauges\""},
      {"second TYPE", "# TYPE a gauge\n# TYPE a counter\n", "line 2: second TYPE for a"},
      {"second HELP", "# HELP a x\n# HELP a y\n", "line 2: second HELP for a"},
      {"TYPE after samples", "a 1\n# TYPE a gauge\n", "line 2: TYPE for a after its samples"},
      {"bucket without le", "# TYPE h histogram\nh_bucket 1\n",
       "histogram h: bucket without le"},
      {"bare histogram sample", "# TYPE h histogram\nh 1\n", "histogram h sample without _bucket"},
      {"quantile missing", "# TYPE s summary\ns 1\n", "summary s: sample without quantile"},
      {"no value", "a{x=\"1\"}\n", "line 1: expected a value after the metric"},
  };
  for (const auto& c : cases) {
    auto got = ParseTextfile(c.input);
    ASSERT_FALSE(got.ok()) << c.name;
    EXPECT_EQ(got.status().message().rfind(c.want_error, 0), 0u)
        << c.name << ": " << got.status().message();
  }
  std::string many = "a{";
  for (size_t i = 0; i <= kMaxTextLabels; ++i) many += "l" + std::to_string(i) + "=\"v\",";
  many += "} 1\n";
  auto got = ParseTextfile(many);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().rfind("line 1: more than 64 labels", 0), 0u)
      << got.status().message();
}

std::string CollectTextfile(const std::string& directory) {
  CollectorOptions o;
  o.textfile_directory = directory;
  std::vector<fleet::metrics::Family> families;
  EXPECT_TRUE(NewTextfileCollector(o)->Collect(&families).ok());
  std::string text;
  fleet::metrics::WriteText(families, &text);
  return text;
}

TEST(TextfileCollector, ServesGoodFilesAndFlagsBadOnes) {
  testsupport::TempDir dir;
  dir.Write("t/a.prom", "# HELP m From a.\n# TYPE m gauge\nm{x=\"1\"} 1\nn{y=\"2\"} 5\nn 6\n");
  dir.Write("t/b.prom", "m{x=\"2\"} 2\n");
  dir.Write("t/bad.prom", "m{x=\"3\"} 3 123\n");  // a timestamp: the whole file is skipped
  dir.Write("t/ignored.txt", "m{x=\"4\"} 4\n");
  const std::string text = CollectTextfile((dir.path() / "t").string() + "/");
  const std::string a = (dir.path() / "t/a.prom").string();
  for (const std::string& line :
       {std::string("m{x=\"1\"} 1"), std::string("m{x=\"2\"} 2"),
        std::string("# HELP n Metric read from ") + a, std::string("n{y=\"2\"} 5"),
        std::string("n{y=\"\"} 6"), "node_textfile_mtime_seconds{file=\"" + a + "\"} ",
        std::string("node_textfile_scrape_error 1")}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
  EXPECT_EQ(text.find("x=\"3\""), std::string::npos) << text;
  EXPECT_EQ(text.find("x=\"4\""), std::string::npos) << text;
  EXPECT_EQ(text.find("bad.prom"), std::string::npos) << text;
}

TEST(TextfileCollector, DirectoryStates) {
  testsupport::TempDir dir;
  dir.Write("d1/x.prom", "a 1\n");
  dir.Write("d2/y.prom", "b 2\n");
  const struct {
    const char* name;
    std::string directory;
    std::vector<std::string> want;
  } cases[] = {
      {"unset: nothing, no error", "", {"node_textfile_scrape_error 0\n"}},
      {"missing directory", (dir.path() / "nope").string(), {"node_textfile_scrape_error 1\n"}},
      {"glob of directories",
       (dir.path() / "d*").string(),
       {"\na 1\n", "\nb 2\n", "node_textfile_scrape_error 0\n"}},
  };
  for (const auto& c : cases) {
    const std::string text = CollectTextfile(c.directory);
    for (const std::string& w : c.want) {
      EXPECT_NE(text.find(w), std::string::npos) << c.name << ": " << w << "\nin:\n" << text;
    }
  }
}

}  // namespace
}  // namespace agent
