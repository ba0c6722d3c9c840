// Drops the lines dockerd sends twice. Following a json-file log across a rotation, dockerd 20.10
// sends the last one to three lines of a stream again (measured: 3,000 lines at 8 KiB rotation,
// 32 repeats, each a suffix of what was already sent, in order, with the same timestamps).
//
// dockerd stamps a stream's lines from one goroutine as it copies them, so on one stream a line
// older than the newest taken is one of those. An equal timestamp is not enough to drop a line:
// the pieces of a line longer than docker::kMaxLineBytes share one, and so do lines copied within
// one tick of a clock coarser than the lines come. So a line at the newest timestamp is a repeat
// only when the same piece (offset and text) was already taken at that time.
#pragma once

#include <cstdint>
#include <vector>

#include "agent/docker/log_demuxer.h"

namespace agent {

class DockerLogReplayFilter {
 public:
  // Whether the line is new on its stream (then it is remembered); false for a repeat.
  bool Take(const docker::LogLine& line);

 private:
  int64_t newest_ = 0;
  std::vector<uint64_t> at_newest_;  // hashes of the pieces taken at newest_, bounded
};

}  // namespace agent
