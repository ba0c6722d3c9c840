// `fleetctl support HOST [-o FILE] [--duration N]`: an agent's support bundle (tar.gz), fetched
// by the controller over the host's SSH delivery path.
#pragma once

#include <CLI/CLI.hpp>

#include "fleetctl/rollout_commands.h"

namespace fleetctl {

// Adds the `support` command to app; its exit code goes to *rc.
void AddSupportCommand(CLI::App& app, ConnectFn connect, int* rc);

}  // namespace fleetctl
