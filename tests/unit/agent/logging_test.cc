// Log output selection (journal only when stderr is the stream systemd named), the journal line
// format (priority prefix, no timestamp), and the ring keeping debug lines only while a support
// bundle asks. No journald runs here: the journal side is checked by the bytes written.
#include "agent/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace agent {
namespace {

TEST(ChooseLogTarget, Table) {
  const struct {
    const char* journal_stream;
    dev_t dev;
    ino_t ino;
    LogTarget want;
  } cases[] = {
      {nullptr, 8, 1234, LogTarget::kStderr},             // not run by systemd (or no journal)
      {"8:1234", 8, 1234, LogTarget::kJournal},          // stderr is the journal stream
      {"8:1234", 8, 9999, LogTarget::kStderr},           // inherited, but stderr was redirected
      {"9:1234", 8, 1234, LogTarget::kStderr},
      {"", 8, 1234, LogTarget::kStderr},
      {"8", 8, 1234, LogTarget::kStderr},
      {"8:1234x", 8, 1234, LogTarget::kStderr},
      {"garbage", 0, 0, LogTarget::kStderr},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ChooseLogTarget(c.journal_stream, c.dev, c.ino), c.want)
        << (c.journal_stream ? c.journal_stream : "(unset)");
  }
}

TEST(LogFormat, JournalLinesCarryPriorityAndNoTimestamp) {
  const struct {
    const char* format;
    LogTarget target;
    spdlog::level::level_enum level;
    const char* want;  // whole line; "" to check the stderr prefix only
  } cases[] = {
      {"logfmt", LogTarget::kJournal, spdlog::level::err, "<3>level=error msg=\"boom\"\n"},
      {"logfmt", LogTarget::kJournal, spdlog::level::warn, "<4>level=warning msg=\"boom\"\n"},
      {"logfmt", LogTarget::kJournal, spdlog::level::info, "<6>level=info msg=\"boom\"\n"},
      {"logfmt", LogTarget::kJournal, spdlog::level::debug, "<7>level=debug msg=\"boom\"\n"},
      {"json", LogTarget::kJournal, spdlog::level::err, "<3>{\"level\":\"error\",\"msg\":\"boom\"}\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatForTest(c.format, c.target, c.level, "boom"), c.want);
  }
  const std::string stderr_line = FormatForTest("logfmt", LogTarget::kStderr, spdlog::level::err, "boom");
  EXPECT_EQ(stderr_line.rfind("ts=", 0), 0u) << stderr_line;
  EXPECT_NE(stderr_line.find(" level=error msg=\"boom\"\n"), std::string::npos) << stderr_line;
}

bool RingHas(const LogRing& ring, const std::string& text) {
  auto lines = ring.Lines();
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

TEST(LogRing, KeepsConfiguredLevelAndDebugOnlyWhileVerbose) {
  auto ring = SetUpLogging({"info", "logfmt"});
  EXPECT_EQ(ring, SetUpLogging({"info", "logfmt"})) << "one ring for the process";
  spdlog::info("info-line-1");
  spdlog::debug("debug-line-1");
  {
    LogRing::Verbose verbose(*ring);
    spdlog::debug("debug-line-2");
  }
  spdlog::debug("debug-line-3");
  EXPECT_TRUE(RingHas(*ring, "level=info msg=\"info-line-1\""));
  EXPECT_FALSE(RingHas(*ring, "debug-line-1"));
  EXPECT_TRUE(RingHas(*ring, "debug-line-2"));
  EXPECT_FALSE(RingHas(*ring, "debug-line-3"));
  for (size_t i = 0; i < LogRing::kLines + 10; ++i) spdlog::warn("flood {}", i);
  EXPECT_EQ(ring->Lines().size(), LogRing::kLines);
  EXPECT_FALSE(RingHas(*ring, "info-line-1")) << "the oldest lines make room";
}

// The ring is bounded by lines and by bytes, whichever is reached first, and keeps the newest.
TEST(RecentLinesSink, DropsTheOldestPastEitherBound) {
  const struct {
    const char* name;
    size_t max_lines, max_bytes, messages, message_size, want_lines;
  } cases[] = {
      {"lines bound", 3, 1 << 20, 10, 10, 3},
      {"bytes bound: 4 lines of ~1 KiB fit in 4.5 KiB", 100, 4608, 10, 1000, 4},
      {"one line larger than the byte bound is still kept", 100, 10, 3, 100, 1},
      {"under both bounds", 100, 1 << 20, 5, 10, 5},
  };
  for (const auto& c : cases) {
    auto sink = std::make_shared<RecentLinesSink>(c.max_lines, c.max_bytes);
    sink->set_pattern("%v");
    spdlog::logger logger("t", sink);
    for (size_t i = 0; i < c.messages; ++i) {
      logger.info("{} {}", i, std::string(c.message_size, 'x'));
    }
    const auto lines = sink->Lines();
    ASSERT_EQ(lines.size(), c.want_lines) << c.name;
    EXPECT_EQ(lines.back().substr(0, std::to_string(c.messages - 1).size() + 1),
              std::to_string(c.messages - 1) + " ")
        << c.name << ": the newest is last";
  }
}

}  // namespace
}  // namespace agent
