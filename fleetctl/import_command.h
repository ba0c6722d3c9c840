// `fleetctl import ansible -i INVENTORY ...`: an Ansible inventory as vpsfleet resources
// (ansible-compat/import.h), printed as YAML for `fleetctl apply -f -`, or applied at once with
// --apply. What could not be carried over is reported on stderr, each line with the file and
// line it came from (docs/ansible.md).
#pragma once

#include <CLI/CLI.hpp>

#include "fleetctl/rollout_commands.h"

namespace fleetctl {

// Adds the `import` command (with its `ansible` subcommand) to app; its exit code goes to *rc.
void AddImportCommand(CLI::App& app, ConnectFn connect, int* rc);

}  // namespace fleetctl
