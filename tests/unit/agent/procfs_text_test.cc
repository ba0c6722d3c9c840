// agent/procfs's readers of kernel text shared by several collectors: mount-table escapes
// (filesystem's /proc/mounts, the container filesystem usage's mountinfo) and /proc/meminfo
// (the machine collector, cgroup v2's root memory).
#include <gtest/gtest.h>

#include "agent/procfs.h"

namespace agent {
namespace {

TEST(DecodeMountEscapes, DecodesTheKernelsOctalEscapesOnly) {
  const struct {
    std::string field, want;
  } cases[] = {
      {"/mnt/with\\040space", "/mnt/with space"},
      {"tab\\011newline\\012backslash\\134", "tab\tnewline\nbackslash\\"},
      {"plain", "plain"},
      {"\\08", "\\08"},          // too short
      {"\\089", "\\089"},        // 8 and 9 are not octal
      {"\\400", "\\400"},        // over one byte
      {"end\\04", "end\\04"},    // cut at the end
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(DecodeMountEscapes(c.field), c.want) << c.field;
}

TEST(MeminfoKiB, SetsTheWantedKeysAndLeavesTheRest) {
  const std::string meminfo =
      "MemTotal:       2048 kB\n"
      "MemFree:        1024 kB\n"
      "HugePages_Total:   4\n"
      "SwapTotal:  12abc kB\n"
      "Broken\n"
      "MemAvailable 99 kB\n";
  uint64_t total = 7, free = 7, huge = 7, swap = 7, available = 7, absent = 7;
  MeminfoKiB(meminfo, {{"MemTotal", &total}, {"MemFree", &free}, {"HugePages_Total", &huge},
                       {"SwapTotal", &swap}, {"MemAvailable", &available}, {"Absent", &absent}});
  EXPECT_EQ(total, 2048u);
  EXPECT_EQ(free, 1024u);
  EXPECT_EQ(huge, 4u) << "a count without a unit is read as written";
  EXPECT_EQ(swap, 7u) << "a malformed number leaves the value untouched";
  EXPECT_EQ(available, 7u) << "a key without its colon is not a meminfo line";
  EXPECT_EQ(absent, 7u);
}

}  // namespace
}  // namespace agent
