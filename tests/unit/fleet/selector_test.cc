#include "fleet/selector.h"

#include <gtest/gtest.h>

#include "fleet/core/text.h"

namespace fleet {
namespace {

TEST(LabelSelectorTest, MatchesLikeKubernetes) {
  const std::map<std::string, std::string> labels = {{"region", "atl"}, {"role", "chat"}};
  struct Row {
    const char* selector;
    bool want;
  };
  const Row rows[] = {
      {"", true},
      {"region=atl", true},
      {"region==atl", true},
      {"region=fra", false},
      {"region!=fra", true},
      {"region!=atl", false},
      {"role in (chat, db)", true},
      {"role in (db)", false},
      {"role notin (db)", true},
      {"role notin (chat,db)", false},
      {"region", true},
      {"tier", false},
      {"!tier", true},
      {"!region", false},
      {"region=atl,role in (chat),!tier", true},
      {"region=atl,role=db", false},
  };
  for (const auto& r : rows) {
    auto sel = LabelSelector::Parse(r.selector);
    ASSERT_TRUE(sel.ok()) << r.selector << ": " << sel.status().message();
    EXPECT_EQ(sel->Matches(labels), r.want) << r.selector;
  }
}

TEST(LabelSelectorTest, RejectsMalformed) {
  for (const char* bad : {"role in (a", "role within (a)", "a=b,,c", "role in (a,,b)", "!"}) {
    EXPECT_FALSE(LabelSelector::Parse(bad).ok()) << bad;
  }
}

// Keys and values follow the rules labels are stored under, so a selector that could match no
// stored object is an error that says why, as kubectl's is; an empty value is a value.
TEST(LabelSelectorTest, KeysAndValuesFollowTheLabelRules) {
  struct Row {
    std::string selector;
    std::string want_error;  // "" = parses
  };
  const Row rows[] = {
      {"vpsfleet.io/paused!=true", ""},
      {"region=", ""},
      {"region in (atl, fra-1, x_y.z)", ""},
      {"Example.com/tier=a", "invalid label key \"Example.com/tier\": prefix must be"},
      {"-tier=a", "invalid label key \"-tier\""},
      {"region=-atl", "invalid label value \"-atl\""},
      {"region=" + std::string(64, 'a'), "invalid label value"},
      {"role in (chat, d b)", "invalid label value \"d b\""},
      {"region=\xc3\x28", "invalid label value \"\xef\xbf\xbd(\""},
      {"!", "empty label key"},
  };
  for (const auto& r : rows) {
    auto sel = LabelSelector::Parse(r.selector);
    if (r.want_error.empty()) {
      EXPECT_TRUE(sel.ok()) << r.selector << ": " << sel.status().message();
      continue;
    }
    ASSERT_FALSE(sel.ok()) << r.selector;
    EXPECT_EQ(sel.status().code(), Code::kInvalid);
    EXPECT_NE(sel.status().message().find(r.want_error), std::string::npos)
        << r.selector << ": " << sel.status().message();
  }
}

// A client's selector is untrusted: the message quoting it is short and valid UTF-8 whatever it
// held, and one past the size bound is refused before it is split.
TEST(LabelSelectorTest, HostileSelectorsGetShortValidMessages) {
  const std::string huge(100 * 1024, 'a');
  for (const std::string& text :
       {"region=" + huge, huge + "=a", "role in (" + huge + ")", "region=\xff" + huge,
        "a in (" + std::string(8000, '(') + ")"}) {
    auto sel = LabelSelector::Parse(text);
    ASSERT_FALSE(sel.ok()) << text.substr(0, 40);
    EXPECT_LT(sel.status().message().size(), 512u) << sel.status().message();
    EXPECT_TRUE(IsUtf8(sel.status().message()));
  }
  EXPECT_NE(LabelSelector::Parse("region=" + huge).status().message().find("longer than 16384"),
            std::string::npos);
}

TEST(LabelSelectorTest, StructuredFormFromRollouts) {
  Json sel = {{"matchLabels", {{"region", "atl"}}},
              {"matchExpressions", {{{"key", "role"}, {"operator", "NotIn"}, {"values", {"db"}}}}}};
  auto s = LabelSelector::FromJson(sel);
  EXPECT_TRUE(s.Matches({{"region", "atl"}, {"role", "chat"}}));
  EXPECT_FALSE(s.Matches({{"region", "atl"}, {"role", "db"}}));
  EXPECT_FALSE(s.Matches({{"region", "fra"}}));
}

}  // namespace
}  // namespace fleet
