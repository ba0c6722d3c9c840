// The agent's own listener as seen from the same host: `fleet-agent status` and `fleet-agent
// support` ask the running agent through it, as its config describes it (scheme, basic auth from
// the password file). The controller runs these over SSH, so the listener can stay on loopback and
// keep its TLS and auth.
#pragma once

#include <chrono>
#include <string>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"

namespace agent {

// "https://127.0.0.1:12345" for the config's listener: a wildcard or empty host means loopback.
std::string LocalListenerUrl(const HttpConfig& http);

// GET `target` (path and query) from the listener `http` describes, sending its basic-auth
// credentials; the body of a 200 answer. Unavailable when it does not answer or answers otherwise.
fleet::Result<std::string> GetFromLocalListener(const HttpConfig& http, const std::string& target,
                                                std::chrono::seconds timeout);

fleet::Result<std::string> FetchLocalSupportBundle(const AgentConfig& config, int duration_seconds);

}  // namespace agent
