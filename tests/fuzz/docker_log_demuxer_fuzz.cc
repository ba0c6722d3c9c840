// Fuzz target: a Docker Engine API logs stream (container output, so anything) through
// agent/docker/log_demuxer.cc, in TTY or multiplexed mode. However the stream is cut into reads,
// the lines are the same as when it arrives in one piece, and no line holds a newline.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/docker/log_demuxer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using agent::docker::LogDemuxer;
using agent::docker::LogLine;

bool SameLine(const LogLine& a, const LogLine& b) {
  return a.stream == b.stream && a.timestamp_ns == b.timestamp_ns && a.text == b.text;
}

// Feeds stream in reads of 1, 2, ... max_read bytes, repeating.
std::vector<LogLine> Demux(bool tty, std::string_view stream, size_t max_read) {
  std::vector<LogLine> lines;
  LogDemuxer demuxer(tty, [&](LogLine&& line) { lines.push_back(std::move(line)); });
  for (size_t read = 1; !stream.empty(); read = read % max_read + 1) {
    const size_t take = std::min(read, stream.size());
    demuxer.Feed(stream.substr(0, take));
    stream.remove_prefix(take);
  }
  demuxer.Finish();
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const bool tty = input.ConsumeBool();
  const size_t max_read = input.ConsumeIntegralInRange<size_t>(1, 64);
  const std::string stream = input.ConsumeRemainingBytesAsString();

  const auto whole = Demux(tty, stream, stream.size() + 1);
  const auto pieces = Demux(tty, stream, max_read);
  FUZZ_CHECK(whole.size() == pieces.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    FUZZ_CHECK(SameLine(whole[i], pieces[i]));
    FUZZ_CHECK(whole[i].text.find('\n') == std::string::npos);
    if (tty) FUZZ_CHECK(whole[i].stream == agent::docker::LogStream::kStdout);
  }
  return 0;
}
