#include "fleet/core/yaml_codec.h"

#include <gtest/gtest.h>

namespace fleet {
namespace {

TEST(YamlCodecTest, PlainScalarsResolveWithTheCoreSchema) {
  struct Row {
    const char* yaml;
    Json want;
  };
  const Row rows[] = {
      {"v: 22", 22},         {"v: -7", -7},          {"v: 0x1F", 31},
      {"v: 1.5", 1.5},       {"v: true", true},      {"v: False", false},
      {"v: ~", nullptr},     {"v:", nullptr},        {"v: yes", "yes"},
      {"v: '22'", "22"},     {"v: \"true\"", "true"}, {"v: 15s", "15s"},
      {"v: 1e3", 1000.0},    {"v: 0o17", 15},         {"v: 10.0.0.1", "10.0.0.1"},
  };
  for (const auto& r : rows) {
    auto docs = ParseYamlDocuments(r.yaml, "t.yaml");
    ASSERT_TRUE(docs.ok()) << r.yaml;
    EXPECT_EQ((*docs)[0].object["v"], r.want) << r.yaml;
  }
}

TEST(YamlCodecTest, RoundTripKeepsTypes) {
  Json v = {{"apiVersion", "vpsfleet.io/v1alpha1"},
            {"kind", "Host"},
            {"metadata", {{"name", "a"}, {"labels", {{"vpsfleet.io/hostgroup", "g"}}}}},
            {"spec", {{"port", "22"}, {"n", 22}, {"b", "true"}, {"e", ""}, {"multi", "a\nb\n"},
                      {"list", Json::array()}, {"null", nullptr}, {"f", 0.25}}}};
  std::string text = ToYaml(v);
  EXPECT_EQ(text.rfind("apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata:", 0), 0u) << text;
  auto back = ParseYamlDocuments(text, "t.yaml");
  ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << text;
  EXPECT_EQ((*back)[0].object, v) << text;
}

// Found by tests/fuzz/yaml_codec_fuzz.cc: a literal block gave every multi-line string one final
// newline, whatever it had.
TEST(YamlCodecTest, RoundTripKeepsMultiLineStrings) {
  for (const std::string s : {"a\nb", "a\nb\n", "a\nb\n\n", "\n", "\n\n", "\na\n", "  indented\nb\n",
                              "a\n  b\n", "tab\tand\nline\n", "cr\r\nlf\n", "ctl\x01\n"}) {
    const Json v = {{"s", s}};
    const std::string text = ToYaml(v);
    auto back = ParseYamlDocuments(text, "t.yaml");
    ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << text;
    EXPECT_EQ((*back)[0].object, v) << text;
  }
}

// Found by tests/fuzz/yaml_codec_fuzz.cc: "\x03\0\0\0a: 1" was read as UTF-32, as garbage.
TEST(YamlCodecTest, NulBytesAreRefusedWithTheirPosition) {
  auto docs = ParseYamlDocuments(std::string("\x03\0\0\0a: 1\n", 9), "t.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), "t.yaml:1:2: invalid YAML: a NUL byte (YAML files are UTF-8 text)");
  docs = ParseYamlDocuments(std::string("a: 1\nb: x\0y\n", 13), "t.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message().rfind("t.yaml:2:5: ", 0), 0u) << docs.status().message();
}

// Aliases of aliases: nine lines that would expand to 10^9 values (the fuzz target's find)
// are refused where the budget runs out, while anchors used as they are in real files parse.
TEST(YamlCodecTest, AliasesMayNotExpandPastTheFilesSize) {
  std::string bomb = "l0: &l0 [x,x,x,x,x,x,x,x,x,x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev;
    for (int j = 1; j < 10; ++j) bomb += "," + prev;
    bomb += "]\n";
  }
  auto docs = ParseYamlDocuments(bomb, "t.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), Code::kInvalid);
  EXPECT_NE(docs.status().message().find("invalid YAML: the document expands to more values than its size allows"),
            std::string::npos) << docs.status().message();
  EXPECT_EQ(docs.status().message().rfind("t.yaml:", 0), 0u) << docs.status().message();

  std::string shared = "defaults: &d {user: root, port: 22, labels: {region: fra}}\nhosts:\n";
  for (int i = 0; i < 500; ++i) shared += "  - {name: h" + std::to_string(i) + ", ssh: *d}\n";
  auto ok = ParseYamlDocuments(shared, "t.yaml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].object["hosts"][499]["ssh"]["labels"]["region"], "fra");
}

TEST(YamlCodecTest, PositionsPointAtValuesAndKeys) {
  auto docs = ParseYamlDocuments("a: 1\n---\nspec:\n  hosts:\n    - name: x\n      port: 9\n", "f.yaml");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  const auto& pos = (*docs)[1].positions;
  EXPECT_EQ(pos.Find("spec.hosts[0].port").line, 6) << "lines count from the top of the file";
  EXPECT_EQ(pos.Find("spec.hosts[0].port").column, 13);
  EXPECT_EQ(pos.FindKey("spec.hosts[0].port").column, 7);
  EXPECT_EQ(pos.Find("spec.hosts[0].missing.deeper").line, 5) << "falls back to the nearest parent";
  EXPECT_EQ((*docs)[1].index, 1);
}

TEST(YamlCodecTest, PathsBracketKeysWithDots) {
  EXPECT_EQ(JoinPath("metadata.labels", "vpsfleet.io/hostgroup"), "metadata.labels[vpsfleet.io/hostgroup]");
  EXPECT_EQ(JoinPath("", "spec"), "spec");
  EXPECT_EQ(JoinPath("spec.hosts", 3), "spec.hosts[3]");
}

}  // namespace
}  // namespace fleet
