// The fleet as an Ansible dynamic inventory: the JSON an inventory script prints for `--list` and
// `--host NAME`, computed from Host objects, so playbooks written for the fleet keep running
// against the hosts the controller manages (`fleetctl inventory`, docs/ansible.md).
//
// Each Host is an inventory host of the same name (or the name it was imported under, kept in
// the annotation ansible.vpsfleet.io/inventory-hostname), with these variables:
//   ansible_host, ansible_port, ansible_user  spec.address, spec.ssh.port, spec.ssh.user
//   ansible_ssh_common_args                   spec.ssh.hostKeyPolicy as StrictHostKeyChecking
//                                             (strict: yes; accept-new), and spec.ssh.knownHostsFile
//                                             as UserKnownHostsFile
//   every entry of spec.vars                  as it is (the ansible_* above win a clash)
// The private key stays a Secret in the controller: Ansible uses its own (--private-key, or
// ansible_ssh_private_key_file in group_vars).
//
// Groups come from labels: a label group.ansible.vpsfleet.io/<group> (set by `fleetctl import
// ansible`) is that Ansible group; the HostGroup a host belongs to (label vpsfleet.io/hostgroup) is a
// group of that name, and every other label key=value a group "label_key_value", as Ansible's
// Kubernetes inventory plugin (kubernetes.core.k8s) names a pod's label groups. Characters Ansible refuses in a group name ([^A-Za-z0-9_]) become
// "_"; a HostGroup named "all" or "ungrouped" is group "hostgroup_all" / "hostgroup_ungrouped".
// A host in no group is in "ungrouped".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/status.h"
#include "fleet/resource.h"

namespace ansible_compat {

// The `--list` answer for these Hosts: {"_meta": {"hostvars": ...}, "all": {"children": [...]},
// "<group>": {"hosts": [...]}, ...}, hosts and groups sorted by name.
fleet::Json InventoryList(const std::vector<fleet::Json>& hosts);

// The host's name in the inventory: the one it was imported under (annotation
// ansible.vpsfleet.io/inventory-hostname), else its own.
std::string InventoryHostname(const fleet::Json& host);

// The `--host NAME` answer: one Host's variables.
fleet::Json HostVars(const fleet::Json& host);

// text as an Ansible group name: each character outside [A-Za-z0-9_] replaced by "_".
std::string GroupName(std::string_view text);

}  // namespace ansible_compat
