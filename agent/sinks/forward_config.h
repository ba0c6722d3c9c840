// The agent config's forwarding sections — remoteWrite, loki, buffer, memory — parsed and validated
// with field paths in errors ("loki.batchWait: ..."). The main config parser keeps them as YAML.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "agent/buffer/segment_buffer.h"
#include "agent/memory/memory_guard.h"
#include "agent/sinks/http_pusher.h"
#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent {

struct RemoteWriteConfig {
  PushEndpoint endpoint;
  fleet::metrics::Labels external_labels;  // configured ones; instance and job are added
  size_t max_samples_per_send = 2000;      // Prometheus' queue_config defaults
  std::chrono::milliseconds batch_send_deadline{5000};
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5000};
};

enum class LokiFormat { kProtobuf, kJson };

struct LokiConfig {
  PushEndpoint endpoint;
  std::string tenant_id;  // X-Scope-OrgID when set
  fleet::metrics::Labels external_labels;
  size_t batch_size = 1 << 20;  // bytes, as Promtail/Alloy's batch_size
  std::chrono::milliseconds batch_wait{1000};
  LokiFormat format = LokiFormat::kProtobuf;
  std::map<std::string, std::string> docker_labels;  // Docker label -> Loki label
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
};

struct BufferConfig {
  std::string dir = "/var/lib/fleet-agent/buffer";
  uint64_t max_bytes = uint64_t{1} << 30;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  std::chrono::milliseconds fsync_interval{1000};
};

struct ForwardConfig {
  std::optional<RemoteWriteConfig> remote_write;
  std::optional<LokiConfig> loki;
  BufferConfig buffer;
  MemoryConfig memory;  // the budget the buffers and batches stay under
};

// sections: the main config's kept sections by name (AgentConfig::sections).
fleet::Result<ForwardConfig> ParseForwardConfig(const std::map<std::string, YAML::Node>& sections);

// "1073741824", "512Mi", "1Gi", "100MB", "64k".
fleet::Result<uint64_t> ParseBytes(const std::string& text);

}  // namespace agent
