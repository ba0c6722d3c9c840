// The agent's own metrics: process_* (like every Prometheus client library exports), build info,
// and whatever other components register (queues, sends, drops — issues 5 and 8).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "fleet/core/metrics.h"

namespace agent {

class SelfMetrics {
 public:
  using Source = std::function<void(std::vector<fleet::metrics::Family>*)>;
  explicit SelfMetrics(std::string procfs = "/proc");
  // Adds a source of families, called on every /metrics request (keep it cheap and thread-safe).
  void Register(Source source);
  // process_*, fleet_agent_build_info and every registered source.
  void Gather(std::vector<fleet::metrics::Family>* out) const;

 private:
  const std::string procfs_;
  mutable std::mutex mu_;
  std::vector<Source> sources_;
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_start_time_seconds, process_open_fds, process_max_fds for this process, read from
// <procfs>/self as the Go and Java clients do.
void AppendProcessMetrics(const std::string& procfs, std::vector<fleet::metrics::Family>* out);

}  // namespace agent
