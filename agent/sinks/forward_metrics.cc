#include "agent/sinks/forward_metrics.h"

namespace agent {

void ForwardMetrics::Collect(const std::vector<std::pair<std::string, const SegmentBuffer*>>& buffers,
                             std::vector<fleet::metrics::Family>* out) const {
  for (const auto* c : {&items_sent, &bytes_sent, &requests, &items_dropped, &log_lines_read, &log_lines_skipped,
                        &scrapes_dropped}) {
    out->push_back(c->Collect());
  }
  out->push_back(last_success.Collect());
  using fleet::metrics::Type;
  struct Field {
    const char* name;
    const char* help;
    Type type;
    uint64_t BufferStats::*value;
  };
  static const Field kFields[] = {
      {"fleet_agent_buffer_bytes", "Bytes on disk in the buffer.", Type::kGauge, &BufferStats::bytes},
      {"fleet_agent_buffer_pending_bytes",
       "Buffered record bytes not yet delivered (the queue in front of the buffer's sink).",
       Type::kGauge, &BufferStats::pending_bytes},
      {"fleet_agent_buffer_segments", "Segment files in the buffer.", Type::kGauge, &BufferStats::segments},
      {"fleet_agent_buffer_dropped_records_total",
       "Undelivered records deleted because the buffer reached maxBytes.", Type::kCounter,
       &BufferStats::dropped_records},
      {"fleet_agent_buffer_dropped_bytes_total",
       "Undelivered bytes deleted because the buffer reached maxBytes.", Type::kCounter,
       &BufferStats::dropped_bytes},
      {"fleet_agent_buffer_corrupt_segments_total",
       "Segments found damaged (checksum, length or seal); their remainder was skipped.",
       Type::kCounter, &BufferStats::corrupt_segments},
      {"fleet_agent_buffer_corrupt_bytes_total", "Bytes skipped in damaged segments.", Type::kCounter,
       &BufferStats::corrupt_bytes},
  };
  std::vector<std::pair<std::string, BufferStats>> stats;
  for (const auto& [name, buffer] : buffers) stats.emplace_back(name, buffer->Stats());
  for (const auto& field : kFields) {
    fleet::metrics::Family family{field.name, field.help, field.type, {}};
    for (const auto& [name, s] : stats) {
      family.samples.push_back({"", {{"buffer", name}}, static_cast<double>(s.*field.value)});
    }
    out->push_back(std::move(family));
  }
}

}  // namespace agent
