#include "ansible-compat/inventory.h"

#include <algorithm>
#include <map>
#include <set>

#include "ansible-compat/import.h"
#include "fleet/core/text.h"

namespace ansible_compat {
namespace {

using fleet::Json;

// A word for ssh's command line as Ansible splits ansible_ssh_common_args (Python's shlex):
// left bare when it is only safe characters, else in single quotes.
std::string ShellWord(const std::string& word) {
  const bool bare = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '/' || c == '.' || c == '_' || c == '-' || c == '=' || c == ':' || c == '@' || c == '+';
  });
  return bare ? word : fleet::ShellQuote(word);
}

// The groups a Host is in, from its labels.
std::set<std::string> GroupsOf(const Json& host) {
  std::set<std::string> groups;
  const Json labels = host["metadata"].value("labels", Json::object());
  for (const auto& [key, value] : labels.items()) {
    if (!value.is_string()) continue;
    if (key.rfind(kGroupLabelPrefix, 0) == 0) {  // an Ansible group the host was imported in
      groups.insert(GroupName(key.substr(std::string_view(kGroupLabelPrefix).size())));
    } else if (key == fleet::kHostGroupLabel) {
      std::string name = GroupName(value.get<std::string>());
      if (name == "all" || name == "ungrouped") name = "hostgroup_" + name;
      groups.insert(name);
    } else {
      groups.insert(GroupName("label_" + key + "_" + value.get<std::string>()));
    }
  }
  return groups;
}

}  // namespace

std::string GroupName(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

std::string InventoryHostname(const fleet::Json& host) {
  const Json metadata = host.value("metadata", Json::object());
  const Json annotations = metadata.value("annotations", Json::object());
  if (annotations.is_object() && annotations.contains(kInventoryHostnameAnnotation) &&
      annotations[kInventoryHostnameAnnotation].is_string()) {
    return annotations[kInventoryHostnameAnnotation];
  }
  return metadata.value("name", "");
}

Json HostVars(const Json& host) {
  const Json spec = host.value("spec", Json::object());
  Json vars = spec.value("vars", Json::object());
  if (!vars.is_object()) vars = Json::object();
  if (spec.contains("address")) vars["ansible_host"] = spec["address"];
  const Json ssh = spec.value("ssh", Json::object());
  if (ssh.contains("port")) vars["ansible_port"] = ssh["port"];
  if (ssh.contains("user")) vars["ansible_user"] = ssh["user"];
  // The schema defaults the policy to strict: Ansible then verifies the host key as the
  // controller does, against the known_hosts file it is given.
  const std::string policy = ssh.value("hostKeyPolicy", "strict");
  std::string args = "-o StrictHostKeyChecking=" + std::string(policy == "accept-new" ? "accept-new" : "yes");
  if (ssh.contains("knownHostsFile") && ssh["knownHostsFile"].is_string()) {
    args += " -o " + ShellWord("UserKnownHostsFile=" + ssh["knownHostsFile"].get<std::string>());
  }
  vars["ansible_ssh_common_args"] = args;
  return vars;
}

Json InventoryList(const std::vector<Json>& hosts) {
  Json hostvars = Json::object();
  std::map<std::string, std::vector<std::string>> members;  // group -> host names
  std::vector<std::string> ungrouped;
  for (const Json& host : hosts) {
    const std::string name = InventoryHostname(host);
    if (name.empty()) continue;
    hostvars[name] = HostVars(host);
    const std::set<std::string> groups = GroupsOf(host);
    if (groups.empty()) ungrouped.push_back(name);
    for (const std::string& group : groups) members[group].push_back(name);
  }
  Json out = {{"_meta", {{"hostvars", std::move(hostvars)}}}};
  Json children = Json::array({"ungrouped"});
  for (auto& [group, names] : members) {
    std::sort(names.begin(), names.end());
    out[group] = {{"hosts", names}};
    children.push_back(group);
  }
  std::sort(ungrouped.begin(), ungrouped.end());
  out["ungrouped"] = {{"hosts", ungrouped}};
  out["all"] = {{"children", std::move(children)}};
  return out;
}

}  // namespace ansible_compat
