// Brief quotes a value in an error message, cut short: the cut never splits a character, so the
// message stays UTF-8 (found by the Ansible inventory fuzz target: a hostname of 20 "é").
#include <gtest/gtest.h>

#include "fleet/core/schema.h"
#include "fleet/core/text.h"

namespace fleet {
namespace {

TEST(BriefTest, CutsAtACharacterBoundary) {
  std::string accents = "a";
  for (int i = 0; i < 20; ++i) accents += "\xc3\xa9";  // é
  for (size_t max = 4; max < 48; ++max) {
    const std::string brief = Brief(Json(accents), max);
    EXPECT_TRUE(IsUtf8(brief)) << max;
    EXPECT_LE(brief.size(), max) << max;
  }
  EXPECT_EQ(Brief(Json("short"), 40), "\"short\"");
}

}  // namespace
}  // namespace fleet
