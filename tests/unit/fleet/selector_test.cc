#include "fleet/selector.h"

#include <gtest/gtest.h>

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
