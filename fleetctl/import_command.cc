#include "fleetctl/import_command.h"

#include <iostream>
#include <memory>

#include "ansible-compat/import.h"
#include "ansible-compat/vault.h"
#include "fleet/core/files.h"
#include "fleetctl/client.h"

namespace fleetctl {
namespace {

using fleet::Json;

struct ImportFlags {
  std::vector<std::string> inventories;
  std::string playbook_dir;
  std::string vault_password_file;
  std::string profile;
  bool inline_keys = false;
  bool apply = false;
  std::string dry_run = "none";
};

int Fail(const fleet::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return 1;
}

int Run(const ConnectFn& connect, const ImportFlags& f) {
  ansible_compat::InventoryOptions options{f.inventories, f.playbook_dir, std::nullopt};
  if (!f.vault_password_file.empty()) {
    auto password = fleet::ReadFileText(f.vault_password_file, 64 * 1024);
    if (!password.ok()) return Fail(password.status());
    options.vault_password = ansible_compat::VaultPasswordFromFile(*password);
  }
  auto inventory = ansible_compat::AnsibleInventory::Read(options);
  if (!inventory.ok()) return Fail(inventory.status());
  auto imported = ansible_compat::ImportInventory(*inventory, {f.profile, f.inline_keys});
  if (!imported.ok()) return Fail(imported.status());
  const std::string notes = ansible_compat::NotesText(imported->notes);
  if (!notes.empty()) std::cerr << notes;
  if (!f.apply) {
    // A YAML stream, one document per object: what `fleetctl apply -f -` reads.
    for (const Json& object : imported->objects) std::cout << "---\n" << fleet::ToYaml(object);
    return 0;
  }
  auto client = connect();
  if (!client.ok()) return Fail(client.status());
  const bool dry = f.dry_run == "server";
  auto applied = ApplyWithRetry(**client, imported->objects, dry, false);
  if (!applied.ok()) return Fail(applied.status());
  for (const auto& r : (*applied)["results"]) std::cout << ActionLine(r, dry ? " (server dry run)" : "");
  return 0;
}

}  // namespace

void AddImportCommand(CLI::App& app, ConnectFn connect, int* rc) {
  auto flags = std::make_shared<ImportFlags>();
  auto* import = app.add_subcommand("import", "Make vpsfleet resources from another tool's description of a fleet");
  import->require_subcommand(1);
  auto* ansible = import->add_subcommand(
      "ansible", "Hosts from an Ansible inventory (INI or YAML, group_vars/host_vars, Vault), as YAML for "
                 "fleetctl apply, or applied with --apply; what cannot be mapped is reported on stderr");
  ansible->add_option("-i,--inventory", flags->inventories, "Inventory file or directory; repeatable")->required();
  ansible->add_option("--playbook-dir", flags->playbook_dir, "Also read its group_vars/ and host_vars/");
  ansible->add_option("--vault-password-file", flags->vault_password_file,
                      "Decrypt Vault values with this password; they become Secrets");
  ansible->add_option("--profile", flags->profile,
                      "AgentProfile of the hosts that do not set vpsfleet_profile");
  ansible->add_flag("--inline-keys", flags->inline_keys,
                    "Read ansible_ssh_private_key_file files into the Secrets the Hosts reference");
  ansible->add_flag("--apply", flags->apply, "Apply the resources (atomically) instead of printing them");
  ansible->add_option("--dry-run", flags->dry_run, "With --apply: none, or server (the server decides, writes nothing)")
      ->check(CLI::IsMember({"none", "server"}))
      ->expected(0, 1)
      ->default_str("none");
  ansible->callback([connect, flags, rc] { *rc = Run(connect, *flags); });
}

}  // namespace fleetctl
