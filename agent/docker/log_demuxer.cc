#include "agent/docker/log_demuxer.h"

#include <algorithm>

#include "fleet/core/time.h"

namespace agent::docker {
namespace {

constexpr size_t kFrameHeaderBytes = 8;

}  // namespace

const char* LogStreamName(LogStream stream) {
  return stream == LogStream::kStderr ? "stderr" : "stdout";
}

std::optional<int64_t> ParseDockerTimestamp(std::string_view s) {
  const auto t = fleet::ParseRfc3339(s);
  if (!t.ok()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
}

void LogDemuxer::Feed(std::string_view bytes) {
  if (tty_) {
    FeedPayload(LogStream::kStdout, bytes);
    return;
  }
  while (!bytes.empty()) {
    if (frame_left_ == 0) {
      const size_t take = std::min(kFrameHeaderBytes - header_.size(), bytes.size());
      header_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (header_.size() < kFrameHeaderBytes) return;
      const auto* h = reinterpret_cast<const unsigned char*>(header_.data());
      frame_stream_ = h[0] == 2 ? LogStream::kStderr : LogStream::kStdout;
      frame_left_ = (uint32_t{h[4]} << 24) | (uint32_t{h[5]} << 16) | (uint32_t{h[6]} << 8) | h[7];
      header_.clear();
      continue;
    }
    const size_t take = std::min<size_t>(frame_left_, bytes.size());
    FeedPayload(frame_stream_, bytes.substr(0, take));
    bytes.remove_prefix(take);
    frame_left_ -= static_cast<uint32_t>(take);
  }
}

void LogDemuxer::FeedPayload(LogStream stream, std::string_view payload) {
  std::string& partial = partial_[static_cast<int>(stream)];
  while (!payload.empty()) {
    const size_t newline = payload.find('\n');
    if (newline == std::string_view::npos) {
      partial.append(payload);
      return;
    }
    partial.append(payload.substr(0, newline));
    payload.remove_prefix(newline + 1);
    Emit(stream, std::move(partial));
    partial.clear();
  }
}

void LogDemuxer::Emit(LogStream stream, std::string&& raw) {
  if (!raw.empty() && raw.back() == '\r') raw.pop_back();  // TTYs end lines with CRLF
  LogLine line{stream, 0, std::move(raw)};
  const size_t space = line.text.find(' ');
  if (space != std::string::npos) {
    if (auto ts = ParseDockerTimestamp(std::string_view(line.text).substr(0, space))) {
      line.timestamp_ns = *ts;
      line.text.erase(0, space + 1);
    }
  } else if (auto ts = ParseDockerTimestamp(line.text)) {
    line.timestamp_ns = *ts;  // an empty line: just the timestamp
    line.text.clear();
  }
  on_line_(std::move(line));
}

void LogDemuxer::Finish() {
  for (LogStream stream : {LogStream::kStdout, LogStream::kStderr}) {
    std::string& partial = partial_[static_cast<int>(stream)];
    if (!partial.empty()) Emit(stream, std::move(partial));
    partial.clear();
  }
}

}  // namespace agent::docker
