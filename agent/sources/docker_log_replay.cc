#include "agent/sources/docker_log_replay.h"

#include <algorithm>
#include <functional>
#include <string_view>

namespace agent {
namespace {

// Lines at one timestamp remembered at most: past it, a repeat of a later one is taken again (a
// duplicate) rather than a new line risked.
constexpr size_t kMaxRemembered = 1024;

uint64_t PieceHash(const docker::LogLine& line) {
  return std::hash<std::string_view>{}(line.text) ^ (line.offset * 0x9e3779b97f4a7c15ULL);
}

}  // namespace

bool DockerLogReplayFilter::Take(const docker::LogLine& line) {
  if (line.timestamp_ns < newest_) return false;
  const uint64_t hash = PieceHash(line);
  if (line.timestamp_ns > newest_) {
    newest_ = line.timestamp_ns;
    at_newest_.assign(1, hash);
    return true;
  }
  if (std::find(at_newest_.begin(), at_newest_.end(), hash) != at_newest_.end()) return false;
  if (at_newest_.size() < kMaxRemembered) at_newest_.push_back(hash);
  return true;
}

}  // namespace agent
