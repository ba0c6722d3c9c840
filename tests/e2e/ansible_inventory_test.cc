// vpsfleet and the real Debian ansible on the same fleet, both ways:
//   - the fleet as an Ansible dynamic inventory: ansible-inventory sees the controller's hosts,
//     groups and connection variables through a two-line script that runs `fleetctl inventory`,
//     and `ansible -m ping` reaches loopback sshd hosts with them, verifying each host's key
//     against the known_hosts file its Host names;
//   - an Ansible inventory imported (`fleetctl import ansible`): every host gets the variables
//     ansible-inventory merges for it, and the imported fleet, exported again, is the same
//     inventory to ansible.
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fleet/core/yaml_codec.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace {

using Json = nlohmann::json;

void WriteFile(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

class AnsibleInventoryE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<e2e::Controller>(tmp_.path());
    ASSERT_TRUE(controller_->Start()) << controller_->Log();
    // ansible keeps its temporary files under the test's dir, and opens no persistent SSH
    // master connection: one would outlive the test, and would let a later run skip the host
    // key check the last case makes fail.
    env_ = {{"ANSIBLE_HOME", (tmp_.path() / "ansible").string()},
            {"ANSIBLE_LOCAL_TEMP", (tmp_.path() / "ansible" / "tmp").string()},
            {"ANSIBLE_SSH_ARGS", "-o ControlMaster=no"},
            {"ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3"},
            {"ANSIBLE_NOCOLOR", "1"},
            {"ANSIBLE_INVENTORY_ENABLED", "script,yaml,ini"}};
    script_ = tmp_.path() / "fleet-inventory";
    WriteFile(script_, "#!/bin/sh\nexec '" + e2e::Bin("fleetctl") + "' --server " + controller_->url() +
                           " --token-file '" + controller_->token_file() + "' inventory \"$@\"\n",
              0755);
  }

  e2e::CommandResult Ansible(std::vector<std::string> argv) {
    return e2e::Run(argv, "", env_, std::chrono::seconds(120));
  }

  e2e::TempDir tmp_;
  std::unique_ptr<e2e::Controller> controller_;
  std::map<std::string, std::string> env_;
  std::filesystem::path script_;
};

