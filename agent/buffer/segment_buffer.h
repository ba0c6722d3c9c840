// The on-disk buffer between sources and sinks: an append-only log of records split into segment
// files, with a persisted acknowledgement cursor, so what was not yet delivered survives an outage
// of the receiver and a restart (or SIGKILL) of the agent.
//
// Layout in `dir`: <seq>.seg files of records [u32 length][u32 CRC-32 of payload][payload]; a
// sealed segment ends with a seal marker [0xFFFFFFFF][record count], so a segment truncated at a
// record boundary is detected too. `ack` holds the cursor up to which records were delivered.
//
// Durability (fsync policy): every record is written with write(2) before Append returns, so an
// agent crash or SIGKILL loses nothing in any mode. Against power loss: kAlways fdatasyncs every
// append and ack; kInterval (default) fdatasyncs at most once per interval and when a segment is
// sealed, losing at most one interval; kNever leaves it to the kernel.
//
// Cap: total segment bytes stay <= max_bytes; past it the oldest segment is deleted, delivered or
// not, and its undelivered records and bytes are counted as dropped. A record that fails its
// checksum (flipped bytes) or is cut short ends its segment: the rest is skipped and counted.
#pragma once

#include <chrono>
#include <compare>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"

namespace agent {

struct BufferOptions {
  std::filesystem::path dir;
  uint64_t max_bytes = uint64_t{1} << 30;
  uint64_t segment_bytes = 0;  // 0 = max_bytes / 8, between 64 KiB and 8 MiB
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  std::chrono::milliseconds fsync_interval{1000};
};

struct BufferCursor {
  uint64_t segment = 0;
  uint64_t offset = 0;
  auto operator<=>(const BufferCursor&) const = default;
};

struct BufferBatch {
  std::vector<std::string> records;
  BufferCursor end;  // pass to Ack once the records are delivered, to Read to continue after them
};

struct BufferStats {
  uint64_t bytes = 0;
  uint64_t pending_bytes = 0;  // record bytes not yet acknowledged: the sink's queue
  uint64_t segments = 0;
  uint64_t dropped_records = 0;  // deleted by the cap before delivery
  uint64_t dropped_bytes = 0;
  uint64_t corrupt_segments = 0;
  uint64_t corrupt_bytes = 0;  // skipped after a checksum or length failure
};

class SegmentBuffer {
 public:
  using WeightFn = std::function<size_t(std::string_view record)>;

  static fleet::Result<std::unique_ptr<SegmentBuffer>> Open(BufferOptions options);
  ~SegmentBuffer();
  SegmentBuffer(const SegmentBuffer&) = delete;
  SegmentBuffer& operator=(const SegmentBuffer&) = delete;

  fleet::Status Append(std::string_view record);

  // Records after `from`, as many as fit in max_weight (at least one, however heavy), waiting
  // until `deadline` for more to arrive while the batch is not full. Empty when nothing came.
  fleet::Result<BufferBatch> Read(BufferCursor from, const WeightFn& weight, size_t max_weight,
                                  std::chrono::steady_clock::time_point deadline);
  // Marks everything before `upto` delivered, persists it, deletes segments wholly behind it.
  fleet::Status Ack(BufferCursor upto);
  BufferCursor acked() const;
  // The newest record still on disk, delivered or not.
  std::optional<std::string> LastRecord();
  BufferStats Stats() const;
  // Wakes a blocked Read; later Reads return at once.
  void Close();

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t size = 0;                 // bytes in the file
    std::vector<uint64_t> record_ends;  // end offset of each good record
    bool sealed = false;
  };

  explicit SegmentBuffer(BufferOptions options);
  std::filesystem::path PathOf(uint64_t seq) const;
  fleet::Status LoadExisting();
  fleet::Status StartSegment(uint64_t seq);
  fleet::Status SealActive();
  // Deletes oldest segments until `incoming` more bytes fit under the cap.
  void EnforceCap(uint64_t incoming);
  void MarkCorrupt(Segment& segment, size_t first_bad_record, const std::string& why);
  fleet::Status WriteAck();
  void DeleteAckedSegments();
  // Reads the record ending at segment.record_ends[index]; nullopt (and the segment marked
  // corrupt) when its checksum does not match.
  std::optional<std::string> ReadRecord(Segment& segment, size_t index);
  void MaybeSync(bool force);

  const BufferOptions options_;
  mutable std::mutex mu_;
  std::condition_variable appended_;
  std::deque<Segment> segments_;  // oldest first; back() is the active one
  int active_fd_ = -1;
  BufferCursor acked_;
  BufferStats stats_;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_sync_;
};

}  // namespace agent
