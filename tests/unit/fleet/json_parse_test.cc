// ParseUntrustedJson: API request bodies, bounded in depth before any tree is built.
#include <gtest/gtest.h>

#include "fleet/core/json_parse.h"

namespace fleet {
namespace {

std::string NestedArrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string NestedObjects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"v\":";
  return text + "1" + std::string(depth, '}');
}

TEST(ParseUntrustedJson, BoundsNestingAndNamesWhatIsWrong) {
  const std::string too_deep = "JSON nested deeper than 100 levels";
  auto syntax = [](int line, int column, const std::string& what) {
    return "not valid JSON: parse error at line " + std::to_string(line) + ", column " +
           std::to_string(column) + ": syntax error while parsing value - " + what;
  };
  const struct {
    std::string name;
    std::string text;
    Code code;
    std::string message;  // "" when it parses
  } cases[] = {
      {"an object", R"({"kind":"Host","spec":{"vars":{"a":[1,2]}}})", Code::kOk, ""},
      {"a scalar", "42", Code::kOk, ""},
      {"arrays at the limit", NestedArrays(kMaxJsonDepth), Code::kOk, ""},
      {"objects at the limit", NestedObjects(kMaxJsonDepth), Code::kOk, ""},
      {"arrays one past", NestedArrays(kMaxJsonDepth + 1), Code::kBadRequest, too_deep},
      {"objects one past", NestedObjects(kMaxJsonDepth + 1), Code::kBadRequest, too_deep},
      // Recursing through these would overflow the stack (parse, dump or destruction).
      {"100,000 arrays", NestedArrays(100000), Code::kBadRequest, too_deep},
      {"100,000 objects", NestedObjects(100000), Code::kBadRequest, too_deep},
      {"100,000 unclosed", std::string(100000, '['), Code::kBadRequest, too_deep},
      {"truncated", "{\"kind\":\n\"Ho", Code::kBadRequest,
       syntax(2, 4, "invalid string: missing closing quote")},
      {"not JSON", "kind: Host", Code::kBadRequest, syntax(1, 1, "invalid literal")},
      {"empty", "", Code::kBadRequest,
       syntax(1, 1, "unexpected end of input; expected '[', '{', or a literal")},
      {"invalid UTF-8", "\"\xff\"", Code::kBadRequest,
       syntax(1, 2, "invalid string: ill-formed UTF-8 byte")},
      // nlohmann throws out_of_range for this one, not parse_error (the API answered 500).
      {"a number out of range", R"({"stringData":{"token":1e999}})", Code::kBadRequest,
       "not valid JSON: a number is out of range"},
      // nlohmann quotes the token it stopped in: here a Secret's value, never to be echoed.
      {"a Secret's malformed value", R"({"kind":"Secret","stringData":{"token":"hunter2)", Code::kBadRequest,
       syntax(1, 48, "invalid string: missing closing quote")},
  };
  for (const auto& c : cases) {
    auto got = ParseUntrustedJson(c.text);
    EXPECT_EQ(got.status().code(), c.code) << c.name << ": " << got.status().ToString();
    EXPECT_EQ(got.status().message(), c.message) << c.name;
  }
}

TEST(ParseUntrustedJson, KeepsTheValue) {
  auto got = ParseUntrustedJson(R"({"spec":{"vars":{"a":[1,"x",null]}}})");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Json::parse(R"({"spec":{"vars":{"a":[1,"x",null]}}})"));
}

TEST(ParseUntrustedJson, TheLimitIsAParameter) {
  EXPECT_TRUE(ParseUntrustedJson("[[1]]", 2).ok());
  EXPECT_EQ(ParseUntrustedJson("[[[1]]]", 2).status().message(), "JSON nested deeper than 2 levels");
}

}  // namespace
}  // namespace fleet
