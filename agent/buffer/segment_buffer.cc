#include "agent/buffer/segment_buffer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <sstream>

#include "fleet/core/files.h"

namespace agent {
namespace {

constexpr uint32_t kSealMarker = 0xFFFFFFFFu;
constexpr size_t kHeaderBytes = 8;

uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

void PutU32(char* out, uint32_t v) { std::memcpy(out, &v, 4); }
uint32_t GetU32(const char* in) {
  uint32_t v;
  std::memcpy(&v, in, 4);
  return v;
}

fleet::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fleet::Status::Internal(std::string("write: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return fleet::Status::Ok();
}

bool PreadAll(int fd, char* out, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// The file, or nothing when it is missing or unreadable (a segment or cursor never written).
std::string ReadOrEmpty(const std::filesystem::path& path) {
  auto text = fleet::ReadFileText(path.string());
  return text.ok() ? std::move(text).value() : std::string();
}

}  // namespace

SegmentBuffer::SegmentBuffer(BufferOptions options) : options_(std::move(options)) {}

SegmentBuffer::~SegmentBuffer() {
  Close();
  std::lock_guard lock(mu_);
  if (active_fd_ >= 0) {
    if (options_.fsync != FsyncPolicy::kNever) ::fdatasync(active_fd_);
    ::close(active_fd_);
  }
}

fleet::Result<std::unique_ptr<SegmentBuffer>> SegmentBuffer::Open(BufferOptions options) {
  if (options.segment_bytes == 0) {
    options.segment_bytes = std::clamp<uint64_t>(options.max_bytes / 8, 64 << 10, 8 << 20);
  }
  // The cap can only hold if at least two segments fit under it.
  options.segment_bytes = std::min(options.segment_bytes, std::max<uint64_t>(options.max_bytes / 2, 1));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return fleet::Status::Internal("buffer dir " + options.dir.string() + ": " + ec.message());
  std::unique_ptr<SegmentBuffer> buffer(new SegmentBuffer(std::move(options)));
  std::lock_guard lock(buffer->mu_);
  FLEET_RETURN_IF_ERROR(buffer->LoadExisting());
  // Past both the files and the ack cursor: when every segment was delivered and deleted, a
  // reused number would put new records behind the cursor.
  const uint64_t next = std::max(buffer->segments_.empty() ? 1 : buffer->segments_.back().seq + 1,
                                 buffer->acked_.segment + 1);
  FLEET_RETURN_IF_ERROR(buffer->StartSegment(next));
  return buffer;
}

std::filesystem::path SegmentBuffer::PathOf(uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.seg", static_cast<unsigned long long>(seq));
  return options_.dir / name;
}

fleet::Status SegmentBuffer::LoadExisting() {
  std::vector<uint64_t> seqs;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir)) {
    if (entry.path().extension() != ".seg") continue;
    const std::string stem = entry.path().stem().string();
    uint64_t seq = 0;
    const auto [end, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), seq);
    // Only names PathOf writes; and the largest number has no successor for the next segment,
    // which would wrap to 0 and sort before the rest (records appended there were never read).
    if (ec != std::errc() || end != stem.data() + stem.size() || seq == UINT64_MAX ||
        PathOf(seq) != entry.path()) {
      spdlog::warn("buffer: ignoring {}", entry.path().string());
      continue;
    }
    seqs.push_back(seq);
  }
  std::sort(seqs.begin(), seqs.end());
  for (size_t i = 0; i < seqs.size(); ++i) {
    Segment segment{seqs[i], 0, {}, true};
    const std::string data = ReadOrEmpty(PathOf(segment.seq));
    segment.size = data.size();
    uint64_t offset = 0;
    bool seal_seen = false;
    std::string problem;
    while (offset < data.size()) {
      if (data.size() - offset < kHeaderBytes) {
        problem = "truncated record header";
        break;
      }
      const uint32_t length = GetU32(data.data() + offset);
      const uint32_t crc = GetU32(data.data() + offset + 4);
      if (length == kSealMarker) {
        if (crc != segment.record_ends.size()) problem = "seal marker counts a different number of records";
        seal_seen = problem.empty();
        break;
      }
      if (length > data.size() - offset - kHeaderBytes) {
        problem = "truncated record";
        break;
      }
      if (Crc32(std::string_view(data).substr(offset + kHeaderBytes, length)) != crc) {
        problem = "checksum mismatch";
        break;
      }
      offset += kHeaderBytes + length;
      segment.record_ends.push_back(offset);
    }
    // The newest segment was the active one when the agent stopped; it has no seal marker
    // unless the agent shut down cleanly. Any older one without it was cut short.
    if (problem.empty() && !seal_seen && i + 1 < seqs.size()) problem = "missing seal marker";
    if (!problem.empty()) {
      const uint64_t good = segment.record_ends.empty() ? 0 : segment.record_ends.back();
      ++stats_.corrupt_segments;
      stats_.corrupt_bytes += segment.size - good;
      spdlog::warn("buffer: segment {} corrupt at byte {} ({}); skipping the rest of it",
                   PathOf(segment.seq).string(), good, problem);
    }
    stats_.bytes += segment.size;
    segments_.push_back(std::move(segment));
  }
  stats_.segments = segments_.size();
  const std::string ack = ReadOrEmpty(options_.dir / "ack");
  std::istringstream in(ack);
  in >> acked_.segment >> acked_.offset;
  if (acked_.segment == UINT64_MAX) {
    // As above: new segments would be numbered behind the cursor. Deliver from the start.
    spdlog::warn("buffer: ack cursor {} out of range; delivering every segment", acked_.segment);
    acked_ = {};
  }
  DeleteAckedSegments();
  return fleet::Status::Ok();
}

