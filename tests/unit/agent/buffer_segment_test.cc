// SegmentBuffer: replay after reopen, acknowledgement, the byte cap, corruption handling.
#include "agent/buffer/segment_buffer.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class BufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Parameterized test names contain '/': flattened, so TearDown removes the whole directory.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = fs::temp_directory_path() / ("buffer_test_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SegmentBuffer> Open(uint64_t max_bytes = 1 << 20, uint64_t segment_bytes = 256) {
    auto buffer = SegmentBuffer::Open({dir_, max_bytes, segment_bytes, FsyncPolicy::kNever, {}});
    EXPECT_TRUE(buffer.ok()) << buffer.status().ToString();
    return buffer.ok() ? std::move(*buffer) : nullptr;
  }

  static std::vector<std::string> ReadAll(SegmentBuffer& buffer, BufferCursor* end = nullptr) {
    auto batch = buffer.Read({}, [](std::string_view) { return 1; }, 1 << 20, Clock::now());
    EXPECT_TRUE(batch.ok());
    if (end) *end = batch->end;
    return batch->records;
  }

  std::vector<fs::path> Segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".seg") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
};

std::vector<std::string> Records(int n, size_t size = 40) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string r = "record-" + std::to_string(i) + "-";
    r.resize(size, 'x');
    out.push_back(r);
  }
  return out;
}

TEST_F(BufferTest, ReplaysUnacknowledgedRecordsAfterReopen) {
  const auto records = Records(20);
  BufferCursor middle;
  {
    auto buffer = Open();
    for (const auto& r : records) ASSERT_TRUE(buffer->Append(r).ok());
    auto first = buffer->Read({}, [](std::string_view) { return 1; }, 7, Clock::now());
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->records, std::vector<std::string>(records.begin(), records.begin() + 7));
    ASSERT_TRUE(buffer->Ack(first->end).ok());
    middle = first->end;
  }
  auto reopened = Open();
  EXPECT_EQ(reopened->acked(), middle);
  EXPECT_EQ(ReadAll(*reopened), std::vector<std::string>(records.begin() + 7, records.end()));
  EXPECT_EQ(reopened->Stats().corrupt_segments, 0u);
}

TEST_F(BufferTest, NewRecordsAfterEverythingWasDeliveredAreNotTakenAsAcknowledged) {
  BufferCursor end;
  {
    auto buffer = Open();
    for (const auto& r : Records(3)) ASSERT_TRUE(buffer->Append(r).ok());
    ReadAll(*buffer, &end);
    ASSERT_TRUE(buffer->Ack(end).ok());
  }
  {
    auto buffer = Open();  // the delivered segment is deleted here
    ASSERT_TRUE(buffer->Append("after restart").ok());
  }
  auto buffer = Open();
  EXPECT_EQ(ReadAll(*buffer), std::vector<std::string>{"after restart"});
}

TEST_F(BufferTest, BatchesStopAtMaxWeightButTakeOneHeavyRecord) {
  auto buffer = Open();
  for (const auto& r : Records(3, 100)) ASSERT_TRUE(buffer->Append(r).ok());
  auto bytes = [](std::string_view r) { return r.size(); };
  auto batch = buffer->Read({}, bytes, 250, Clock::now());
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->records.size(), 2u);
  auto heavy = buffer->Read(batch->end, bytes, 10, Clock::now());
  EXPECT_EQ(heavy->records.size(), 1u);
}

TEST_F(BufferTest, AckDeletesDeliveredSegments) {
  auto buffer = Open();
  for (const auto& r : Records(40)) ASSERT_TRUE(buffer->Append(r).ok());
  ASSERT_GT(Segments().size(), 3u);
  BufferCursor end;
  ReadAll(*buffer, &end);
  ASSERT_TRUE(buffer->Ack(end).ok());
  EXPECT_EQ(Segments().size(), 1u);  // only the active one
  EXPECT_TRUE(ReadAll(*buffer).empty());
}

