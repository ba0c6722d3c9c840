// Splits a Docker Engine API logs stream into lines. Non-TTY containers send a multiplexed stream
// of frames [stream: u8][0 0 0][size: u32 big endian][payload]; TTY containers send raw bytes
// (all of it is the terminal, reported as stdout). With timestamps=1 each line starts with an
// RFC 3339 timestamp with nanoseconds and a space, which is parsed off here.
//
// dockerd cuts a line longer than its copier's buffer (16 KiB) into messages of that size, sent
// without a newline but the last, each with its own timestamp prefix (the first part's time): in
// a multiplexed stream each message is one frame; in a TTY stream a message without a newline is
// exactly 16 KiB. The demuxer joins them back into the one line the container wrote, and takes
// the inner timestamps off. A line is bounded: past kMaxLineBytes it goes out in pieces of that
// size (less the bytes of a UTF-8 character the bound would cut, which start the next piece), so a
// container writing without newlines (a progress bar) costs bounded memory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agent::docker {

enum class LogStream { kStdout, kStderr };
const char* LogStreamName(LogStream stream);

// Loki's default max_line_size: a longer line would be refused with the whole push.
inline constexpr size_t kMaxLineBytes = 256 * 1024;
// The payload of each message dockerd sends for a line longer than this (its copier's buffer).
inline constexpr size_t kDockerMessageBytes = 16 * 1024;

struct LogLine {
  LogStream stream = LogStream::kStdout;
  int64_t timestamp_ns = 0;  // from the Docker timestamp; 0 when the line had none
  std::string text;          // without the trailing newline
  size_t offset = 0;         // where this piece starts in its line: > 0 only for the second and
                             // later pieces of a line longer than kMaxLineBytes
};

// "2024-05-01T10:00:00.123456789Z" (fraction optional, any length; offset Z or ±hh:mm).
std::optional<int64_t> ParseDockerTimestamp(std::string_view text);

class LogDemuxer {
 public:
  using LineFn = std::function<void(LogLine&&)>;
  LogDemuxer(bool tty, LineFn on_line) : tty_(tty), on_line_(std::move(on_line)) {}
  void Feed(std::string_view bytes);
  // Emits whatever partial lines are left (the stream ended without a final newline).
  void Finish();

 private:
  // One stream's line being put together.
  struct Pending {
    std::string text;           // the line so far, inner timestamps taken off
    int64_t timestamp_ns = 0;   // of its first message
    size_t offset = 0;          // bytes of it already sent as pieces
    bool started = false;       // its first message's prefix was read
    bool at_message = true;     // the next bytes start a message (a timestamp prefix may follow)
    std::string prefix;         // the start of that message, until a space or newline decides it
    size_t message_bytes = 0;   // TTY: payload bytes of the current message
  };

  void FeedPayload(LogStream stream, std::string_view payload);
  // The message prefix is complete: a timestamp (taken off) or the line's first bytes.
  void EndPrefix(LogStream stream, Pending& p, bool space_follows);
  void Append(LogStream stream, Pending& p, std::string_view text);
  void EmitPiece(LogStream stream, Pending& p);
  void EmitLine(LogStream stream, Pending& p);

  const bool tty_;
  LineFn on_line_;
  std::string header_;  // a frame header split across reads
  uint32_t frame_left_ = 0;
  LogStream frame_stream_ = LogStream::kStdout;
  Pending pending_[2];  // per stream
};

}  // namespace agent::docker
