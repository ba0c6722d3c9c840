// Reports the agent's health to the controller every controller.reportInterval: version, the
// config revision it runs, component health and resource use, authenticated with the per-host
// token the controller delivered (controller.tokenFile). The controller's Healthy condition and
// rollout health gates are built on these reports.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/config.h"
#include "fleet/yaml_codec.h"

namespace agent {

struct ComponentHealth {
  std::string name;
  bool healthy = true;
  std::string message;
};

class HealthReporter {
 public:
  using ComponentsFn = std::function<std::vector<ComponentHealth>()>;

  HealthReporter(const AgentConfig& config, ComponentsFn components);
  ~HealthReporter();

  void Start();
  void Stop();

  // The report body (exposed for tests).
  fleet::Json BuildReport();

 private:
  void Loop();
  fleet::Status SendOnce();

  const ControllerConfig controller_;
  const std::string instance_;
  const std::string revision_;
  const std::string procfs_;
  ComponentsFn components_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  int consecutive_failures_ = 0;
};

}  // namespace agent