TEST_F(BufferTest, PendingBytesCountWhatIsNotAcknowledged) {
  auto buffer = Open();
  EXPECT_EQ(buffer->Stats().pending_bytes, 0u);
  for (const auto& r : Records(40)) ASSERT_TRUE(buffer->Append(r).ok());
  ASSERT_GT(Segments().size(), 3u);
  const uint64_t record_bytes = 8 + 40;  // length + CRC header, payload
  EXPECT_EQ(buffer->Stats().pending_bytes, 40 * record_bytes);
  auto half = buffer->Read({}, [](std::string_view) { return 1; }, 15, Clock::now());
  ASSERT_TRUE(half.ok());
  ASSERT_TRUE(buffer->Ack(half->end).ok());
  EXPECT_EQ(buffer->Stats().pending_bytes, 25 * record_bytes);
  BufferCursor end;
  ReadAll(*buffer, &end);
  ASSERT_TRUE(buffer->Ack(end).ok());
  EXPECT_EQ(buffer->Stats().pending_bytes, 0u);
}

TEST_F(BufferTest, ReadWaitsForAnAppend) {
  auto buffer = Open();
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(buffer->Append("late").ok());
  });
  auto batch = buffer->Read({}, [](std::string_view) { return 1; }, 1,
                            Clock::now() + std::chrono::seconds(5));
  writer.join();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->records, std::vector<std::string>{"late"});
}

TEST_F(BufferTest, CapDropsOldestAndCounts) {
  const uint64_t cap = 2048;
  auto buffer = Open(cap, 512);
  const auto records = Records(200);
  for (const auto& r : records) {
    ASSERT_TRUE(buffer->Append(r).ok());
    uint64_t on_disk = 0;
    for (const auto& p : Segments()) on_disk += fs::file_size(p);
    ASSERT_LE(on_disk, cap);
  }
  const auto stats = buffer->Stats();
  const auto kept = ReadAll(*buffer);
  EXPECT_GT(stats.dropped_records, 0u);
  EXPECT_EQ(stats.dropped_records + kept.size(), records.size());
  EXPECT_EQ(kept.back(), records.back());  // the newest survive
}

struct Corruption {
  const char* name;
  std::function<void(const fs::path&)> damage;
};

class BufferCorruptionTest : public BufferTest, public ::testing::WithParamInterface<Corruption> {};

TEST_P(BufferCorruptionTest, CorruptSegmentIsSkippedAndCounted) {
  const auto records = Records(40);
  {
    auto buffer = Open();
    for (const auto& r : records) ASSERT_TRUE(buffer->Append(r).ok());
  }
  const auto segments = Segments();
  ASSERT_GE(segments.size(), 3u);
  GetParam().damage(segments[1]);
  auto buffer = Open();
  const auto read = ReadAll(*buffer);
  EXPECT_EQ(buffer->Stats().corrupt_segments, 1u);
  EXPECT_LT(read.size(), records.size());
  // Everything outside the damaged segment is still delivered, in order.
  EXPECT_EQ(read.front(), records.front());
  EXPECT_EQ(read.back(), records.back());
  EXPECT_TRUE(std::is_sorted(read.begin(), read.end(), [&](const auto& a, const auto& b) {
    return std::find(records.begin(), records.end(), a) < std::find(records.begin(), records.end(), b);
  }));
}

void FlipByte(const fs::path& p, uint64_t at) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = static_cast<char>(f.get());
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x5a));
}

INSTANTIATE_TEST_SUITE_P(
    Damage, BufferCorruptionTest,
    ::testing::Values(
        Corruption{"FlippedPayloadByte", [](const fs::path& p) { FlipByte(p, 20); }},
        Corruption{"FlippedLengthByte", [](const fs::path& p) { FlipByte(p, 48 + 1); }},
        Corruption{"TruncatedMidRecord", [](const fs::path& p) { fs::resize_file(p, fs::file_size(p) - 13); }},
        Corruption{"TruncatedAtRecordBoundary", [](const fs::path& p) { fs::resize_file(p, 48 * 2); }}),
    [](const auto& info) { return std::string(info.param.name); });

// Found by tests/fuzz/segment_buffer_fuzz.cc: a segment numbered 2^64-1 (or an ack cursor
// there) made the next segment's number wrap to 0, behind the cursor: appended records were
// never read.
TEST_F(BufferTest, RecordsAppendedAfterAnUnusableSegmentNumberAreRead) {
  for (const char* file : {"18446744073709551615.seg", "ack"}) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / file) << "18446744073709551615 0\n";
    auto buffer = Open();
    ASSERT_TRUE(buffer);
    ASSERT_TRUE(buffer->Append("after").ok());
    EXPECT_EQ(ReadAll(*buffer), std::vector<std::string>{"after"}) << file;
  }
}

}  // namespace
}  // namespace agent
