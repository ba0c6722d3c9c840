// DockerLogReplayFilter: the lines dockerd repeats after a json-file rotation are dropped, and no
// new line is, whatever its timestamp shares with the ones before it.
#include "agent/sources/docker_log_replay.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

struct Line {
  int64_t ts;
  std::string text;
  size_t offset = 0;
  bool taken;  // what Take should answer
};

TEST(DockerLogReplayFilter, DropsRepeatsAndKeepsEveryNewLine) {
  struct Case {
    std::string name;
    std::vector<Line> lines;
  };
  constexpr size_t kPiece = docker::kMaxLineBytes;
  for (const auto& c : std::vector<Case>{
           {"rotation repeats the last lines in order",
            {{1, "a", 0, true}, {2, "b", 0, true}, {3, "c", 0, true}, {2, "b", 0, false}, {3, "c", 0, false},
             {4, "d", 0, true}}},
           {"the newest line again", {{1, "a", 0, true}, {2, "b", 0, true}, {2, "b", 0, false}, {3, "c", 0, true}}},
           {"a coarse clock stamps different lines alike",
            {{5, "a", 0, true}, {5, "b", 0, true}, {5, "a", 0, false}, {5, "c", 0, true}, {5, "b", 0, false},
             {6, "a", 0, true}}},
           {"the pieces of one long line, the same text twice",
            {{7, "x", 0, true}, {7, "x", kPiece, true}, {7, "x", 2 * kPiece, true}, {7, "x", 0, false},
             {7, "x", kPiece, false}, {8, "y", 0, true}}},
           {"older than the newest is a repeat even unseen", {{10, "a", 0, true}, {9, "never sent", 0, false}}},
           {"the first line at time 0", {{0, "", 0, true}, {0, "", 0, false}, {1, "", 0, true}}},
       }) {
    DockerLogReplayFilter filter;
    for (size_t i = 0; i < c.lines.size(); ++i) {
      const Line& l = c.lines[i];
      EXPECT_EQ(filter.Take({docker::LogStream::kStdout, l.ts, l.text, l.offset}), l.taken) << c.name << ", line " << i;
    }
  }
}

// Past the lines remembered at one timestamp, new lines are still taken (a late repeat is then a
// duplicate, never a loss).
TEST(DockerLogReplayFilter, ManyLinesAtOneTimestampAreAllTaken) {
  DockerLogReplayFilter filter;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(filter.Take({docker::LogStream::kStdout, 42, "line-" + std::to_string(i)})) << i;
  }
  EXPECT_FALSE(filter.Take({docker::LogStream::kStdout, 42, "line-0"}));
}

}  // namespace
}  // namespace agent
