// The agent's memory budget and the watch that keeps the agent under it — the counterpart of
// Go's GOMEMLIMIT as automemlimit sets it from the cgroup limit.
//
// Budget: the lower of `memory.limit` and `memory.limitFraction` of the cgroup memory limit
// (agent/memory/cgroup_memory_limit.h); none when neither gives a number.
//
// Two ways of keeping it:
//  - at start, what the config lets the agent hold in memory at once (sink batches, log source
//    records) is capped at a share of the budget (Cap), so a large batchSize cannot by itself
//    outgrow the limit once a backlog is there to fill it;
//  - while running, the process's own RSS (/proc/self/statm, what the OOM killer weighs) is
//    sampled every checkInterval. At 90% of the budget glibc is asked to return free memory
//    (malloc_trim) and pressure is High: sinks let go of batches they hold for a retry (the
//    records stay in the disk buffer, unacknowledged) and read smaller ones, the log source
//    writes smaller records to the disk buffer sooner. At the budget pressure is Over: the log
//    source also stops reading from Docker until it passes (Docker keeps the lines in its own
//    log files; the position is not moved, so nothing is lost) and the metrics loop skips its
//    scrape (dropped, counted).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/memory/cgroup_memory_limit.h"
#include "fleet/core/metrics.h"

namespace agent {

struct MemoryBudget {
  uint64_t bytes = 0;  // 0: no budget
  std::string source;  // how it was arrived at, for the start-up log line
};
MemoryBudget ComputeMemoryBudget(const MemoryConfig& config, const CgroupMemoryLimit& cgroup);

enum class MemoryPressure { kNone = 0, kHigh = 1, kOver = 2 };
// "none", "high", "over": as health reports and the status API name it.
const char* MemoryPressureName(MemoryPressure pressure);

// Resident set size of this process, from /proc/self/statm; 0 when it cannot be read.
uint64_t ReadOwnRss();

class MemoryGuard {
 public:
  using RssFn = std::function<uint64_t()>;
  // budget 0: no budget; pressure stays kNone, Cap returns what is configured.
  MemoryGuard(uint64_t budget, std::chrono::milliseconds check_interval, RssFn rss = ReadOwnRss);
  ~MemoryGuard();  // stops
  MemoryGuard(const MemoryGuard&) = delete;
  MemoryGuard& operator=(const MemoryGuard&) = delete;

  void Start();  // the sampling thread (none without a budget)
  void Stop();

  uint64_t budget() const { return budget_; }
  MemoryPressure pressure() const { return pressure_.load(std::memory_order_relaxed); }
  // `configured` capped at budget / share, but not below floor; `configured` without a budget.
  uint64_t Cap(uint64_t configured, uint64_t share, uint64_t floor) const;
  // One sample: reads RSS, trims when high, updates the pressure. The thread calls it every
  // check interval; tests call it directly.
  MemoryPressure Check();

  // Counted by the components that act on pressure (component: loki, remote_write, docker_logs).
  void CountShed(const std::string& component, uint64_t bytes);
  void CountDropped(const std::string& component, uint64_t items);
  void CountPause(const std::string& component);
  void Collect(std::vector<fleet::metrics::Family>* out) const;

 private:
  void Run();

  const uint64_t budget_;
  const std::chrono::milliseconds interval_;
  const RssFn rss_;
  std::atomic<MemoryPressure> pressure_{MemoryPressure::kNone};
  std::atomic<uint64_t> last_rss_{0};
  std::chrono::steady_clock::time_point last_trim_{};  // Check runs on one thread at a time
  std::chrono::steady_clock::time_point last_warning_{};

  fleet::metrics::CounterVec shed_{"fleet_agent_memory_shed_total",
                                   "Times a component gave memory back under memory pressure "
                                   "(a held batch released to the disk buffer, a record written early).",
                                   {"component"}};
  fleet::metrics::CounterVec shed_bytes_{"fleet_agent_memory_shed_bytes_total",
                                         "Bytes given back under memory pressure.", {"component"}};
  fleet::metrics::CounterVec dropped_{"fleet_agent_dropped_total",
                                      "Items dropped by the agent itself, by reason.",
                                      {"component", "reason"}};
  fleet::metrics::CounterVec pauses_{"fleet_agent_memory_pauses_total",
                                     "Times a source stopped reading while over the memory budget.",
                                     {"component"}};
  fleet::metrics::CounterVec trims_{"fleet_agent_memory_trims_total",
                                    "malloc_trim calls made at high memory pressure.", {}};
  fleet::metrics::CounterVec trimmed_bytes_{"fleet_agent_memory_trimmed_bytes_total",
                                            "Resident bytes malloc_trim gave back.", {}};
  fleet::metrics::CounterVec over_{"fleet_agent_memory_over_budget_total",
                                   "Times resident memory reached the budget.", {}};

  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace agent
