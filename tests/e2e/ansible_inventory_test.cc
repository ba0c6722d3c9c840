// The fleet as an Ansible dynamic inventory, read by the real Debian ansible: ansible-inventory
// sees the controller's hosts, groups and connection variables through a two-line script that runs
// `fleetctl inventory`, and `ansible -m ping` reaches loopback sshd hosts with them, verifying
// each host's key against the known_hosts file its Host names.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
            {"ANSIBLE_INVENTORY_ENABLED", "script"}};
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

}  // namespace
