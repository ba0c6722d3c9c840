// An Ansible inventory as vpsfleet resources (`fleetctl import ansible`, docs/ansible.md).
//
// Each inventory host becomes a Host. Its variables are merged first, in Ansible's order of
// precedence (AnsibleInventory::MergedVars), so the Host gets what Ansible would give that host:
//   metadata.name              the inventory hostname as a DNS-1123 label (lowercase, [.-_] runs
//                              as '-'); the hostname itself in the annotation
//                              ansible.vpsfleet.io/inventory-hostname when they differ
//   spec.address               ansible_host (ansible_ssh_host), else the inventory hostname
//   spec.ssh.port, .user       ansible_port (ansible_ssh_port), ansible_user (ansible_ssh_user)
//   spec.ssh.keySecretRef      ansible_ssh_private_key_file: a Secret named ansible-key-<file>,
//                              filled from the file only with inline_keys
//   spec.ssh.hostKeyPolicy     -o StrictHostKeyChecking=yes|accept-new in
//   spec.ssh.knownHostsFile    ansible_ssh_common_args / _extra_args, -o UserKnownHostsFile=PATH
//   spec.profile               vpsfleet_profile, else the default profile given
//   spec.vars                  every other variable, as it is
//
// Groups become labels, not HostGroups: an Ansible host is in any number of groups, while a
// HostGroup owns each of its Hosts. A host gets the label group.ansible.vpsfleet.io/<group>: ""
// for every group it is in, directly or through children (all and ungrouped are implied), and
// `fleetctl inventory` turns those labels back into the same groups.
//
// Never copied: passwords (ansible_password, ansible_ssh_pass, ansible_become_pass...), and
// Vault ciphertext without a vault password. With one, each decrypted variable goes to a Secret
// (ansible-vault-<file>) under its own name. Privilege escalation (ansible_become*) stays in vars
// for playbooks: vpsfleet installs as the SSH user into spec.installDir and needs none.
// Everything not mapped is reported with the file and line it came from.
#pragma once

#include <string>
#include <vector>

#include "ansible-compat/ansible_inventory.h"

namespace ansible_compat {

inline constexpr char kInventoryHostnameAnnotation[] = "ansible.vpsfleet.io/inventory-hostname";
inline constexpr char kGroupLabelPrefix[] = "group.ansible.vpsfleet.io/";

// Values (each scalar, list and map counts one) over all imported hosts' variables.
inline constexpr size_t kMaxImportedValues = 4000000;

struct ImportOptions {
  std::string default_profile;  // spec.profile of hosts without vpsfleet_profile
  bool inline_keys = false;     // read private key files into the Secrets that reference them
};

// One thing the import did not carry over, or carried over differently.
struct ImportNote {
  std::string host;      // inventory hostname ("" for the inventory as a whole)
  std::string variable;  // "" when about the host or the inventory
  Origin origin;
  std::string message;
};

struct ImportResult {
  std::vector<fleet::Json> objects;  // Secrets, then Hosts in inventory order
  std::vector<ImportNote> notes;
};

// Fails (Invalid, naming the host and where its variable was written) when a host cannot be a
// valid Host: two hostnames that map to one name, no profile, an address or port the schema
// refuses. Nothing is returned then: an import is all or nothing, as apply is.
fleet::Result<ImportResult> ImportInventory(const AnsibleInventory& inventory,
                                            const ImportOptions& options);

// The notes as lines for a person: "file:line: host: variable: message".
std::string NotesText(const std::vector<ImportNote>& notes);

}  // namespace ansible_compat