fleet::Status SegmentBuffer::StartSegment(uint64_t seq) {
  const auto path = PathOf(seq);
  active_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (active_fd_ < 0) {
    return fleet::Status::Internal("create " + path.string() + ": " + std::strerror(errno));
  }
  segments_.push_back(Segment{seq, 0, {}, false});
  ++stats_.segments;
  return fleet::Status::Ok();
}

fleet::Status SegmentBuffer::SealActive() {
  Segment& active = segments_.back();
  char marker[kHeaderBytes];
  PutU32(marker, kSealMarker);
  PutU32(marker + 4, static_cast<uint32_t>(active.record_ends.size()));
  FLEET_RETURN_IF_ERROR(WriteAll(active_fd_, marker, sizeof marker));
  active.size += sizeof marker;
  stats_.bytes += sizeof marker;
  active.sealed = true;
  MaybeSync(true);
  ::close(active_fd_);
  active_fd_ = -1;
  return fleet::Status::Ok();
}

fleet::Status SegmentBuffer::Append(std::string_view record) {
  if (record.size() >= kSealMarker) return fleet::Status::Invalid("buffer record too large");
  std::lock_guard lock(mu_);
  const uint64_t bytes = kHeaderBytes + record.size();
  if (segments_.back().size + bytes > options_.segment_bytes && !segments_.back().record_ends.empty()) {
    FLEET_RETURN_IF_ERROR(SealActive());
    FLEET_RETURN_IF_ERROR(StartSegment(segments_.back().seq + 1));
  }
  // Room first, so the segments on disk never exceed the cap, not even between a write and the
  // deletion it causes.
  EnforceCap(bytes);
  char header[kHeaderBytes];
  PutU32(header, static_cast<uint32_t>(record.size()));
  PutU32(header + 4, Crc32(record));
  iovec parts[2] = {{header, sizeof header}, {const_cast<char*>(record.data()), record.size()}};
  ssize_t n = ::writev(active_fd_, parts, 2);
  if (n != static_cast<ssize_t>(bytes)) {
    // A short write (disk full) would leave a torn record: cut it off again.
    const std::string error = std::strerror(errno);
    if (::ftruncate(active_fd_, static_cast<off_t>(segments_.back().size)) != 0 ||
        ::lseek(active_fd_, 0, SEEK_END) < 0) {
      return fleet::Status::Internal("buffer write: " + error + "; cannot undo the torn record");
    }
    return fleet::Status::Unavailable("buffer write: " + error);
  }
  Segment& active = segments_.back();
  active.size += bytes;
  active.record_ends.push_back(active.size);
  stats_.bytes += bytes;
  MaybeSync(false);
  appended_.notify_all();
  return fleet::Status::Ok();
}

void SegmentBuffer::MaybeSync(bool force) {
  if (active_fd_ < 0 || options_.fsync == FsyncPolicy::kNever) return;
  const auto now = std::chrono::steady_clock::now();
  if (options_.fsync == FsyncPolicy::kAlways || force || now - last_sync_ >= options_.fsync_interval) {
    ::fdatasync(active_fd_);
    last_sync_ = now;
  }
}

void SegmentBuffer::EnforceCap(uint64_t incoming) {
  while (stats_.bytes + incoming > options_.max_bytes && segments_.size() > 1) {
    Segment& oldest = segments_.front();
    for (size_t i = 0; i < oldest.record_ends.size(); ++i) {
      const BufferCursor end{oldest.seq, oldest.record_ends[i]};
      if (end > acked_) {
        ++stats_.dropped_records;
        stats_.dropped_bytes += oldest.record_ends[i] - (i ? oldest.record_ends[i - 1] : 0);
      }
    }
    stats_.bytes -= oldest.size;
    --stats_.segments;
    std::filesystem::remove(PathOf(oldest.seq));
    segments_.pop_front();
  }
}

void SegmentBuffer::MarkCorrupt(Segment& segment, size_t first_bad, const std::string& why) {
  const uint64_t good = first_bad ? segment.record_ends[first_bad - 1] : 0;
  ++stats_.corrupt_segments;
  stats_.corrupt_bytes += segment.record_ends.back() - good;
  segment.record_ends.resize(first_bad);
  spdlog::warn("buffer: segment {} corrupt at byte {} ({}); skipping the rest of it",
               PathOf(segment.seq).string(), good, why);
}

