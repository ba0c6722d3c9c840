#include "agent/sinks/remote_write_payload.h"

#include <snappy.h>

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

fleet::Result<Payload> EncodeRemoteWritePayload(const std::vector<std::string>& records) {
  std::string request;
  Payload payload;
  for (const auto& record : records) {
    if (record.size() < sizeof(uint32_t)) return fleet::Status::Internal("short remote write record");
    request.append(record, sizeof(uint32_t));
    payload.items += RemoteWriteRecordSamples(record);
  }
  snappy::Compress(request.data(), request.size(), &payload.body);
  payload.headers = {
      {"Content-Encoding", "snappy"},
      {"Content-Type", "application/x-protobuf"},
      {"User-Agent", "fleet-agent/" + Version()},
      {"X-Prometheus-Remote-Write-Version", "0.1.0"},
  };
  return payload;
}

}  // namespace agent
