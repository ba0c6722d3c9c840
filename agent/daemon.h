// The fleet-agent daemon: builds the collectors from the config, serves /metrics, /-/healthy and
// /-/ready, and runs until SIGTERM or SIGINT.
#pragma once

#include "agent/config.h"

namespace agent {

// Command-line settings that override the config file, as node_exporter's flags do.
struct Overrides {
  std::string procfs, sysfs, rootfs;
  std::string listen;
};
void ApplyOverrides(const Overrides& overrides, AgentConfig* config);

// Checks what the config parser cannot see alone (collector names); ok means the daemon would
// start with this config.
fleet::Status Validate(const AgentConfig& config);

// Runs the daemon; returns the process exit code.
int RunDaemon(const AgentConfig& config);

}  // namespace agent
