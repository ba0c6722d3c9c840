// The forwarding side's own metrics, served on the agent's /metrics: what each sink delivered,
// retried and dropped, and the state of each buffer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/buffer/segment_buffer.h"
#include "fleet/core/metrics.h"

namespace agent {

struct ForwardMetrics {
  // sink: remote_write | loki. Items are samples for remote write, log lines for Loki.
  fleet::metrics::CounterVec items_sent{"fleet_agent_sink_items_sent_total",
                                        "Samples or log lines the receiver accepted.", {"sink"}};
  fleet::metrics::CounterVec bytes_sent{"fleet_agent_sink_bytes_sent_total",
                                        "Compressed request bytes the receiver accepted.", {"sink"}};
  // outcome: delivered | retry | dropped (as agent/sinks/retry.h classifies responses).
  fleet::metrics::CounterVec requests{"fleet_agent_sink_requests_total",
                                      "Push requests by outcome.", {"sink", "outcome"}};
  fleet::metrics::CounterVec items_dropped{"fleet_agent_sink_items_dropped_total",
                                           "Items the receiver rejected with a non-retryable status.",
                                           {"sink"}};
  fleet::metrics::GaugeVec last_success{"fleet_agent_sink_last_success_timestamp_seconds",
                                        "When the sink last delivered a request.", {"sink"}};
  fleet::metrics::CounterVec log_lines_read{"fleet_agent_docker_log_lines_read_total",
                                            "Log lines read from Docker and buffered.", {}};
  // reason: repeat (dockerd sent the line again, after a json-file rotation) | before_position
  // (buffered before the stream was resumed from its position).
  fleet::metrics::CounterVec log_lines_skipped{"fleet_agent_docker_log_lines_skipped_total",
                                               "Log lines Docker sent that were already buffered, by reason.",
                                               {"reason"}};
  // reason: memory (the agent was over its memory budget when the scrape was due).
  fleet::metrics::CounterVec scrapes_dropped{"fleet_agent_remote_write_scrapes_dropped_total",
                                             "Scrapes not taken for remote write, by reason.",
                                             {"reason"}};

  // Appends the families above plus the state of the given buffers (name -> buffer).
  void Collect(const std::vector<std::pair<std::string, const SegmentBuffer*>>& buffers,
               std::vector<fleet::metrics::Family>* out) const;
};

}  // namespace agent
