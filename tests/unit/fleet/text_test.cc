#include "fleet/core/text.h"

#include <gtest/gtest.h>

namespace fleet {
namespace {

TEST(TextTest, ValidUtf8Table) {
  const struct {
    const char* name;
    std::string in;
    std::string want;
  } cases[] = {
      {"ascii", "SSH-2.0-OpenSSH_9.2", "SSH-2.0-OpenSSH_9.2"},
      {"valid multibyte", "h\u00e9t\u2026\U0001F600", "h\u00e9t\u2026\U0001F600"},
      {"invalid bytes", "SSH-1.5-\xff\xfe\r\n", "SSH-1.5-\uFFFD\uFFFD\r\n"},
      {"truncated sequence", "a\xe2\x80", "a\uFFFD"},
      {"overlong slash", "\xc0\xaf", "\uFFFD\uFFFD"},
      {"surrogate", "\xed\xa0\x80x", "\uFFFD\uFFFD\uFFFDx"},
      {"NUL kept", std::string("a\0b", 3), std::string("a\0b", 3)},
      {"empty", "", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(ValidUtf8(c.in), c.want) << c.name;
}

TEST(TextTest, IsUtf8AgreesWithValidUtf8) {
  const struct {
    const char* name;
    std::string in;
    bool want;
  } cases[] = {
      {"ascii", "abc", true},
      {"empty", "", true},
      {"NUL", std::string("a\0b", 3), true},
      {"two to four bytes", "\u00e9\u2026\U0001F600\U0010FFFF", true},
      {"lone continuation", "\x80", false},
      {"truncated", "a\xe2\x80", false},
      {"overlong 2-byte", "\xc0\xaf", false},
      {"overlong 3-byte", "\xe0\x80\xaf", false},
      {"overlong 4-byte", "\xf0\x80\x80\xaf", false},
      {"surrogate", "\xed\xa0\x80", false},
      {"past U+10FFFF", "\xf4\x90\x80\x80", false},
      {"F5 lead", "\xf5\x80\x80\x80", false},
      {"bad third byte", "\xe2\x28\xa1", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsUtf8(c.in), c.want) << c.name;
    // The two judges agree: valid text is what ValidUtf8 leaves as it is.
    EXPECT_EQ(IsUtf8(c.in), ValidUtf8(c.in) == c.in) << c.name;
  }
}

// Go's strings.ToValidUTF8 (Go's own test table): one U+FFFD per run of invalid bytes.
TEST(TextTest, GoValidUtf8ReplacesEachInvalidRunOnce) {
  const struct {
    const char* name;
    std::string in;
    std::string want;
  } cases[] = {
      {"valid", "Hello, \u4e16\u754c", "Hello, \u4e16\u754c"},
      {"one run", "LNV-45N1\xff\xfe", "LNV-45N1\uFFFD"},
      {"runs apart", "a\xff" "b\xC0\xAF" "c\xff", "a\uFFFDb\uFFFDc\uFFFD"},
      {"surrogate bytes", "\xed\xa0\x80", "\uFFFD"},
      {"truncated then valid", "\xe2\x80\u00e9", "\uFFFD\u00e9"},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GoValidUtf8(c.in), c.want) << c.name;
    EXPECT_TRUE(IsUtf8(GoValidUtf8(c.in))) << c.name;
  }
}

TEST(TextTest, ForeignTextIsCappedAtACharacterBoundary) {
  EXPECT_EQ(ForeignText("short", 10), "short");
  EXPECT_EQ(ForeignText("0123456789abc", 10), "0123456789\u2026 (3 bytes cut)");
  // "é" is two bytes: a cut inside it keeps neither.
  EXPECT_EQ(ForeignText("aaaaaaaaa\u00e9zz", 10), "aaaaaaaaa\u2026 (4 bytes cut)");
  const std::string flood(1 << 20, '\xff');
  const std::string capped = ForeignText(flood);
  EXPECT_LT(capped.size(), kForeignTextMax + 64);
  EXPECT_NO_THROW(Json(capped).dump());
  EXPECT_NE(capped.find("bytes cut)"), std::string::npos);
}

TEST(TextTest, DumpJsonNeverThrows) {
  const Json j = {{"message", "bad \xff byte"}, {"ok", "\u00e9"}};
  EXPECT_THROW((void)j.dump(), Json::type_error) << "the hazard DumpJson exists for";
  EXPECT_EQ(DumpJson(j), "{\"message\":\"bad \uFFFD byte\",\"ok\":\"\u00e9\"}");
  EXPECT_EQ(DumpJson(Json::object({{"a", 1}}), 2), "{\n  \"a\": 1\n}");
}

}  // namespace
}  // namespace fleet
