// Splits a Docker Engine API logs stream into lines. Non-TTY containers send a multiplexed stream
// of frames [stream: u8][0 0 0][size: u32 big endian][payload]; TTY containers send raw bytes
// (all of it is the terminal, reported as stdout). With timestamps=1 each line starts with an
// RFC 3339 timestamp with nanoseconds and a space, which is parsed off here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agent::docker {

enum class LogStream { kStdout, kStderr };
const char* LogStreamName(LogStream stream);

struct LogLine {
  LogStream stream = LogStream::kStdout;
  int64_t timestamp_ns = 0;  // from the Docker timestamp; 0 when the line had none
  std::string text;          // without the trailing newline
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
  void FeedPayload(LogStream stream, std::string_view payload);
  void Emit(LogStream stream, std::string&& raw);

  const bool tty_;
  LineFn on_line_;
  std::string header_;  // a frame header split across reads
  uint32_t frame_left_ = 0;
  LogStream frame_stream_ = LogStream::kStdout;
  std::string partial_[2];  // per stream: text after the last newline
};

}  // namespace agent::docker
