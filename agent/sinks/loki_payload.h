// Loki buffer records and push requests. A record is one batch of lines read from one container:
// [u16 id length][container id][i64 position ns][u32 lines at that ns][u32 lines]
// [serialized PushRequest].
// The position travels with the lines so a restart can recover it from the buffer itself (see
// agent/sources/docker_logs.h). A batch of records is their PushRequests joined (repeated
// `streams` merge), snappy-compressed; or, in the JSON format, the same streams as
// {"streams":[{"stream":{labels},"values":[["<ns>","line"]]}]}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/sinks/delivery_loop.h"
#include "agent/config/agent_config.h"
#include "fleet/core/metrics.h"

namespace logproto {
class PushRequest;
}

namespace agent {

struct LogPosition {
  int64_t timestamp_ns = 0;
  uint32_t lines_at_timestamp = 0;  // lines with exactly timestamp_ns already taken
  bool operator==(const LogPosition&) const = default;
};

struct LogRecord {
  std::string container_id;
  LogPosition position;  // after the last line in push_request
  uint32_t lines = 0;
  std::string push_request;  // serialized logproto.PushRequest
};

std::string EncodeLogRecord(const LogRecord& record);
fleet::Result<LogRecord> DecodeLogRecord(std::string_view bytes);

// The Prometheus label-set string Loki keys streams by: {a="1", b="x\"y"}, sorted by name.
std::string LabelSetString(fleet::metrics::Labels labels);

fleet::Result<Payload> EncodeLokiPayload(const std::vector<std::string>& records, LokiFormat format,
                                         const std::string& tenant_id);

}  // namespace agent