std::optional<std::string> SegmentBuffer::ReadRecord(Segment& segment, size_t index) {
  const uint64_t start = index ? segment.record_ends[index - 1] : 0;
  const uint64_t end = segment.record_ends[index];
  const int fd = ::open(PathOf(segment.seq).c_str(), O_RDONLY | O_CLOEXEC);
  // The payload is read straight into the string returned: records are up to a request's worth
  // of samples (hundreds of KB), and each extra copy of them costs the delivery loop CPU.
  char header[kHeaderBytes];
  std::string payload(end - start - kHeaderBytes, '\0');
  const bool read_ok = fd >= 0 && PreadAll(fd, header, sizeof header, start) &&
                       PreadAll(fd, payload.data(), payload.size(), start + kHeaderBytes);
  if (fd >= 0) ::close(fd);
  if (!read_ok) {
    MarkCorrupt(segment, index, "cannot read record");
    return std::nullopt;
  }
  if (GetU32(header) != payload.size() || Crc32(payload) != GetU32(header + 4)) {
    MarkCorrupt(segment, index, "checksum mismatch");
    return std::nullopt;
  }
  return payload;
}

fleet::Result<BufferBatch> SegmentBuffer::Read(BufferCursor from, const WeightFn& weight,
                                               size_t max_weight,
                                               std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  BufferBatch batch{{}, std::max(from, acked_)};
  size_t total = 0;
  bool last_pass = false;
  while (true) {
    for (auto& segment : segments_) {
      if (segment.seq < batch.end.segment) continue;
      if (segment.seq > batch.end.segment) batch.end = {segment.seq, 0};
      auto next = std::upper_bound(segment.record_ends.begin(), segment.record_ends.end(),
                                   batch.end.offset);
      for (size_t i = next - segment.record_ends.begin(); i < segment.record_ends.size(); ++i) {
        auto record = ReadRecord(segment, i);
        if (!record) break;
        const size_t w = weight(*record);
        if (!batch.records.empty() && total + w > max_weight) return batch;
        total += w;
        batch.records.push_back(std::move(*record));
        batch.end.offset = segment.record_ends[i];
      }
      if (!segment.sealed) break;
      // Sealed and read to its end: the cursor moves on to the next segment.
      batch.end.offset = std::max(batch.end.offset, segment.size);
    }
    if (closed_ || total >= max_weight || last_pass) return batch;
    // On timeout, one more pass: an append may have raced it.
    last_pass = appended_.wait_until(lock, deadline) == std::cv_status::timeout;
  }
}

fleet::Status SegmentBuffer::Ack(BufferCursor upto) {
  std::lock_guard lock(mu_);
  if (upto <= acked_) return fleet::Status::Ok();
  acked_ = upto;
  FLEET_RETURN_IF_ERROR(WriteAck());
  DeleteAckedSegments();
  return fleet::Status::Ok();
}

fleet::Status SegmentBuffer::WriteAck() {
  const auto tmp = options_.dir / "ack.tmp";
  const std::string text = std::to_string(acked_.segment) + " " + std::to_string(acked_.offset) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fleet::Status::Internal("write " + tmp.string() + ": " + std::strerror(errno));
  fleet::Status status = WriteAll(fd, text.data(), text.size());
  if (status.ok() && options_.fsync == FsyncPolicy::kAlways) ::fdatasync(fd);
  ::close(fd);
  FLEET_RETURN_IF_ERROR(status);
  std::error_code ec;
  std::filesystem::rename(tmp, options_.dir / "ack", ec);
  if (ec) return fleet::Status::Internal("rename ack: " + ec.message());
  return fleet::Status::Ok();
}

void SegmentBuffer::DeleteAckedSegments() {
  while (!segments_.empty() && segments_.front().sealed) {
    const Segment& oldest = segments_.front();
    const bool behind = oldest.seq < acked_.segment ||
                        (oldest.seq == acked_.segment && acked_.offset >= oldest.size);
    if (!behind) break;
    stats_.bytes -= oldest.size;
    --stats_.segments;
    std::filesystem::remove(PathOf(oldest.seq));
    segments_.pop_front();
  }
}

BufferCursor SegmentBuffer::acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

std::optional<std::string> SegmentBuffer::LastRecord() {
  std::lock_guard lock(mu_);
  for (auto it = segments_.rbegin(); it != segments_.rend(); ++it) {
    while (!it->record_ends.empty()) {
      if (auto record = ReadRecord(*it, it->record_ends.size() - 1)) return record;
    }
  }
  return std::nullopt;
}

BufferStats SegmentBuffer::Stats() const {
  std::lock_guard lock(mu_);
  BufferStats stats = stats_;
  stats.pending_bytes = 0;
  for (const Segment& segment : segments_) {
    const uint64_t end = segment.record_ends.empty() ? 0 : segment.record_ends.back();
    if (segment.seq > acked_.segment) {
      stats.pending_bytes += end;
    } else if (segment.seq == acked_.segment && end > acked_.offset) {
      stats.pending_bytes += end - acked_.offset;
    }
  }
  return stats;
}

void SegmentBuffer::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  appended_.notify_all();
}

}  // namespace agent
