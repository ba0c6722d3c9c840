// An Ansible inventory read as Ansible 2.14 (Debian 12's ansible-core) reads it, so that what
// `fleetctl import ansible` makes of a fleet is what `ansible-inventory --list` shows for it:
//   - INI files: [group], [group:vars], [group:children], hosts before any section in ungrouped,
//     `host[:port] key=value ...` split as Python's shlex splits it, values through
//     ast.literal_eval (python_literal.h), in host lines and in :vars sections alike;
//   - YAML files: all/<group> with hosts, vars and children, read with YAML 1.1's types as PyYAML
//     reads them (yes/no/on/off are booleans, 0755 is octal, 1:30 is 90);
//   - host patterns with ranges: web[01:20].example.com, db-[a:f], [1:10:2], several per name;
//   - group_vars/ and host_vars/ next to each inventory source and in the playbook directory:
//     NAME, NAME.yml, NAME.yaml, NAME.json, or a directory NAME/ of such files read in name order;
//   - values encrypted with Ansible Vault (`!vault |` scalars, and whole vars files), decrypted
//     only when a vault password is given.
// Variables are merged per host in Ansible's order of precedence (MergedVars).
//
// Everything read is untrusted: files are bounded in size, YAML in nodes and depth, ranges in the
// hosts they expand to, and every text kept is valid UTF-8.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace ansible_compat {

// Where a variable, host or group was written: "inventory/hosts.ini:12".
struct Origin {
  std::string file;
  int line = 0;
  std::string ToString() const;
};

struct Variable {
  fleet::Json value;
  Origin origin;
  // Vault ciphertext that could not be decrypted (no password given): value is null and the text
  // is never copied anywhere.
  bool vaulted_unread = false;
  // Decrypted from Vault: a secret, which the import keeps out of vars.
  bool from_vault = false;
};
using Variables = std::map<std::string, Variable>;

struct InventoryGroup {
  Variables vars;  // from the inventory source itself
  std::set<std::string> children;
  std::set<std::string> parents;
  std::set<std::string> hosts;  // hosts listed directly in this group
  int priority = 1;             // ansible_group_priority
  int depth = 0;                // all is 0; a group is one deeper than its deepest parent
};

struct InventoryHost {
  Variables vars;  // from the inventory source itself
  Origin origin;   // where it was first declared
};

struct InventoryOptions {
  std::vector<std::string> sources;  // -i: inventory files or directories of them
  std::string playbook_dir;          // --playbook-dir: its group_vars/ and host_vars/ too
  std::optional<std::string> vault_password;
};

// Limits on what one import reads; past them it fails with a message naming the file.
inline constexpr size_t kMaxInventoryFileBytes = 8 << 20;
inline constexpr size_t kMaxInventoryHosts = 100000;
// Host names listed, counted with repeats (a pattern written again costs again).
inline constexpr size_t kMaxHostEntries = 1000000;

class AnsibleInventory {
 public:
  // Reads every source and the vars files that go with them. A syntax error fails the whole read
  // with "file:line: message", as ansible-inventory fails.
  static fleet::Result<AnsibleInventory> Read(const InventoryOptions& options);

  // Hosts in the order Ansible first saw them.
  const std::vector<std::string>& host_names() const { return host_order_; }
  const std::map<std::string, InventoryGroup>& groups() const { return groups_; }
  const InventoryHost& host(const std::string& name) const { return hosts_.at(name); }

  // Every group the host is in, directly or through children, "all" included.
  std::set<std::string> GroupsOf(const std::string& host) const;

  // The host's variables as Ansible's VariableManager combines them (hash_behaviour=replace):
  //   all's inventory vars < each other group's inventory vars < group_vars/all < each other
  //   group's group_vars < the host's inventory vars < host_vars/HOST,
  // groups ordered by depth, then ansible_group_priority, then name; the files of the inventory
  // directories before those of the playbook directory.
  Variables MergedVars(const std::string& host) const;

  // Things read but not used (unknown YAML keys, a vars file that is not a mapping), as Ansible
  // warns of them.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  friend class InventoryReader;

  InventoryGroup& Group(const std::string& name);
  void AddHost(const std::string& name, const std::string& group, const Origin& origin);
  void AddChild(const std::string& parent, const std::string& child);
  // Ansible's reconcile_inventory: every group is under all, hosts in no group are in ungrouped.
  void Reconcile();
  std::vector<std::string> SortedGroupsOf(const std::string& host) const;

  std::map<std::string, InventoryGroup> groups_;
  std::map<std::string, InventoryHost> hosts_;
  std::vector<std::string> host_order_;
  std::map<std::string, std::set<std::string>> direct_groups_;  // host -> groups listing it
  // group_vars/ and host_vars/ contents, one entry per directory read, in precedence order.
  std::vector<std::map<std::string, Variables>> group_files_;
  std::vector<std::map<std::string, Variables>> host_files_;
  std::vector<std::string> warnings_;
};

// The values in value: 1 for a scalar, 1 plus its members' for a list or map.
size_t ValueCount(const fleet::Json& value);

// The host names a pattern stands for: "web[01:03]" is web01, web02, web03. Fails as Ansible's
// expand_hostname_range does, and past kMaxInventoryHosts names.
fleet::Result<std::vector<std::string>> ExpandHostPattern(const std::string& pattern);

// Python's shlex.split(line, comments=True), as Ansible splits an INI host line.
fleet::Result<std::vector<std::string>> ShlexSplit(std::string_view line);

}  // namespace ansible_compat
