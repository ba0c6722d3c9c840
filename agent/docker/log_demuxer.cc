#include "agent/docker/log_demuxer.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace agent::docker {
namespace {

constexpr size_t kFrameHeaderBytes = 8;

// Exactly n decimal digits (from_chars alone would take a sign).
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  const std::string_view field = s.substr(pos, n);
  if (!std::all_of(field.begin(), field.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  std::from_chars(field.data(), field.data() + n, *out);
  return true;
}

}  // namespace

const char* LogStreamName(LogStream stream) {
  return stream == LogStream::kStderr ? "stderr" : "stdout";
}

std::optional<int64_t> ParseDockerTimestamp(std::string_view s) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || s[10] != 'T' || !Digits(s, 11, 2, &hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' || !Digits(s, 17, 2, &second)) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t nanos = 0;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    int64_t scale = 100000000;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) {
      nanos += (s[pos] - '0') * scale;
    }
  }
  int64_t offset_seconds = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos + 6 <= s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om)) {
      return std::nullopt;
    }
    offset_seconds = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // Nanoseconds in int64 end in 2262; a line may start with any date.
  int64_t ns = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(timegm(&tm)) - offset_seconds, 1000000000, &ns) ||
      __builtin_add_overflow(ns, nanos, &ns)) {
    return std::nullopt;
  }
  return ns;
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
