#include "fleetctl/inventory_command.h"

#include <iostream>
#include <memory>

#include "fleet/core/text.h"

namespace fleetctl {
namespace {

struct InventoryFlags {
  bool list = false;
  std::string host;
  std::string selector;
};

int Run(const ConnectFn& connect, const InventoryFlags& f) {
  auto client = connect();
  if (!client.ok()) {
    std::cerr << "error: " << client.status().message() << "\n";
    return 1;
  }
  auto inventory = (*client)->Inventory(f.selector, f.host);
  if (!inventory.ok()) {
    std::cerr << "error: " << inventory.status().message() << "\n";
    return 1;
  }
  std::cout << fleet::DumpJson(*inventory, 2) << "\n";
  return 0;
}

}  // namespace

void AddInventoryCommand(CLI::App& app, ConnectFn connect, int* rc) {
  auto flags = std::make_shared<InventoryFlags>();
  auto* cmd = app.add_subcommand(
      "inventory", "Print the fleet as an Ansible dynamic inventory (JSON), for ansible -i SCRIPT");
  auto* list = cmd->add_flag("--list", flags->list, "Every host, its variables and its groups");
  auto* host = cmd->add_option("--host", flags->host, "One host's variables");
  cmd->add_option("-l,--selector", flags->selector,
                  "Only the hosts this label selector selects (--host: a host outside it is not found)");
  list->excludes(host);
  cmd->callback([connect, flags, rc] {
    if (!flags->list && flags->host.empty()) throw CLI::RequiredError("--list or --host");
    *rc = Run(connect, *flags);
  });
}

}  // namespace fleetctl
