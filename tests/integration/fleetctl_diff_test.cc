#include "fleetctl/diff.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace fleetctl {
namespace {

// The label is the object's reference as the server names it: it must reach diff as data.
TEST(UnifiedDiffTest, AHostileLabelRunsNothing) {
  char dir_template[] = "/tmp/fleetctl-unit-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(dir_template);
  const std::string marker = (dir / "pwned").string();
  for (const std::string& label : {"host/x'; touch " + marker + "; '", "host/$(touch " + marker + ")",
                                  "host/`touch " + marker + "`"}) {
    auto diff = UnifiedDiff(label, "a: 1\n", "a: 2\n");
    ASSERT_TRUE(diff.ok()) << diff.status().ToString();
    EXPECT_NE(diff->find("--- live/" + label + "\n+++ merged/" + label + "\n"), std::string::npos)
        << *diff;
    EXPECT_NE(diff->find("-a: 1\n+a: 2\n"), std::string::npos) << *diff;
  }
  EXPECT_FALSE(std::filesystem::exists(marker));
  std::filesystem::remove_all(dir);
}

TEST(UnifiedDiffTest, EqualTextsHaveNoDiffAndACreatedObjectIsAllAdded) {
  auto same = UnifiedDiff("host/a", "a: 1\n", "a: 1\n");
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(*same, "");
  auto created = UnifiedDiff("host/a", "", "a: 1\n");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_NE(created->find("+a: 1\n"), std::string::npos) << *created;
}

}  // namespace
}  // namespace fleetctl
