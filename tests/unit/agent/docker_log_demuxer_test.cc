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
  size_t offset = 0;
  bool operator==(const Got&) const = default;
};

// Short enough to read in a failure message.
std::ostream& operator<<(std::ostream& os, const Got& g) {
  os << g.stream << " " << g.ts << " @" << g.offset << " " << g.text.size() << " bytes: ";
  return os << (g.text.size() > 40 ? g.text.substr(0, 20) + "..." + g.text.substr(g.text.size() - 20) : g.text);
}

std::vector<Got> Demux(bool tty, const std::string& bytes, size_t piece) {
  std::vector<Got> out;
  LogDemuxer demuxer(tty, [&](LogLine&& l) {
    out.push_back({LogStreamName(l.stream), l.timestamp_ns, l.text, l.offset});
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

// What dockerd sends for a line longer than its 16 KiB copier buffer: messages of 16 KiB without
// a newline, then the rest, each with the first part's timestamp. Seen from dockerd 20.10 for a
// 40,000-byte line: frames of 16415, 16415 and 7264 bytes, the same timestamp at the start of each.
// A line of exactly 16 KiB ends with a message holding only the newline.
std::string LongLineMessages(const std::string& ts, const std::string& line, bool tty) {
  std::string out;
  for (size_t at = 0;; at += kDockerMessageBytes) {
    const std::string part = line.substr(std::min(at, line.size()), kDockerMessageBytes);
    const bool last = part.size() < kDockerMessageBytes;
    const std::string message = ts + " " + part + (last ? (tty ? "\r\n" : "\n") : "");
    out += tty ? message : Frame(1, message);
    if (last) return out;
  }
}

std::string Pattern(size_t n) {
  std::string out;
  for (size_t i = 0; out.size() < n; ++i) out += std::to_string(i) + (i % 7 ? " " : ",");
  out.resize(n);
  return out;
}

TEST(LogDemuxer, DockersPartialMessagesAreJoinedIntoTheLineWithoutTheirTimestamps) {
  const std::string ts = "2024-05-01T10:00:00.000000007Z", later = "2024-05-01T10:00:01Z";
  struct Case {
    std::string name;
    size_t size;  // of the long line
  };
  for (const auto& c : std::vector<Case>{{"two messages", kDockerMessageBytes + 1},
                                         {"exactly one message", kDockerMessageBytes},
                                         {"three messages", 40000},
                                         {"exactly two messages", 2 * kDockerMessageBytes}}) {
    const std::string line = Pattern(c.size);
    for (bool tty : {false, true}) {
      std::string after = later + " next" + (tty ? "\r\n" : "\n");
      const std::string bytes = LongLineMessages(ts, line, tty) + (tty ? after : Frame(1, after));
      const std::vector<Got> want = {{"stdout", kT0 + 7, line}, {"stdout", kT0 + 1000000000, "next"}};
      for (size_t piece : {7, 4096, 100000}) {
        EXPECT_EQ(Demux(tty, bytes, piece), want) << c.name << (tty ? " tty" : "") << " piece " << piece;
      }
    }
  }
}

// A TTY message cut at 16 KiB whose next bytes are not a timestamp (no timestamps asked, or an
// older daemon): they are the line's, with the space that ended them.
TEST(LogDemuxer, TtyTextAtAMessageBoundaryThatIsNoTimestampStaysInTheLine) {
  const std::string first = Pattern(kDockerMessageBytes);
  const std::string bytes = "2024-05-01T10:00:00Z " + first + "not a time\r\n";
  EXPECT_EQ(Demux(true, bytes, 1000), (std::vector<Got>{{"stdout", kT0, first + "not a time"}}));
}

// Loki refuses a line over its max_line_size (256 KiB by default) with the whole push, and a
// container writing without newlines (a progress bar on a TTY) would otherwise grow one line
// forever: past kMaxLineBytes a line goes out in pieces, each with the line's timestamp.
TEST(LogDemuxer, LongLinesGoOutInBoundedPiecesWithTheirOffsets) {
  const std::string line = Pattern(2 * kMaxLineBytes + 1000);
  const std::vector<Got> want = {{"stdout", kT0, line.substr(0, kMaxLineBytes), 0},
                                 {"stdout", kT0, line.substr(kMaxLineBytes, kMaxLineBytes), kMaxLineBytes},
                                 {"stdout", kT0, line.substr(2 * kMaxLineBytes), 2 * kMaxLineBytes}};
  for (bool tty : {false, true}) {
    EXPECT_EQ(Demux(tty, LongLineMessages("2024-05-01T10:00:00Z", line, tty), 65536), want) << tty;
  }
  // Exactly the bound: one piece, no empty one after it.
  const std::string bound = Pattern(kMaxLineBytes);
  EXPECT_EQ(Demux(false, LongLineMessages("2024-05-01T10:00:00Z", bound, false), 65536),
            (std::vector<Got>{{"stdout", kT0, bound, 0}}));
  // A TTY that never writes a newline: pieces as it goes, the rest when the stream ends.
  const std::string bar = Pattern(kMaxLineBytes + 10);
  std::string bytes;
  for (size_t at = 0; at < bar.size(); at += kDockerMessageBytes) {
    bytes += "2024-05-01T10:00:00Z " + bar.substr(at, kDockerMessageBytes);
  }
  EXPECT_EQ(Demux(true, bytes, 4096), (std::vector<Got>{{"stdout", kT0, bar.substr(0, kMaxLineBytes), 0},
                                                        {"stdout", kT0, bar.substr(kMaxLineBytes), kMaxLineBytes}}));
}

// A piece ends at a character boundary: the bytes of a UTF-8 character that kMaxLineBytes would
// cut start the next piece, and valid text stays valid in every piece.
TEST(LogDemuxer, PiecesAreNotCutInsideAUtf8Character) {
  struct Case {
    std::string name;
    std::string character;  // placed so that it straddles the bound
    size_t before_bound;    // of its bytes, how many fall before kMaxLineBytes
    size_t kept;            // of those, how many the first piece keeps
  };
  for (const auto& c : std::vector<Case>{{"2-byte é, 1 before", "\xC3\xA9", 1, 0},
                                         {"3-byte €, 1 before", "\xE2\x82\xAC", 1, 0},
                                         {"3-byte €, 2 before", "\xE2\x82\xAC", 2, 0},
                                         {"4-byte 😀, 3 before", "\xF0\x9F\x98\x80", 3, 0},
                                         {"4-byte 😀, all before", "\xF0\x9F\x98\x80", 4, 4},
                                         {"ASCII at the bound", "a", 1, 1},
                                         {"stray continuation bytes", "\x80\x80\x80\x80", 4, 4}}) {
    const std::string line =
        Pattern(kMaxLineBytes - c.before_bound) + c.character + Pattern(100);
    const size_t first = kMaxLineBytes - c.before_bound + c.kept;
    const std::vector<Got> want = {{"stdout", kT0, line.substr(0, first), 0},
                                   {"stdout", kT0, line.substr(first), first}};
    for (bool tty : {false, true}) {
      for (size_t piece : {7, 65536}) {
        EXPECT_EQ(Demux(tty, LongLineMessages("2024-05-01T10:00:00Z", line, tty), piece), want)
            << c.name << (tty ? " tty" : "") << " piece " << piece;
      }
    }
  }
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
