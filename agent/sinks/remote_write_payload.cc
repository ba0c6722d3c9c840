#include "agent/sinks/remote_write_payload.h"

#include <snappy-sinksource.h>
#include <snappy.h>

#include <algorithm>
#include <cstring>

#include "agent/version.h"

namespace agent {

std::string RemoteWriteRecord(const EncodedWrite& write) {
  const uint32_t samples = static_cast<uint32_t>(write.samples);
  std::string record(sizeof samples, '\0');
  std::memcpy(record.data(), &samples, sizeof samples);
  return record + write.write_request;
}

size_t RemoteWriteRecordSamples(std::string_view record) {
  uint32_t samples = 0;
  if (record.size() >= sizeof samples) std::memcpy(&samples, record.data(), sizeof samples);
  return samples;
}

namespace {

// The records' bodies (each after its sample count) as one snappy::Source: a batch is compressed
// as the bodies joined would be (snappy cuts its 64 KiB blocks from the stream, not from the
// fragments; it copies a block that spans two records), without first joining them into one
// more copy of the whole request.
class RecordBodies : public snappy::Source {
 public:
  explicit RecordBodies(const std::vector<std::string>& records) : records_(records) {
    for (const auto& record : records) left_ += record.size() - sizeof(uint32_t);
    SkipEmptyBodies();
  }
  size_t Available() const override { return left_; }
  const char* Peek(size_t* length) override {
    if (index_ == records_.size()) {
      *length = 0;
      return nullptr;
    }
    *length = records_[index_].size() - offset_;
    return records_[index_].data() + offset_;
  }
  void Skip(size_t n) override {
    left_ -= n;
    while (n > 0) {
      const size_t step = std::min(n, records_[index_].size() - offset_);
      offset_ += step;
      n -= step;
      SkipEmptyBodies();
    }
  }

 private:
  // Peek never returns an empty fragment while bytes are left.
  void SkipEmptyBodies() {
    while (index_ < records_.size() && offset_ == records_[index_].size()) {
      ++index_;
      offset_ = sizeof(uint32_t);
    }
  }

  const std::vector<std::string>& records_;
  size_t index_ = 0;
  size_t offset_ = sizeof(uint32_t);
  size_t left_ = 0;
};

}  // namespace

fleet::Result<Payload> EncodeRemoteWritePayload(const std::vector<std::string>& records) {
  Payload payload;
  for (const auto& record : records) {
    if (record.size() < sizeof(uint32_t)) return fleet::Status::Internal("short remote write record");
    payload.items += RemoteWriteRecordSamples(record);
  }
  RecordBodies bodies(records);
  payload.body.resize(snappy::MaxCompressedLength(bodies.Available()));
  snappy::UncheckedByteArraySink sink(payload.body.data());
  payload.body.resize(snappy::Compress(&bodies, &sink));
  payload.headers = {
      {"Content-Encoding", "snappy"},
      {"Content-Type", "application/x-protobuf"},
      {"User-Agent", "fleet-agent/" + Version()},
      {"X-Prometheus-Remote-Write-Version", "0.1.0"},
  };
  return payload;
}

}  // namespace agent
