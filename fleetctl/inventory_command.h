// `fleetctl inventory --list | --host NAME [-l SELECTOR]`: the fleet as an Ansible dynamic
// inventory, as the controller computes it (ansible-compat/inventory.h), so a two-line script
// that runs this command is an inventory for ansible and ansible-playbook (docs/ansible.md).
#pragma once

#include <CLI/CLI.hpp>

#include "fleetctl/rollout_commands.h"

namespace fleetctl {

// Adds the `inventory` command to app; its exit code goes to *rc.
void AddInventoryCommand(CLI::App& app, ConnectFn connect, int* rc);

}  // namespace fleetctl
