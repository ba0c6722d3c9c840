// LogDemuxer and ParseDockerTimestamp against the Docker Engine API logs stream format.
#include "agent/docker/log_demuxer.h"

#include <gtest/gtest.h>

namespace agent::docker {
namespace {

std::string Frame(int stream, const std::string& payload) {
  std::string out = {static_cast<char>(stream), 0, 0, 0};
  const uint32_t n = static_cast<uint32_t>(payload.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>(n >> 16);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(n);
  return out + payload;
}

struct Got {
  std::string stream;
  int64_t ts;
  std::string text;
  bool operator==(const Got&) const = default;
};

std::vector<Got> Demux(bool tty, const std::string& bytes, size_t piece) {
  std::vector<Got> out;
  LogDemuxer demuxer(tty, [&](LogLine&& l) {
    out.push_back({LogStreamName(l.stream), l.timestamp_ns, l.text});
  });
  for (size_t i = 0; i < bytes.size(); i += piece) demuxer.Feed(std::string_view(bytes).substr(i, piece));
  demuxer.Finish();
  return out;
}

constexpr int64_t kT0 = 1714557600LL * 1000000000;  // 2024-05-01T10:00:00Z

TEST(LogDemuxer, MultiplexedFramesSplitIntoLinesPerStreamAtAnyReadBoundary) {
  const std::string bytes = Frame(1, "2024-05-01T10:00:00.000000001Z hello\n") +
                            Frame(2, "2024-05-01T10:00:00.5Z oops\n2024-05-01T10:00:01Z two\n") +
                            Frame(1, "2024-05-01T10:00:02.123Z part") + Frame(1, "ial\n") +
                            Frame(1, "2024-05-01T10:00:03Z no newline at end");
  const std::vector<Got> want = {
      {"stdout", kT0 + 1, "hello"},
      {"stderr", kT0 + 500000000, "oops"},
      {"stderr", kT0 + 1000000000, "two"},
      {"stdout", kT0 + 2123000000, "partial"},
      {"stdout", kT0 + 3000000000, "no newline at end"},
  };
  for (size_t piece : {1, 3, 8, 9, 1000}) EXPECT_EQ(Demux(false, bytes, piece), want) << piece;
}

TEST(LogDemuxer, TtyStreamIsRawStdoutWithCrlf) {
  const std::string bytes = "2024-05-01T10:00:00Z $ ls\r\n2024-05-01T10:00:00.25Z a b\r\n";
  EXPECT_EQ(Demux(true, bytes, 5), (std::vector<Got>{{"stdout", kT0, "$ ls"},
                                                     {"stdout", kT0 + 250000000, "a b"}}));
}

TEST(LogDemuxer, EmptyLineAndLineWithoutTimestamp) {
  EXPECT_EQ(Demux(false, Frame(1, "2024-05-01T10:00:00Z\nplain text\n"), 100),
            (std::vector<Got>{{"stdout", kT0, ""}, {"stdout", 0, "plain text"}}));
}

TEST(ParseDockerTimestamp, Formats) {
  struct Case { const char* text; std::optional<int64_t> want; };
  for (const auto& c : std::vector<Case>{
           {"2024-05-01T10:00:00Z", kT0},
           {"2024-05-01T10:00:00.999999999Z", kT0 + 999999999},
           {"2024-05-01T12:00:00.1+02:00", kT0 + 100000000},
           {"2024-05-01T08:30:00-01:30", kT0},
           {"1970-01-01T00:00:00Z", 0},
           {"2024-05-01 10:00:00Z", std::nullopt},
           {"2024-05-01T10:00:00", std::nullopt},
           {"2024-05-01T10:00:00Zjunk", std::nullopt},
           {"hello", std::nullopt}}) {
    EXPECT_EQ(ParseDockerTimestamp(c.text), c.want) << c.text;
  }
}

// Found by tests/fuzz/docker_log_demuxer_fuzz.cc (UBSan): a line starting with a timestamp past
// 2262 overflowed int64 nanoseconds, and signs were taken for digits.
TEST(ParseDockerTimestamp, OutOfRangeOrSignedFieldsAreNoTimestamp) {
  struct Case { const char* text; std::optional<int64_t> want; };
  for (const auto& c : std::vector<Case>{
           {"2262-04-11T23:47:16.854775807Z", INT64_MAX},
           {"2262-04-11T23:47:16.854775808Z", std::nullopt},
           {"9999-12-31T23:59:59.999999999Z", std::nullopt},
           {"-999-01-01T00:00:00Z", std::nullopt},
           {"2024--1-01T00:00:00Z", std::nullopt},
           {"2024-05-01T10:00:00+-1:00", std::nullopt}}) {
    EXPECT_EQ(ParseDockerTimestamp(c.text), c.want) << c.text;
  }
}

}  // namespace
}  // namespace agent::docker
