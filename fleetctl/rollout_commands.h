// `fleetctl rollout status|history|undo|pause|resume`: follow and steer Rollouts, for people and
// for CI jobs. `status` exit codes: 0 completed, 1 failed or rolled back (or an error), 2 timed
// out, 3 paused.
#pragma once

#include <functional>
#include <memory>

#include <CLI/CLI.hpp>

#include "fleetctl/client.h"

namespace fleetctl {

using ConnectFn = std::function<fleet::Result<std::unique_ptr<Client>>()>;

// Adds the `rollout` command group to app; the chosen command's exit code goes to *rc.
void AddRolloutCommands(CLI::App& app, ConnectFn connect, int* rc);

}  // namespace fleetctl
