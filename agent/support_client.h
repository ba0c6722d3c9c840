// `fleet-agent support`: fetches the support bundle from the agent running on this host, through
// its listener as the config describes it (scheme, basic auth from the password file). The
// controller runs this over SSH, so the listener can stay on loopback and keep its TLS and auth.
#pragma once

#include <string>

#include "agent/config.h"
#include "fleet/status.h"

namespace agent {

// "https://127.0.0.1:12345" for the config's listener: a wildcard or empty host means loopback.
std::string LocalListenerUrl(const HttpConfig& http);

fleet::Result<std::string> FetchLocalSupportBundle(const AgentConfig& config, int duration_seconds);

}  // namespace agent
