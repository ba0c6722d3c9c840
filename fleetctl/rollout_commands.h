// `fleetctl rollout status|history|undo|pause|resume`: follow and steer Rollouts, for people and
// for CI jobs. `status` exit codes: 0 completed, 1 failed or rolled back (or an error), 2 timed
// out, 3 paused.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "fleetctl/client.h"

namespace fleetctl {

inline constexpr int kRolloutCompleted = 0;
inline constexpr int kRolloutFailed = 1;  // failed, rolled back, or an error
inline constexpr int kRolloutTimedOut = 2;
inline constexpr int kRolloutPaused = 3;

// What `rollout status` makes of one look at a Rollout.
struct RolloutView {
  // The status covers the latest spec (observedGeneration), the profiles/secrets/host groups as of
  // inputs_revision (observedInputsRevision) and every selected Host's own spec as it is now
  // (observedHostGenerations); only a current status may end the wait.
  bool current = false;
  std::optional<int> exit_code;  // set when current and settled (Completed, Failed, RolledBack, Paused)
  std::string line;              // the one-line summary, or what it waits for
};
// rollout as served; inputs_revision: the newest resourceVersion among profiles, secrets and host
// groups when the wait began; hosts: the Hosts now (their `items`).
RolloutView ViewRollout(const fleet::Json& rollout, int64_t inputs_revision, const fleet::Json& hosts);
// "[####......]": updated hosts out of the target's hosts.
std::string RolloutProgressBar(const fleet::Json& rollout, int width);
// The `rollout history` table: header, then one line per revision, oldest first.
std::string FormatRolloutHistory(const fleet::Json& rollout);

using ConnectFn = std::function<fleet::Result<std::unique_ptr<Client>>()>;

// Adds the `rollout` command group to app; the chosen command's exit code goes to *rc.
void AddRolloutCommands(CLI::App& app, ConnectFn connect, int* rc);

}  // namespace fleetctl
