// Where and how the controller reaches a Host over SSH, from its spec and status.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "controller/transport.h"
#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"
#include "fleet/types/host.h"

namespace controller {

// Resolves a tailnet machine name to the address SSH connects to.
using TailnetResolver = std::function<fleet::Result<std::string>(const std::string& name)>;

// How to reach a host over SSH: address (resolved on the tailnet when its transport says so),
// port, user, key from its keySecretRef, host key pinned in spec, known_hosts file, and the key
// accept-new recorded in status (which only accept-new consults).
fleet::Result<SshTarget> SshTargetFor(const fleet::HostSpec& spec,
                                      const std::map<std::string, fleet::Json>& secrets,
                                      const fleet::HostStatus& status, const TailnetResolver& tailnet);

}  // namespace controller
