#include "agent/docker/log_demuxer.h"

#include <algorithm>

#include "fleet/core/time.h"

namespace agent::docker {
namespace {

constexpr size_t kFrameHeaderBytes = 8;
// Longer than any timestamp dockerd writes ("2006-01-02T15:04:05.000000000+07:00" is 35).
constexpr size_t kMaxPrefixBytes = 64;

// Bytes at the end of text that begin a UTF-8 character still incomplete there (0 to 3): a piece
// cut at kMaxLineBytes leaves them to the next, so neither piece carries half a character (Loki's
// payload would turn each half into U+FFFD). Only the bytes after the last lead byte are judged:
// invalid input costs at most 3 bytes of a piece.
size_t IncompleteCharacterTail(std::string_view text) {
  for (size_t back = 1; back <= std::min<size_t>(3, text.size()); ++back) {
    const auto c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: its lead is further back
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

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
      // Each frame is one message: what follows may be a continuation's timestamp.
      Pending& p = pending_[static_cast<int>(frame_stream_)];
      if (p.at_message && !p.prefix.empty()) EndPrefix(frame_stream_, p, false);
      p.at_message = true;
      continue;
    }
    const size_t take = std::min<size_t>(frame_left_, bytes.size());
    FeedPayload(frame_stream_, bytes.substr(0, take));
    bytes.remove_prefix(take);
    frame_left_ -= static_cast<uint32_t>(take);
  }
}

void LogDemuxer::FeedPayload(LogStream stream, std::string_view payload) {
  Pending& p = pending_[static_cast<int>(stream)];
  while (!payload.empty()) {
    if (p.at_message) {
      const size_t stop = payload.find_first_of(" \n");
      const size_t room = kMaxPrefixBytes - p.prefix.size();
      if (stop == std::string_view::npos || stop > room) {
        const size_t take = std::min(payload.size(), room);
        p.prefix.append(payload.substr(0, take));
        payload.remove_prefix(take);
        if (p.prefix.size() == kMaxPrefixBytes) EndPrefix(stream, p, false);  // too long for a time
        continue;
      }
      p.prefix.append(payload.substr(0, stop));
      const bool space = payload[stop] == ' ';
      payload.remove_prefix(space ? stop + 1 : stop);  // a newline ends the line, below
      EndPrefix(stream, p, space);
      continue;
    }
    const size_t newline = payload.find('\n');
    size_t take = newline == std::string_view::npos ? payload.size() : newline;
    // A TTY message without a newline is exactly kDockerMessageBytes: the next one starts there.
    if (tty_) take = std::min(take, kDockerMessageBytes - p.message_bytes);
    Append(stream, p, payload.substr(0, take));
    payload.remove_prefix(take);
    p.message_bytes += take;
    if (tty_ && p.message_bytes == kDockerMessageBytes) {
      p.at_message = true;
    } else if (!payload.empty()) {  // at the newline
      payload.remove_prefix(1);
      EmitLine(stream, p);
    }
  }
}

void LogDemuxer::EndPrefix(LogStream stream, Pending& p, bool space_follows) {
  std::string prefix = std::move(p.prefix);
  p.prefix.clear();
  p.at_message = false;
  p.message_bytes = 0;
  const auto timestamp = ParseDockerTimestamp(prefix);
  if (!p.started) {
    p.started = true;
    if (timestamp) p.timestamp_ns = *timestamp;
  }
  if (timestamp) return;  // a later message's own time: the line keeps its first
  if (space_follows) prefix += ' ';
  Append(stream, p, prefix);
  if (tty_) p.message_bytes = prefix.size();
}

void LogDemuxer::Append(LogStream stream, Pending& p, std::string_view text) {
  while (p.text.size() + text.size() >= kMaxLineBytes) {
    const size_t take = kMaxLineBytes - p.text.size();
    p.text.append(text.substr(0, take));
    text.remove_prefix(take);
    const size_t tail = IncompleteCharacterTail(p.text);
    std::string next = p.text.substr(p.text.size() - tail);
    p.text.resize(p.text.size() - tail);
    EmitPiece(stream, p);
    p.text = std::move(next);
  }
  p.text.append(text);
}

void LogDemuxer::EmitPiece(LogStream stream, Pending& p) {
  const size_t size = p.text.size();
  on_line_(LogLine{stream, p.timestamp_ns, std::move(p.text), p.offset});
  p.text.clear();
  p.offset += size;
}

void LogDemuxer::EmitLine(LogStream stream, Pending& p) {
  if (!p.text.empty() && p.text.back() == '\r') p.text.pop_back();  // TTYs end lines with CRLF
  if (!p.text.empty() || p.offset == 0) EmitPiece(stream, p);
  p = Pending{};
}

void LogDemuxer::Finish() {
  for (LogStream stream : {LogStream::kStdout, LogStream::kStderr}) {
    Pending& p = pending_[static_cast<int>(stream)];
    if (p.at_message && !p.prefix.empty()) EndPrefix(stream, p, false);
    if (p.started || !p.text.empty()) EmitLine(stream, p);
  }
}

}  // namespace agent::docker
