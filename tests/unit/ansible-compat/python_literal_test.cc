// The values Ansible's INI plugin gives variables: Python's ast.literal_eval of the text, else
// the text. Expected values are what python3 -c 'import ast; print(ast.literal_eval(...))' gives.
#include "ansible-compat/python_literal.h"

#include <gtest/gtest.h>

namespace ansible_compat {
namespace {

using fleet::Json;

TEST(PythonLiteralTest, LiteralsReadAsPythonReadsThem) {
  const struct {
    const char* text;
    Json want;
  } rows[] = {
      {"22", 22},
      {"-5", -5},
      {"+5", 5},
      {"0", 0},
      {"00", 0},
      {"1_000", 1000},
      {"0x1F", 31},
      {"0o17", 15},
      {"0b101", 5},
      {"1.5", 1.5},
      {"1e3", 1000.0},
      {".5", 0.5},
      {"5.", 5.0},
      {"True", true},
      {"False", false},
      {"None", nullptr},
      {"'a b'", "a b"},
      {"\"tab\\there\"", "tab\there"},
      {"'\\x41\\u00e9\\101'", "A\xc3\xa9" "A"},
      {"r'\\d+'", "\\d+"},
      {"'a' \"b\"", "ab"},
      {"'''x'y'''", "x'y"},
      {"[1, 'two', [3]]", Json::array({1, "two", Json::array({3})})},
      {"(1,)", Json::array({1})},
      {"(1)", 1},
      {"()", Json::array()},
      {"{'a': 1, 2: [True]}", Json({{"a", 1}, {"2", Json::array({true})}})},
      {"[1, 2,]", Json::array({1, 2})},
      {"  7", 7},
      {"1 # note", 1},
      {"-9223372036854775808", INT64_MIN},
      {"-0x8000000000000000", INT64_MIN},
      {"0x_1f", 31},
      {"1e-400", 0.0},
  };
  for (const auto& r : rows) {
    auto got = PythonLiteral(r.text);
    ASSERT_TRUE(got.has_value()) << r.text;
    EXPECT_EQ(*got, r.want) << r.text;
    EXPECT_EQ(IniValue(r.text), r.want) << r.text;
  }
}

// Where literal_eval raises, Ansible keeps the text as a string.
TEST(PythonLiteralTest, WhatLiteralEvalRefusesStaysText) {
  for (const char* text :
       {"", "web01", "yes", "true", "0755", "1.2.3.4", "a=b", "{{ var }}", "[1, 2", "'open",
        "{1, 2}", "1j", "b'x'", "f'x'", "1 + 2", "x.y", "-'a'", "-True", "{[1]: 2}", "inf",
        "99999999999999999999999", "'\\N{BULLET}'", "1__0", "_1", "1_", "--1", "+-1", "-(1)", "1_e5",
        "1e999", "-9223372036854775809"}) {
    EXPECT_FALSE(PythonLiteral(text).has_value()) << text;
    EXPECT_EQ(IniValue(text), Json(text)) << text;
  }
}

// Untrusted input: deep nesting is refused, not followed into a stack overflow.
TEST(PythonLiteralTest, DeepNestingIsText) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(PythonLiteral(deep).has_value());
  const std::string ok = std::string(30, '[') + std::string(30, ']');
  EXPECT_TRUE(PythonLiteral(ok).has_value());
}

}  // namespace
}  // namespace ansible_compat
