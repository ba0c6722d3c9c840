// Fuzz target: agent/buffer/segment_buffer.cc recovering a buffer directory holding arbitrary
// bytes (a disk that lost power, a hand-edited file): segment files with fuzzed names and
// contents and a fuzzed ack file. Open must succeed, every record it returns must be one the
// checksum vouches for ([length][CRC-32][payload] in some segment file), and the buffer must work
// afterwards: a record appended after recovery is read back, and after an Ack and a reopen it is
// the only record left.
#include <fuzzer/FuzzedDataProvider.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <zlib.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/buffer/segment_buffer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/vpsfleet-fuzz-buffer-XXXXXX";
    FUZZ_CHECK(::mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~ScratchDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FUZZ_CHECK(out.good());
}

// The file name of a segment: mostly the buffer's own form, sometimes not quite.
std::string SegmentName(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: {
      char name[40];
      std::snprintf(name, sizeof name, "%020" PRIu64 ".seg", in.ConsumeIntegral<uint64_t>());
      return name;
    }
    case 1:
      return in.ConsumeRandomLengthString(24) + ".seg";
    default: {
      char name[40];
      std::snprintf(name, sizeof name, "%020" PRIu64 ".seg", in.ConsumeIntegralInRange<uint64_t>(0, 4));
      return name;
    }
  }
}

// [length][CRC-32 of payload][payload], as segment_buffer.h lays records out.
std::string Framed(const std::string& payload) {
  const uint32_t length = static_cast<uint32_t>(payload.size());
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())));
  std::string out(8, '\0');
  std::memcpy(out.data(), &length, 4);
  std::memcpy(out.data() + 4, &crc, 4);
  return out + payload;
}

std::unique_ptr<agent::SegmentBuffer> Open(const fs::path& dir) {
  auto buffer = agent::SegmentBuffer::Open({dir, 1 << 20, 0, agent::FsyncPolicy::kNever, {}});
  FUZZ_CHECK(buffer.ok());
  return std::move(*buffer);
}

std::vector<std::string> ReadAll(agent::SegmentBuffer& buffer, agent::BufferCursor from,
                                 agent::BufferCursor* end) {
  auto batch = buffer.Read(from, [](std::string_view) { return size_t{1}; }, SIZE_MAX,
                           std::chrono::steady_clock::now());
  FUZZ_CHECK(batch.ok());
  *end = batch->end;
  return batch->records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Every corrupt segment is a warning; thousands a second would be the fuzzer's bottleneck.
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  FuzzedDataProvider in(data, size);
  ScratchDir dir;
  std::string all_segments;  // every segment file's bytes, to vouch for returned records
  const size_t files = in.ConsumeIntegralInRange<size_t>(0, 4);
  for (size_t i = 0; i < files; ++i) {
    const std::string name = SegmentName(in);
    if (name.find_first_of(std::string("/\0", 2)) != std::string::npos) continue;
    // Well-formed records first, then arbitrary bytes (a torn or flipped tail, a seal marker).
    std::string bytes;
    const size_t records = in.ConsumeIntegralInRange<size_t>(0, 3);
    for (size_t r = 0; r < records; ++r) bytes += Framed(in.ConsumeRandomLengthString(64));
    bytes += in.ConsumeRandomLengthString(256);
    WriteFile(dir.path() / name, bytes);
    all_segments += bytes;
  }
  if (in.ConsumeBool()) WriteFile(dir.path() / "ack", in.ConsumeRandomLengthString(48));

  const std::string appended = "appended after recovery";
  {
    auto buffer = Open(dir.path());
    agent::BufferCursor end;
    for (const auto& record : ReadAll(*buffer, {}, &end)) {
      FUZZ_CHECK(all_segments.find(Framed(record)) != std::string::npos);
    }
    FUZZ_CHECK(buffer->Ack(end).ok());
    FUZZ_CHECK(buffer->Append(appended).ok());
    agent::BufferCursor after;
    FUZZ_CHECK(ReadAll(*buffer, end, &after) == std::vector<std::string>{appended});
    FUZZ_CHECK(buffer->LastRecord() == appended);
  }
  auto reopened = Open(dir.path());
  agent::BufferCursor end;
  FUZZ_CHECK(ReadAll(*reopened, {}, &end) == std::vector<std::string>{appended});
  return 0;
}
