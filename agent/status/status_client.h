// `fleet-agent status`: asks a running agent for /api/v1/status and prints it as a table.
#pragma once

#include <chrono>
#include <string>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace agent::status {

// GET /api/v1/status from the listener `listener` describes (scheme, credentials). Unavailable
// when the agent does not answer.
fleet::Result<fleet::Json> FetchStatus(const HttpConfig& listener, std::chrono::seconds timeout);

// A header (instance, version, uptime, config revision and last reload) and one row per
// component: name, kind, health, last success, rates, last error.
std::string FormatStatusTable(const fleet::Json& status);

}  // namespace agent::status
