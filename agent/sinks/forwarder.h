// The forwarding pipeline of fleet-agent, assembled from the config:
//   collect() every scrape interval -> metrics buffer -> remote write sink
//   Docker log source              -> logs buffer    -> Loki sink
// Buffers live under buffer.dir (metrics/, logs/, docker-positions.json); buffer.maxBytes is split
// between them, a quarter for metrics and the rest for logs, or all of it when only one sink is
// configured.
// The memory section sets the budget (agent/memory/memory_guard.h) that caps the sinks' batches
// and the log source's records, and that they shed against while running.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "agent/buffer/segment_buffer.h"
#include "agent/config/agent_config.h"
#include "agent/sinks/delivery_loop.h"
#include "agent/sinks/forward_metrics.h"
#include "agent/sources/docker_logs.h"
#include "agent/status/component_status.h"

namespace agent {

class Forwarder {
 public:
  using CollectFn = std::function<std::vector<fleet::metrics::Family>()>;

  // For config.forward (parsed and checked by ParseConfig). Components report to `registry`
  // (sink/<name>, buffer/<name>, source/docker_logs) when given; `metrics` lets the counters
  // outlive this forwarder (a config reload replaces it), its own when not given.
  static std::unique_ptr<Forwarder> Create(
      const AgentConfig& config, status::Registry* registry = nullptr,
      std::shared_ptr<ForwardMetrics> metrics = nullptr);
  ~Forwarder();  // stops

  // Starts the sinks, the Docker log source (when loki is configured) and, when remoteWrite is
  // configured, a loop calling collect() every scrape interval and buffering what it returns.
  fleet::Status Start(CollectFn collect);
  // Stops collecting and reading logs (a log batch in memory is appended to the buffer first),
  // then the sinks. Everything not yet delivered stays in the buffer for the next Start, in this
  // process (a reload) or the next.
  void Stop();
  // The names of the status components Start registers.
  std::vector<std::string> ComponentNames() const;
  // The memory budget and the pressure the sinks and the log source act on.
  const MemoryGuard& memory() const { return *memory_; }
  // Buffers one application scrape's families for remote write, their samples at timestamp_ms
  // (the scrape's time) unless they carry their own; stale markers keep their bits. Nothing
  // without remoteWrite. Thread-safe, between Start and Stop.
  void BufferScrape(const std::vector<fleet::metrics::Family>& families, int64_t timestamp_ms);
  // The forwarding metrics (sinks, buffers, log source) for the agent's /metrics.
  void Collect(std::vector<fleet::metrics::Family>* out) const;

 private:
  Forwarder(ForwardConfig forward, const AgentConfig& config, status::Registry* registry,
            std::shared_ptr<ForwardMetrics> metrics);
  std::shared_ptr<status::Component> StatusOf(const std::string& name, const std::string& kind,
                                              std::vector<std::string> counters);
  void ProbeBuffer(status::Component& component, const SegmentBuffer& buffer);
  fleet::Status OpenBuffers();
  void CollectLoop(CollectFn collect);
  void BufferCollection(const std::vector<fleet::metrics::Family>& families, int64_t timestamp_ms);

  const ForwardConfig forward_;
  const AgentConfig config_;
  fleet::metrics::Labels metric_labels_;  // remote write external labels
  status::Registry* const registry_;
  std::shared_ptr<ForwardMetrics> metrics_;
  std::shared_ptr<status::Component> metrics_buffer_status_, logs_buffer_status_;
  const MemoryBudget budget_;            // memory section + cgroup limit
  std::unique_ptr<MemoryGuard> memory_;  // outlives the loops that read it
  size_t samples_per_send_ = 0;          // remoteWrite's, capped by the memory budget
  std::unique_ptr<SegmentBuffer> metrics_buffer_, logs_buffer_;
  std::unique_ptr<DeliveryLoop> remote_write_, loki_;
  std::unique_ptr<DockerLogSource> docker_logs_;
  std::thread collector_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
};

}  // namespace agent
