// Remote write buffer records and requests. A record is one encoded collection:
// [u32 sample count][serialized WriteRequest]. Serialized WriteRequests concatenate into a valid
// WriteRequest (repeated fields merge), so a batch is the records' bodies joined, then
// snappy-compressed, with the remote write 1.0 headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/sinks/delivery_loop.h"
#include "agent/sinks/remote_write_encoder.h"

namespace agent {

std::string RemoteWriteRecord(const EncodedWrite& write);
// The record's sample count: its weight when batching up to maxSamplesPerSend.
size_t RemoteWriteRecordSamples(std::string_view record);
fleet::Result<Payload> EncodeRemoteWritePayload(const std::vector<std::string>& records);

}  // namespace agent
