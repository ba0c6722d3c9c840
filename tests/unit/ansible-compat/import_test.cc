// An Ansible inventory as vpsfleet resources: what maps where, what is never copied, and that
// every note says where the variable was written.
#include "ansible-compat/import.h"

#include <gtest/gtest.h>

#include "ansible-compat/inventory.h"
#include "tests/common/temp_dir.h"

namespace ansible_compat {
namespace {

using fleet::Json;

class ImportTest : public ::testing::Test {
 protected:
  fleet::Result<ImportResult> Import(const std::string& inventory, ImportOptions options = {"standard", false}) {
    const std::string path = dir_.Write("inv/hosts", inventory);
    auto inv = AnsibleInventory::Read({{path}, "", std::nullopt});
    if (!inv.ok()) return inv.status();
    return ImportInventory(*inv, options);
  }
  static const Json* Find(const ImportResult& r, const std::string& kind, const std::string& name) {
    for (const Json& o : r.objects) {
      if (o["kind"] == kind && o["metadata"]["name"] == name) return &o;
    }
    return nullptr;
  }
  static std::string NoteFor(const ImportResult& r, const std::string& variable) {
    for (const ImportNote& n : r.notes) {
      if (n.variable == variable) return n.origin.ToString() + " " + n.message;
    }
    return "";
  }
  testsupport::TempDir dir_;
};

TEST_F(ImportTest, ConnectionVariablesMapToTheHostSpec) {
  auto r = Import(R"([web]
Web01.Example.com ansible_host=203.0.113.7 ansible_port=2222 ansible_user=deploy app_tier=frontend
[web:vars]
ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/etc/fleet/known_hosts'
ansible_python_interpreter=/usr/bin/python3
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json* host = Find(*r, "Host", "web01-example-com");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ((*host)["metadata"]["annotations"][kInventoryHostnameAnnotation], "Web01.Example.com");
  EXPECT_EQ((*host)["metadata"]["labels"], Json({{"group.ansible.vpsfleet.io/web", ""}}));
  EXPECT_EQ((*host)["spec"]["address"], "203.0.113.7");
  EXPECT_EQ((*host)["spec"]["profile"], "standard");
  EXPECT_EQ((*host)["spec"]["ssh"], Json({{"port", 2222}, {"user", "deploy"}, {"hostKeyPolicy", "accept-new"},
                                          {"knownHostsFile", "/etc/fleet/known_hosts"}}));
  EXPECT_EQ((*host)["spec"]["vars"],
            Json({{"app_tier", "frontend"}, {"ansible_python_interpreter", "/usr/bin/python3"}}));
  // Exported again, the host has its own name, its group and its connection variables back.
  const Json list = InventoryList({*host});
  EXPECT_EQ(list["web"]["hosts"], Json::array({"Web01.Example.com"}));
  const Json& vars = list["_meta"]["hostvars"]["Web01.Example.com"];
  EXPECT_EQ(vars["ansible_host"], "203.0.113.7");
  EXPECT_EQ(vars["ansible_port"], 2222);
  EXPECT_EQ(vars["ansible_user"], "deploy");
  EXPECT_EQ(vars["ansible_ssh_common_args"],
            "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/etc/fleet/known_hosts");
}

TEST_F(ImportTest, HostWithoutAnsibleHostIsReachedByItsName) {
  auto r = Import("db1\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json* host = Find(*r, "Host", "db1");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ((*host)["spec"]["address"], "db1");
  EXPECT_FALSE((*host)["metadata"].contains("labels"));  // ungrouped
  EXPECT_FALSE((*host)["metadata"].contains("annotations"));
}

TEST_F(ImportTest, PasswordsAreNeverCopiedAndSayWhere) {
  auto r = Import("[web]\nw1 ansible_password=hunter2 ansible_become_pass=s3cret ansible_become=True\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json* host = Find(*r, "Host", "w1");
  ASSERT_NE(host, nullptr);
  const std::string dumped = host->dump();
  EXPECT_EQ(dumped.find("hunter2"), std::string::npos);
  EXPECT_EQ(dumped.find("s3cret"), std::string::npos);
  EXPECT_EQ((*host)["spec"]["vars"]["ansible_become"], true);  // kept for playbooks
  EXPECT_NE(NoteFor(*r, "ansible_password").find("hosts:2 a password: not copied"), std::string::npos)
      << NoteFor(*r, "ansible_password");
  EXPECT_NE(NoteFor(*r, "ansible_become_pass").find("not copied"), std::string::npos);
  EXPECT_NE(NoteFor(*r, "ansible_become").find("kept in vars"), std::string::npos);
  EXPECT_EQ(NotesText(r->notes).find("hunter2"), std::string::npos);
}

TEST_F(ImportTest, KeyFilesBecomeSecretReferencesAndAreReadOnlyWhenAsked) {
  const std::string key = dir_.Write("keys/deploy_ed25519",
                                     "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", 0600);
  const std::string inventory = "[web]\nw1\nw2\n[web:vars]\nansible_ssh_private_key_file=" + key + "\n";
  auto referenced = Import(inventory);
  ASSERT_TRUE(referenced.ok()) << referenced.status().message();
  const Json* w1 = Find(*referenced, "Host", "w1");
  ASSERT_NE(w1, nullptr);
  const std::string secret = (*w1)["spec"]["ssh"]["keySecretRef"];
  EXPECT_EQ(secret.rfind("ansible-key-deploy-ed25519-", 0), 0u) << secret;
  EXPECT_EQ(Find(*referenced, "Secret", secret), nullptr);  // not inlined unless asked
  EXPECT_NE(NoteFor(*referenced, "ansible_ssh_private_key_file").find("create it"), std::string::npos);

  auto inlined = Import(inventory, {"standard", true});
  ASSERT_TRUE(inlined.ok()) << inlined.status().message();
  const Json* object = Find(*inlined, "Secret", secret);
  ASSERT_NE(object, nullptr);
  EXPECT_EQ((*object)["type"], "ssh-auth");
  EXPECT_NE((*object)["stringData"]["ssh-privatekey"].get<std::string>().find("OPENSSH PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(inlined->objects.front()["kind"], "Secret");  // before the Hosts that use it
}

TEST_F(ImportTest, SshOptionsThatWouldWeakenChecksAreReportedNotMapped) {
  auto r = Import(
      "[web]\nw1 ansible_ssh_extra_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -J bastion -oX='\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json* host = Find(*r, "Host", "w1");
  ASSERT_NE(host, nullptr);
  EXPECT_FALSE((*host)["spec"].contains("ssh"));  // the schema's strict default stands
  const std::string notes = NotesText(r->notes);
  EXPECT_NE(notes.find("StrictHostKeyChecking=no not mapped"), std::string::npos) << notes;
  EXPECT_NE(notes.find("UserKnownHostsFile=/dev/null not mapped"), std::string::npos) << notes;
  EXPECT_NE(notes.find("ssh argument -J not mapped"), std::string::npos) << notes;
  EXPECT_NE(notes.find("ssh option X= not mapped"), std::string::npos) << notes;
}

TEST_F(ImportTest, WhatCannotBeAHostFailsTheWholeImportWithItsPlace) {
  const struct {
    std::string inventory;
    ImportOptions options;
    std::string want;
  } rows[] = {
      {"[web]\nw1\n", {"", false}, "hosts:2: host w1: no AgentProfile: give --profile"},
      {"[web]\nw1 ansible_port=http\n", {"standard", false}, "hosts:2: host w1: ansible_port: must be a port number"},
      {"[web]\nw1 ansible_port=70000\n", {"standard", false}, "hosts:2: host w1: spec.ssh.port"},
      {"[web]\nw1 ansible_user=Admin\n", {"standard", false}, "host w1: spec.ssh.user"},
      {"[web]\nweb.1\nweb-1\n", {"standard", false}, "hosts web.1 and web-1 would both be Host web-1"},
      {"[web]\nw1 httpListen=nope\n", {"standard", false}, "hosts:2: host w1: httpListen: spec.vars.httpListen"},
  };
  for (const auto& row : rows) {
    auto r = Import(row.inventory, row.options);
    ASSERT_FALSE(r.ok()) << row.inventory;
    EXPECT_NE(r.status().message().find(row.want), std::string::npos) << r.status().message();
  }
}

TEST_F(ImportTest, ProfileFromTheInventoryAndGroupLabels) {
  auto r = Import(R"([edge:children]
edge_eu
[edge_eu]
e1
[edge:vars]
vpsfleet_profile=edge
[_private]
e1
e2
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json* host = Find(*r, "Host", "e1");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ((*host)["spec"]["profile"], "edge");
  EXPECT_FALSE((*host)["spec"].contains("vars"));
  EXPECT_EQ((*host)["metadata"]["labels"],
            Json({{"group.ansible.vpsfleet.io/edge", ""}, {"group.ansible.vpsfleet.io/edge_eu", ""}}));
  const std::string notes = NotesText(r->notes);
  EXPECT_NE(notes.find("group _private cannot be a label key"), std::string::npos) << notes;
  EXPECT_EQ(notes.find("group _private", notes.find("group _private") + 1), std::string::npos)
      << "one note for the group, not one per host:\n" << notes;
}

// Group variables are copied into every host: a large aliased value on all and a wide range
// would make the Hosts huge, and fail the import instead.
TEST_F(ImportTest, GroupVariablesCopiedIntoManyHostsAreBounded) {
  auto r = Import(R"(all:
  vars:
    a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  hosts:
    h[0:999]:
)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than 4000000 values"), std::string::npos) << r.status().message();
}

// ansible-vault encrypt_string 'token-123' --name api_token, password "pw".
constexpr char kVaultedVars[] = R"(api_token: !vault |
          $ANSIBLE_VAULT;1.1;AES256
          31323933393535343036353136386663633561666131663635373735613736636133366434656665
          3532636436363731613538623438396661316234336134380a353466333631333865383436383866
          39636665313133663665616430316332363739323234346561366663376336616264383039656230
          3632346135326662320a353461336631376164303061313161663233306561646238356635303564
          3262
plain: visible
)";

// Vault values are decrypted only with the password, and then go to a Secret, never to vars;
// without it they are reported and left out.
TEST_F(ImportTest, VaultValuesBecomeSecretsOnlyWithThePassword) {
  const std::string path = dir_.Write("inv/hosts", "[web]\nw1\n");
  dir_.Write("inv/group_vars/web.yml", kVaultedVars);
  for (const bool with_password : {false, true}) {
    SCOPED_TRACE(with_password);
    auto inv = AnsibleInventory::Read(
        {{path}, "", with_password ? std::optional<std::string>("pw") : std::nullopt});
    ASSERT_TRUE(inv.ok()) << inv.status().message();
    auto r = ImportInventory(*inv, {"standard", false});
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Json* host = Find(*r, "Host", "w1");
    ASSERT_NE(host, nullptr);
    EXPECT_EQ((*host)["spec"]["vars"], Json({{"plain", "visible"}}));
    EXPECT_EQ(host->dump().find("ANSIBLE_VAULT"), std::string::npos);
    const std::string note = NoteFor(*r, "api_token");
    EXPECT_NE(note.find("web.yml:1"), std::string::npos) << note;
    if (!with_password) {
      EXPECT_NE(note.find("not copied"), std::string::npos) << note;
      EXPECT_EQ(r->objects.size(), 1u);
      continue;
    }
    ASSERT_EQ(r->objects.size(), 2u);
    const Json& secret = r->objects.front();
    EXPECT_EQ(secret["kind"], "Secret");
    EXPECT_EQ(secret["stringData"], Json({{"api_token", "token-123"}}));
    EXPECT_NE(note.find("into secret/" + secret["metadata"]["name"].get<std::string>()), std::string::npos) << note;
  }
  auto wrong = AnsibleInventory::Read({{path}, "", std::optional<std::string>("nope")});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("web.yml:1: vault: wrong vault password"), std::string::npos)
      << wrong.status().message();
}

}  // namespace
}  // namespace ansible_compat
