#include "ansible-compat/import.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "fleet/core/crypto.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"
#include "fleet/resource.h"

namespace ansible_compat {
namespace {

using fleet::Json;
using fleet::Result;
using fleet::Status;

// Variables that hold passwords: vpsfleet authenticates with keys, and never copies them.
const std::set<std::string>& PasswordVariables() {
  static const std::set<std::string> names = {
      "ansible_password", "ansible_ssh_pass", "ansible_ssh_password", "ansible_become_password",
      "ansible_become_pass", "ansible_sudo_pass", "ansible_sudo_password", "ansible_su_pass",
      "ansible_su_password"};
  return names;
}

// The first of names the host has, with its name.
const Variable* First(const Variables& vars, std::initializer_list<const char*> names, std::string* which) {
  for (const char* name : names) {
    if (auto it = vars.find(name); it != vars.end()) {
      *which = name;
      return &it->second;
    }
  }
  return nullptr;
}

bool IsTemplate(const Json& value) {
  return value.is_string() && value.get_ref<const std::string&>().find("{{") != std::string::npos;
}

// text as a DNS-1123 label: lowercase, every run of other characters one '-', at most 63.
std::string Dns1123Label(std::string_view text, size_t max = 63) {
  std::string out;
  for (char c : text) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) {
      out += lower;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  if (out.size() > max) out.resize(max);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// "ansible-key-deploy-ed25519": the Secret a key file's key is kept in. A hash of the whole path
// tells apart files of the same name in different directories.
std::string KeySecretName(const std::string& path) {
  const std::string base = Dns1123Label(std::filesystem::path(path).filename().string(), 36);
  return "ansible-key-" + (base.empty() ? "" : base + "-") + fleet::Sha256Hex(path).substr(0, 8);
}

std::string VaultSecretName(const std::string& file) {
  const std::string base = Dns1123Label(std::filesystem::path(file).filename().string(), 34);
  return "ansible-vault-" + (base.empty() ? "" : base + "-") + fleet::Sha256Hex(file).substr(0, 8);
}

// A label key's name part: at most 63 alphanumerics, '-', '_' or '.', alphanumeric at both ends.
bool IsLabelName(const std::string& name) {
  return fleet::CheckLabelKey(name).empty() && name.find('/') == std::string::npos;
}

class HostImport {
 public:
  // What all hosts of one import share: its notes, the Secrets made so far, the groups already
  // reported as no label.
  struct Shared {
    std::vector<ImportNote>& notes;
    std::map<std::string, Json> secrets;  // by name; null: referenced, not created here
    std::set<std::string> unlabelled_groups;
  };

  HostImport(const AnsibleInventory& inventory, const ImportOptions& options, const std::string& host,
             Variables vars, Shared* shared)
      : inventory_(inventory), options_(options), host_(host), vars_(std::move(vars)),
        notes_(shared->notes), secrets_(shared->secrets), unlabelled_groups_(shared->unlabelled_groups) {}

  Result<Json> Build() {
    Json object = {{"apiVersion", fleet::kApiVersion}, {"kind", "Host"}, {"metadata", Json::object()},
                   {"spec", Json::object()}};
    Json& metadata = object["metadata"];
    Json& spec = object["spec"];
    metadata["name"] = Dns1123Label(host_);
    if (metadata["name"] == "") return Failed("", "cannot be made a Host name (DNS-1123 label)");
    if (metadata["name"] != host_) metadata["annotations"] = {{kInventoryHostnameAnnotation, host_}};
    FLEET_RETURN_IF_ERROR(Labels(&metadata));
    FLEET_RETURN_IF_ERROR(Connection(&spec));
    FLEET_RETURN_IF_ERROR(Profile(&spec));
    Json rest = Json::object();
    for (const auto& [name, var] : vars_) {
      if (used_.count(name)) continue;
      if (var.vaulted_unread) {
        Note(name, var, "encrypted with Ansible Vault: not copied (give --vault-password-file)");
      } else if (var.from_vault) {
        KeepSecret(name, var);
      } else if (PasswordVariables().count(name)) {
        Note(name, var, "a password: not copied (vpsfleet authenticates with keys only)");
      } else {
        if (name.rfind("ansible_become", 0) == 0) {
          Note(name, var, "kept in vars for playbooks; vpsfleet installs as the SSH user into "
                          "spec.installDir and needs no privilege escalation");
        }
        rest[name] = var.value;
      }
    }
    if (!rest.empty()) spec["vars"] = std::move(rest);
    std::vector<fleet::FieldError> errors = fleet::ValidateObject(object, false);
    if (!errors.empty()) {
      const std::string& path = errors.front().path;
      // spec.vars[name] came from that variable: say where it was written.
      const std::string prefix = "spec.vars.";
      std::string var = path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : "";
      var = var.substr(0, var.find_first_of(".["));
      return Failed(var, errors.front().ToString());
    }
    return object;
  }

 private:
  Status Failed(const std::string& variable, const std::string& message) const {
    std::string where = host_origin().ToString() + ": host " + fleet::ShownName(host_);
    if (auto it = vars_.find(variable); !variable.empty() && it != vars_.end()) {
      where = it->second.origin.ToString() + ": host " + fleet::ShownName(host_) + ": " + variable;
    }
    return Status::Invalid(where + ": " + message);
  }
  const Origin& host_origin() const { return inventory_.host(host_).origin; }

  void Note(const std::string& variable, const Variable& var, const std::string& message) {
    notes_.push_back({host_, variable, var.origin, message});
  }

  Status Labels(Json* metadata) {
    Json labels = Json::object();
    for (const std::string& group : inventory_.GroupsOf(host_)) {
      if (group == "all" || group == "ungrouped") continue;
      if (!IsLabelName(group)) {
        if (unlabelled_groups_.insert(group).second) {  // once per group, not once per host
          notes_.push_back({"", "", host_origin(),
                            "group " + fleet::ShownName(group) +
                                " cannot be a label key (at most 63 alphanumerics, '-', '_' or '.', "
                                "alphanumeric at both ends): its hosts are not labelled with it"});
        }
        continue;
      }
      labels[kGroupLabelPrefix + group] = "";
    }
    if (!labels.empty()) (*metadata)["labels"] = std::move(labels);
    return {};
  }

  // A variable the spec takes: a plain value (not a template, not a secret).
  const Variable* Take(std::initializer_list<const char*> names, std::string* which) {
    const Variable* var = First(vars_, names, which);
    for (const char* name : names) used_.insert(name);
    if (var == nullptr) return nullptr;
    if (var->vaulted_unread || var->from_vault) {
      Note(*which, *var, "encrypted with Ansible Vault: vpsfleet keeps connection settings in the clear");
      return nullptr;
    }
    if (IsTemplate(var->value)) {
      Note(*which, *var, "a Jinja2 template: not evaluated, set the value itself");
      return nullptr;
    }
    return var;
  }

  Status Connection(Json* spec) {
    std::string which;
    Json ssh = Json::object();
    (*spec)["address"] = host_;
    if (const Variable* v = Take({"ansible_host", "ansible_ssh_host"}, &which)) {
      if (!v->value.is_string()) return Failed(which, "must be a string");
      (*spec)["address"] = v->value;
    }
    if (const Variable* v = Take({"ansible_port", "ansible_ssh_port"}, &which)) {
      Json port = v->value;
      if (port.is_string() && !port.get<std::string>().empty() && port.get<std::string>().size() <= 5 &&
          port.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
        port = std::stoi(port.get<std::string>());
      }
      if (!port.is_number_integer()) return Failed(which, "must be a port number");
      ssh["port"] = port;
    }
    if (const Variable* v = Take({"ansible_user", "ansible_ssh_user"}, &which)) {
      if (!v->value.is_string()) return Failed(which, "must be a string");
      ssh["user"] = v->value;
    }
    if (const Variable* v = Take({"ansible_ssh_private_key_file", "ansible_private_key_file"}, &which)) {
      if (!v->value.is_string()) return Failed(which, "must be a file name");
      FLEET_RETURN_IF_ERROR(KeyFile(which, *v, &ssh));
    }
    for (const char* args : {"ansible_ssh_common_args", "ansible_ssh_extra_args"}) {
      if (const Variable* v = Take({args}, &which)) FLEET_RETURN_IF_ERROR(SshArgs(which, *v, &ssh));
    }
    if (const Variable* v = Take({"ansible_connection"}, &which)) {
      const std::string kind = v->value.is_string() ? v->value.get<std::string>() : v->value.dump();
      if (kind != "ssh" && kind != "smart" && kind != "paramiko" && kind != "paramiko_ssh") {
        Note(which, *v, "connection " + fleet::ShownName(kind) +
                            ": vpsfleet reaches hosts over SSH, which this Host will use");
      }
    }
    if (!ssh.empty()) (*spec)["ssh"] = std::move(ssh);
    return {};
  }

  Status KeyFile(const std::string& which, const Variable& var, Json* ssh) {
    std::string path = var.value.get<std::string>();
    if (path.rfind("~/", 0) == 0 && std::getenv("HOME") != nullptr) path = std::getenv("HOME") + path.substr(1);
    const std::string secret = KeySecretName(path);
    (*ssh)["keySecretRef"] = secret;
    if (secrets_.count(secret)) return {};
    if (!options_.inline_keys) {
      Note(which, var, "the Host uses secret/" + secret + ": create it (type ssh-auth, key ssh-privatekey) "
                       "from " + fleet::ShownName(path) + ", or import with --inline-keys");
      secrets_[secret] = nullptr;  // noted once
      return {};
    }
    auto key = fleet::ReadFileText(path, 64 * 1024);
    if (!key.ok()) return Failed(which, key.status().message());
    if (key->find("PRIVATE KEY-----") == std::string::npos) {
      return Failed(which, fleet::ShownName(path) + " holds no PEM or OpenSSH private key");
    }
    secrets_[secret] = {{"apiVersion", fleet::kApiVersion}, {"kind", "Secret"},
                        {"metadata", {{"name", secret}}}, {"type", "ssh-auth"},
                        {"stringData", {{"ssh-privatekey", *key}}}};
    return {};
  }

  // -o options in ssh's command-line arguments: the host key ones map, the rest are reported.
  Status SshArgs(const std::string& which, const Variable& var, Json* ssh) {
    if (!var.value.is_string()) return Failed(which, "must be a string");
    auto words = ShlexSplit(var.value.get<std::string>());
    if (!words.ok()) return Failed(which, words.status().message());
    for (size_t i = 0; i < words->size(); ++i) {
      std::string option;
      const std::string& word = (*words)[i];
      if (word == "-o" && i + 1 < words->size()) {
        option = (*words)[++i];
      } else if (word.rfind("-o", 0) == 0 && word.size() > 2) {
        option = word.substr(2);
      } else {
        Note(which, var, "ssh argument " + fleet::ShownName(word) + " not mapped");
        continue;
      }
      const size_t sep = option.find_first_of("= ");
      std::string key = option.substr(0, sep);
      const size_t value_start = sep == std::string::npos ? std::string::npos : option.find_first_not_of("= ", sep);
      const std::string value = value_start == std::string::npos ? "" : option.substr(value_start);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (key == "stricthostkeychecking") {
        if (value == "yes" || value == "true") {
          (*ssh)["hostKeyPolicy"] = "strict";
        } else if (value == "accept-new") {
          (*ssh)["hostKeyPolicy"] = "accept-new";
        } else {
          Note(which, var, "StrictHostKeyChecking=" + fleet::ShownName(value) +
                               " not mapped: vpsfleet always verifies host keys (the Host is strict; "
                               "hostKeyPolicy: accept-new trusts the first key seen)");
        }
      } else if (key == "userknownhostsfile") {
        if (value.empty() || value[0] != '/' || value == "/dev/null") {
          Note(which, var, "UserKnownHostsFile=" + fleet::ShownName(value) +
                               " not mapped: knownHostsFile is an absolute path to a real file");
        } else {
          (*ssh)["knownHostsFile"] = value;
        }
      } else {
        Note(which, var, "ssh option " + fleet::ShownName(option) + " not mapped");
      }
    }
    return {};
  }

  Status Profile(Json* spec) {
    std::string which;
    if (const Variable* v = Take({"vpsfleet_profile"}, &which)) {
      if (!v->value.is_string()) return Failed(which, "must be the name of an AgentProfile");
      (*spec)["profile"] = v->value;
      return {};
    }
    if (options_.default_profile.empty()) {
      return Failed("", "no AgentProfile: give --profile, or set vpsfleet_profile in the inventory");
    }
    (*spec)["profile"] = options_.default_profile;
    return {};
  }

  void KeepSecret(const std::string& name, const Variable& var) {
    const std::string secret = VaultSecretName(var.origin.file);
    Json& object = secrets_[secret];
    if (object.is_null()) {
      object = {{"apiVersion", fleet::kApiVersion}, {"kind", "Secret"}, {"metadata", {{"name", secret}}},
                {"type", "Opaque"}, {"stringData", Json::object()}};
    }
    if (object["stringData"].contains(name)) return;
    object["stringData"][name] = var.value.is_string() ? var.value.get<std::string>() : fleet::DumpJson(var.value);
    Note(name, var, "decrypted from Ansible Vault into secret/" + secret + " key " + name + " (not in vars)");
  }

  const AnsibleInventory& inventory_;
  const ImportOptions& options_;
  const std::string& host_;
  const Variables vars_;
  std::vector<ImportNote>& notes_;
  std::map<std::string, Json>& secrets_;
  std::set<std::string>& unlabelled_groups_;
  std::set<std::string> used_;  // variables the spec took
};

}  // namespace

Result<ImportResult> ImportInventory(const AnsibleInventory& inventory, const ImportOptions& options) {
  ImportResult result;
  for (const std::string& warning : inventory.warnings()) result.notes.push_back({"", "", {}, warning});
  HostImport::Shared shared{result.notes, {}, {}};
  std::map<std::string, std::string> names;  // Host name -> inventory hostname
  std::vector<Json> hosts;
  // Group variables are copied into every host under the group: bounded over the import, so a
  // small file (a large aliased value on `all` and a wide range) cannot make the Hosts huge.
  size_t values = 0;
  for (const std::string& host : inventory.host_names()) {
    Variables vars = inventory.MergedVars(host);
    for (const auto& [name, var] : vars) values += 1 + ValueCount(var.value);
    if (values > kMaxImportedValues) {
      return Status::Invalid("the hosts' variables, group variables copied into each host, come to more than " +
                             std::to_string(kMaxImportedValues) + " values");
    }
    auto object = HostImport(inventory, options, host, std::move(vars), &shared).Build();
    if (!object.ok()) return object.status();
    const std::string name = (*object)["metadata"]["name"];
    if (auto [it, added] = names.emplace(name, host); !added) {
      return Status::Invalid(inventory.host(host).origin.ToString() + ": hosts " + fleet::ShownName(it->second) +
                             " and " + fleet::ShownName(host) + " would both be Host " + name);
    }
    hosts.push_back(std::move(*object));
  }
  for (auto& [name, secret] : shared.secrets) {
    if (!secret.is_null()) result.objects.push_back(std::move(secret));
  }
  for (Json& host : hosts) result.objects.push_back(std::move(host));
  return result;
}

std::string NotesText(const std::vector<ImportNote>& notes) {
  std::string out;
  for (const ImportNote& note : notes) {
    std::string line = note.origin.file.empty() ? "" : note.origin.ToString() + ": ";
    if (!note.host.empty()) line += "host " + fleet::ShownName(note.host) + ": ";
    if (!note.variable.empty()) line += note.variable + ": ";
    out += line + note.message + "\n";
  }
  return out;
}

}  // namespace ansible_compat
