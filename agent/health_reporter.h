// Reports the agent's health to the controller every controller.reportInterval: version, the
// config revision it runs, component health and resource use, authenticated with the per-host
// token the controller delivered (controller.tokenFile), over https verified with the CA it delivered
// (controller.caFile) when the URL is https. The controller's Healthy condition and
// rollout health gates are built on these reports.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/memory/memory_guard.h"
#include "fleet/core/yaml_codec.h"

namespace agent {

struct ComponentHealth {
  std::string name;
  bool healthy = true;
  std::string message;
  // False for an application scrape target (status::CountsForAgentHealth): reported, but its
  // failure does not make the agent's report unhealthy.
  bool counts_for_agent = true;
};

// The agent's memory budget (0: none, no cgroup limit or memory.limit) and where it stands.
struct MemoryUse {
  uint64_t budget_bytes = 0;
  MemoryPressure pressure = MemoryPressure::kNone;
};

class HealthReporter {
 public:
  using ComponentsFn = std::function<std::vector<ComponentHealth>()>;
  using MemoryFn = std::function<MemoryUse()>;

  HealthReporter(const AgentConfig& config, ComponentsFn components, MemoryFn memory);
  ~HealthReporter();

  void Start();
  void Stop();

  // The report body (exposed for tests).
  fleet::Json BuildReport();
  // One report, now: what the loop does every interval (exposed for tests that drive it).
  fleet::Status SendOnce();

 private:
  void Loop();

  const ControllerConfig controller_;
  const std::string instance_;
  const std::string revision_;
  const std::string procfs_;
  ComponentsFn components_;
  MemoryFn memory_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  int consecutive_failures_ = 0;
};

}  // namespace agent
