// The whole agent's status: who it is, which config it runs and how the last reload went, and
// every component of the registry. One JSON document serves /api/v1/status, the status page,
// `fleet-agent status` and a support bundle (Json()); the reload outcome is also exported as
// metrics, as Prometheus does with prometheus_config_last_reload_successful.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "agent/status/component_status.h"
#include "fleet/core/metrics.h"

namespace agent::status {

// The config the agent runs and how it got there.
struct ConfigState {
  std::string file;      // empty when run without --config
  std::string revision;  // the config's `revision` field (the controller's content hash)
  std::string sha256;    // of the file's bytes
  Clock::time_point loaded_at{};
  // The last reload attempt (SIGHUP or a changed file); none yet when reloads == 0.
  Clock::time_point last_reload_at{};
  bool last_reload_ok = true;
  std::string last_reload_error;
  std::string last_reload_trigger;  // "SIGHUP" | "file changed"
  uint64_t reloads_ok = 0, reloads_failed = 0;
};

class AgentStatus {
 public:
  AgentStatus(Registry& registry, std::string version);

  // Identity and config after a (re)load; a successful reload when `trigger` is not empty.
  void ConfigActive(const std::string& instance, const std::string& file, const std::string& revision,
                    const std::string& sha256, const std::string& trigger);
  // A reload that was refused (invalid config, or it failed to start); the old config runs on.
  void ConfigRejected(const std::string& trigger, const std::string& error);
  ConfigState config() const;

  // {instance, version, startTime, uptimeSeconds, healthy, config{...}, liveView, components[]}
  fleet::Json Json() const;
  // fleet_agent_config_last_reload_successful, ..._last_reload_success_timestamp_seconds,
  // fleet_agent_config_reloads_total{result}, fleet_agent_config_info{revision,sha256},
  // fleet_agent_component_healthy{component,kind}.
  void Collect(std::vector<fleet::metrics::Family>* out) const;

 private:
  Registry& registry_;
  const std::string version_;
  const Clock::time_point started_;
  mutable std::mutex mu_;
  std::string instance_;
  ConfigState config_;
};

}  // namespace agent::status