TEST_F(AnsibleInventoryE2E, AnsibleReadsTheFleetAndPingsItsHosts) {
  e2e::SshHost one, two;
  const std::filesystem::path known_hosts = tmp_.path() / "known_hosts";
  auto known_line = [](const e2e::SshHost& h, const e2e::SshHost& key_of) {
    return "[127.0.0.1]:" + std::to_string(h.port()) + " " + key_of.host_public_key() + "\n";
  };
  WriteFile(known_hosts, known_line(one, one) + known_line(two, two), 0644);
  WriteFile(tmp_.path() / "key-one", one.client_private_key(), 0600);
  WriteFile(tmp_.path() / "key-two", two.client_private_key(), 0600);

  // web-1 a Host of its own, web-2 a HostGroup's; both labelled role=web.
  auto secret = [](const std::string& name, const e2e::SshHost& h) {
    return "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: " + name +
           "}\ntype: ssh-auth\nstringData:\n  ssh-privatekey: |\n" + e2e::Indent(h.client_private_key(), 4) + "---\n";
  };
  auto ssh = [&](const e2e::SshHost& h, const std::string& key) {
    return "{port: " + std::to_string(h.port()) + ", user: root, keySecretRef: " + key +
           ", knownHostsFile: '" + known_hosts.string() + "'}";
  };
  const std::string fleet =
      secret("key-one", one) + secret("key-two", two) +
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec: {}\n---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-1, labels: {role: web}}\n"
      "spec: {address: 127.0.0.1, profile: standard, ssh: " + ssh(one, "key-one") + "}\n---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: edge, labels: {role: web}}\n"
      "spec:\n  defaults: {profile: standard}\n  hosts:\n"
      "    - {name: web-2, address: 127.0.0.1, ssh: " + ssh(two, "key-two") + ", vars: {site: fra}}\n";
  auto applied = controller_->Fleetctl({"apply", "-f", "-"}, fleet);
  ASSERT_EQ(applied.exit_code, 0) << applied.err << applied.out;

  auto listed = Ansible({"ansible-inventory", "-i", script_.string(), "--list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const Json inventory = Json::parse(listed.out);
  EXPECT_EQ(inventory["edge"]["hosts"], Json({"web-2"})) << listed.out;
  EXPECT_EQ(inventory["label_role_web"]["hosts"], Json({"web-1", "web-2"})) << listed.out;
  const Json vars = inventory["_meta"]["hostvars"]["web-2"];
  EXPECT_EQ(vars["ansible_host"], "127.0.0.1");
  EXPECT_EQ(vars["ansible_port"], two.port());
  EXPECT_EQ(vars["ansible_user"], "root");
  EXPECT_EQ(vars["site"], "fra");

  auto host = Ansible({"ansible-inventory", "-i", script_.string(), "--host", "web-1"});
  ASSERT_EQ(host.exit_code, 0) << host.err;
  EXPECT_EQ(Json::parse(host.out)["ansible_port"], one.port()) << host.out;

  for (const auto& [name, key] : {std::pair{"web-1", "key-one"}, std::pair{"web-2", "key-two"}}) {
    auto ping = Ansible({"ansible", "all", "-i", script_.string(), "--limit", name, "-m", "ping", "-o",
                         "--private-key", (tmp_.path() / key).string()});
    EXPECT_EQ(ping.exit_code, 0) << name << "\n" << ping.out << ping.err;
    EXPECT_NE(ping.out.find(std::string(name) + " | SUCCESS"), std::string::npos) << ping.out;
    EXPECT_NE(ping.out.find("\"ping\": \"pong\""), std::string::npos) << ping.out;
  }

  // The host key is checked against the Host's known_hosts file: with web-2 listed under
  // web-1's key, ansible refuses to talk to it.
  WriteFile(known_hosts, known_line(one, one) + known_line(two, one), 0644);
  auto refused = Ansible({"ansible", "all", "-i", script_.string(), "--limit", "web-2", "-m", "ping", "-o",
                          "--private-key", (tmp_.path() / "key-two").string()});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE((refused.out + refused.err).find("UNREACHABLE"), std::string::npos) << refused.out << refused.err;
}

// The hosts, groups (members through children included) and variables ansible-inventory --list
// shows: {"groups": {group: [hosts]}, "hostvars": {host: vars}}.
Json Flattened(const Json& listed) {
  Json groups = Json::object();
  std::function<std::set<std::string>(const std::string&)> members = [&](const std::string& g) {
    std::set<std::string> out;
    for (const auto& h : listed[g].value("hosts", Json::array())) out.insert(h.get<std::string>());
    for (const auto& c : listed[g].value("children", Json::array())) {
      for (const std::string& h : members(c)) out.insert(h);
    }
    return out;
  };
  for (const auto& [name, body] : listed.items()) {
    if (name == "_meta" || name == "all" || name == "ungrouped") continue;
    groups[name] = members(name);
  }
  return {{"groups", groups}, {"hostvars", listed["_meta"]["hostvars"]}};
}

// A realistic inventory: INI and YAML sources, ranges, children, group_vars/host_vars files and
// directories, a group priority, Python and YAML 1.1 literals, a Vault-encrypted variable. The
// import gives each host what ansible-inventory merges for it; applied and exported again,
// ansible-inventory sees the same hosts, groups and connection variables, and ansible reaches
// the two loopback sshd hosts through it.
TEST_F(AnsibleInventoryE2E, ImportMatchesAnsibleInventoryAndRoundTrips) {
  e2e::SshHost one, two;
  const std::filesystem::path dir = tmp_.path();
  const std::filesystem::path known_hosts = dir / "known_hosts";
  WriteFile(known_hosts,
            "[127.0.0.1]:" + std::to_string(one.port()) + " " + one.host_public_key() + "\n" +
                "[127.0.0.1]:" + std::to_string(two.port()) + " " + two.host_public_key() + "\n",
            0644);
  WriteFile(dir / "key-one", one.client_private_key(), 0600);
  WriteFile(dir / "key-two", two.client_private_key(), 0600);
  WriteFile(dir / "vault-pass", "correct horse\n", 0600);
  for (const char* sub : {"inv/group_vars/web", "inv/group_vars/db", "inv/host_vars", "inv2/group_vars"}) {
    std::filesystem::create_directories(dir / sub);
  }
  WriteFile(dir / "inv/hosts.ini",
            "[reachable]\n"
            "one.example.test ansible_host=127.0.0.1 ansible_port=" + std::to_string(one.port()) +
                " ansible_ssh_private_key_file=" + (dir / "key-one").string() + "\n"
            "two.example.test ansible_host=127.0.0.1 ansible_port=" + std::to_string(two.port()) +
                " ansible_ssh_private_key_file=" + (dir / "key-two").string() + " rack='r2'\n"
            "[web]\n"
            "web[01:04].example.test http_port=8080 weight=0x10\n"
            "one.example.test\n"
            "[db]\n"
            "db-[a:b].example.test\n"
            "[eu:children]\nweb\ndb\n"
            "[eu:vars]\nregion=eu\ntier=default\n"
            "[web:vars]\ntier=web\n"
            "[all:vars]\n"
            "ansible_user=root\n"
            "ansible_ssh_common_args='-o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + known_hosts.string() + "'\n"
            "ntp_servers=['0.pool', '1.pool']\n",
            0644);
  WriteFile(dir / "inv/group_vars/all.yml", "timezone: UTC\nntp_servers: [a.pool, b.pool]\nbackups: yes\n", 0644);
  WriteFile(dir / "inv/group_vars/web/10-main.yml", "http_port: 80\nworkers: 4\n", 0644);
  WriteFile(dir / "inv/group_vars/web/20-tuning.yaml", "workers: 8\nmode: 0640\n", 0644);
  WriteFile(dir / "inv/host_vars/db-a.example.test.yml", "tier: db-a\n", 0644);
  WriteFile(dir / "inv2/monitoring.yml",
            "all:\n  children:\n    monitoring:\n      hosts:\n        two.example.test: {tier: mon-host}\n"
            "        db-b.example.test:\n"
            "      vars: {ansible_group_priority: 10, scrape: on, tier: mon-group, region: global}\n",
            0644);
  WriteFile(dir / "inv2/group_vars/monitoring.json", R"({"retention": "15d"})", 0644);
  auto vaulted = e2e::Run({"ansible-vault", "encrypt_string", "--vault-password-file", (dir / "vault-pass").string(),
                           "db-secret-value", "--name", "db_password"}, "", env_);
  ASSERT_EQ(vaulted.exit_code, 0) << vaulted.err;
  WriteFile(dir / "inv/group_vars/db/vault.yml", vaulted.out, 0644);

  const std::vector<std::string> sources = {"-i", (dir / "inv/hosts.ini").string(), "-i",
                                            (dir / "inv2/monitoring.yml").string(), "--vault-password-file",
                                            (dir / "vault-pass").string()};
  std::vector<std::string> list = {"ansible-inventory", "--list"};
  list.insert(list.end(), sources.begin(), sources.end());
  auto listed = Ansible(list);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const Json ansible = Flattened(Json::parse(listed.out));
  ASSERT_EQ(ansible["hostvars"].size(), 8u) << listed.out;

  auto applied = controller_->Fleetctl(
      {"apply", "-f", "-"}, "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec: {}\n");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  std::vector<std::string> import = {"import", "ansible", "--profile", "standard", "--inline-keys"};
  import.insert(import.end(), sources.begin(), sources.end());
  auto printed = controller_->Fleetctl(import);
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.err.find("decrypted from Ansible Vault into secret/"), std::string::npos) << printed.err;

  // Every host has the variables ansible merges for it: the connection ones in the spec, the
  // password-free rest in vars, the vaulted one in a Secret.
  std::map<std::string, Json> hosts, secrets;
  auto docs = fleet::ParseYamlDocuments(printed.out, "<import>");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  for (const fleet::Document& document : *docs) {
    const Json& doc = document.object;
    if (doc["kind"] == "Secret") secrets[doc["metadata"]["name"]] = doc;
    if (doc["kind"] != "Host") continue;
    const Json annotations = doc["metadata"].value("annotations", Json::object());
    hosts[annotations.value("ansible.vpsfleet.io/inventory-hostname", doc["metadata"]["name"].get<std::string>())] = doc;
  }
  ASSERT_EQ(hosts.size(), 8u) << printed.out;
  ASSERT_EQ(secrets.size(), 3u) << printed.out;  // two keys (--inline-keys) and the vault's
  for (const auto& [name, vars] : ansible["hostvars"].items()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(hosts.count(name));
    const Json& spec = hosts[name]["spec"];
    EXPECT_EQ(spec["address"], vars.value("ansible_host", name));
    EXPECT_EQ(spec["ssh"].value("user", ""), vars["ansible_user"]);
    if (vars.contains("ansible_port")) {
      EXPECT_EQ(spec["ssh"]["port"], vars["ansible_port"]);
    }
    EXPECT_EQ(spec["ssh"]["hostKeyPolicy"], "strict");
    EXPECT_EQ(spec["ssh"]["knownHostsFile"], known_hosts.string());
    Json rest = vars;
    for (const char* mapped : {"ansible_host", "ansible_port", "ansible_user", "ansible_ssh_common_args",
                               "ansible_ssh_private_key_file", "db_password"}) {
      rest.erase(mapped);
    }
    EXPECT_EQ(spec.value("vars", Json::object()), rest);
    if (vars.contains("db_password")) {  // ansible-inventory shows it still encrypted
      auto vault = secrets.lower_bound("ansible-vault-");
      ASSERT_NE(vault, secrets.end());
      EXPECT_EQ(vault->second["stringData"]["db_password"], "db-secret-value");
    }
  }
  EXPECT_EQ(hosts["web02.example.test"]["spec"]["vars"]["http_port"], 8080);  // the host line beats group_vars
  EXPECT_EQ(hosts["one.example.test"]["spec"]["vars"]["http_port"], 80);
  EXPECT_EQ(hosts["two.example.test"]["spec"]["vars"]["tier"], "mon-host");
  EXPECT_EQ(hosts["db-b.example.test"]["spec"]["vars"]["tier"], "mon-group");  // priority 10 beats eu

  // Applied, then exported: the same hosts, groups and connection variables for ansible.
  import.push_back("--apply");
  auto imported = controller_->Fleetctl(import);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto exported = Ansible({"ansible-inventory", "-i", script_.string(), "--list"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const Json back = Flattened(Json::parse(exported.out));
  EXPECT_EQ(back["groups"], ansible["groups"]) << exported.out;
  for (const auto& [name, vars] : ansible["hostvars"].items()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(back["hostvars"].contains(name)) << exported.out;
    const Json& got = back["hostvars"][name];
    EXPECT_EQ(got["ansible_host"], vars.value("ansible_host", name));
    EXPECT_EQ(got["ansible_user"], vars["ansible_user"]);
    if (vars.contains("ansible_port")) {
      EXPECT_EQ(got["ansible_port"], vars["ansible_port"]);
    }
    EXPECT_EQ(got["ansible_ssh_common_args"], vars["ansible_ssh_common_args"]);
  }
  for (const auto& [name, key] : {std::pair{"one.example.test", "key-one"}, std::pair{"two.example.test", "key-two"}}) {
    auto ping = Ansible({"ansible", "reachable", "-i", script_.string(), "--limit", name, "-m", "ping", "-o",
                         "--private-key", (dir / key).string()});
    EXPECT_EQ(ping.exit_code, 0) << name << "\n" << ping.out << ping.err;
    EXPECT_NE(ping.out.find(std::string(name) + " | SUCCESS"), std::string::npos) << ping.out;
  }
}

}  // namespace
