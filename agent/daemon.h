// The fleet-agent daemon: runs the pipeline (collectors, buffers, sinks, Docker logs) built from
// the config, serves /metrics, /-/healthy, /-/ready, /api/v1/status, /api/v1/live and the status
// page, reports to the controller, reloads the config on SIGHUP or when the file changes, and
// runs until SIGTERM or SIGINT.
#pragma once

#include <chrono>

#include "agent/config/agent_config.h"

namespace agent {

// Command-line settings that override the config file, as node_exporter's flags do.
struct Overrides {
  std::string procfs, sysfs, rootfs, udev_data;
  std::string listen;
};
void ApplyOverrides(const Overrides& overrides, AgentConfig* config);

// Checks what the config parser cannot see alone (collector names, the listener's files); ok
// means the daemon would start with this config. Builds no forwarder.
fleet::Status Validate(const AgentConfig& config);

// A config as the daemon runs it: parsed from `text` (read from `path`), overrides applied, the
// instance defaulted to the host name, validated. Errors name the file and the field path.
fleet::Result<AgentConfig> PrepareConfig(const std::string& text, const std::string& path,
                                         const Overrides& overrides);

struct DaemonOptions {
  std::string config_path;  // empty: run on defaults, nothing to reload
  Overrides overrides;
  // How often the config file is checked for changes (reload without a signal).
  std::chrono::milliseconds config_check_interval{std::chrono::seconds(5)};
};

// Runs the daemon with `config` (prepared from `config_text`); returns the process exit code.
int RunDaemon(const AgentConfig& config, const std::string& config_text, const DaemonOptions& options);

}  // namespace agent
