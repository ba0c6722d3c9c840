// Reading Ansible inventories as Ansible 2.14 reads them. The e2e test
// (tests/e2e/ansible_import_test.cc) compares the same kind of inventory with the real
// ansible-inventory; these tables pin each rule on its own.
#include "ansible-compat/ansible_inventory.h"

#include <gtest/gtest.h>

#include "fleet/core/text.h"
#include "tests/common/temp_dir.h"

namespace ansible_compat {
namespace {

using fleet::Json;

Json ValuesOf(const Variables& vars) {
  Json out = Json::object();
  for (const auto& [name, var] : vars) out[name] = var.value;
  return out;
}

class AnsibleInventoryTest : public ::testing::Test {
 protected:
  fleet::Result<AnsibleInventory> Read(const std::vector<std::string>& files,
                                       std::optional<std::string> password = std::nullopt) {
    InventoryOptions options;
    for (const std::string& f : files) options.sources.push_back((dir_.path() / f).string());
    options.vault_password = std::move(password);
    return AnsibleInventory::Read(options);
  }
  testsupport::TempDir dir_;
};

TEST_F(AnsibleInventoryTest, IniGroupsChildrenVarsAndUngrouped) {
  dir_.Write("hosts", R"(# a comment
; another
loose.example.com
[web]
web[01:03].example.com ansible_user=deploy
db1 ansible_port=2222 backup=True   # trailing comment

[db:children]
dbs_eu

[dbs_eu]
db1:2200
[web:vars]
http_port=8080
owner = team web
[all:vars]
ntp=pool.ntp.org
)");
  auto inv = Read({"hosts"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->host_names(), (std::vector<std::string>{"loose.example.com", "web01.example.com",
                                                         "web02.example.com", "web03.example.com", "db1"}));
  EXPECT_EQ(inv->GroupsOf("loose.example.com"), (std::set<std::string>{"all", "ungrouped"}));
  EXPECT_EQ(inv->GroupsOf("db1"), (std::set<std::string>{"all", "web", "db", "dbs_eu"}));
  EXPECT_EQ(inv->groups().at("dbs_eu").depth, 2);
  EXPECT_EQ(ValuesOf(inv->MergedVars("web02.example.com")),
            Json({{"ansible_user", "deploy"}, {"http_port", 8080}, {"owner", "team web"}, {"ntp", "pool.ntp.org"}}));
  // A later line's :port replaces the ansible_port of an earlier one for the same host, and vars
  // on host lines are the host's own (they beat every group's).
  Json db1 = ValuesOf(inv->MergedVars("db1"));
  EXPECT_EQ(db1["ansible_port"], 2200);
  EXPECT_EQ(db1["backup"], true);
  const Variables merged = inv->MergedVars("db1");
  EXPECT_EQ(merged.at("ansible_port").origin.ToString(), (dir_.path() / "hosts").string() + ":12");
}

TEST_F(AnsibleInventoryTest, YamlInventoryWithYaml11Types) {
  dir_.Write("inv.yml", R"(
all:
  vars: {flag_yes: yes, flag_off: off, mode: 0755, sexa: 1:30, quoted: "yes", nothing: ~, f: 1.5, e: 1e3}
  hosts:
    bastion:
  children:
    web:
      hosts:
        web[1:2]:
          ansible_host: 10.0.0.1
      vars:
        ansible_group_priority: 5
    db:
      hosts: db1
)");
  auto inv = Read({"inv.yml"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->host_names(), (std::vector<std::string>{"bastion", "web1", "web2", "db1"}));
  EXPECT_EQ(inv->GroupsOf("bastion"), (std::set<std::string>{"all", "ungrouped"}));
  EXPECT_EQ(inv->groups().at("web").priority, 5);
  const Json vars = ValuesOf(inv->MergedVars("web1"));
  EXPECT_EQ(vars["flag_yes"], true);
  EXPECT_EQ(vars["flag_off"], false);
  EXPECT_EQ(vars["mode"], 493);
  EXPECT_EQ(vars["sexa"], 90);
  EXPECT_EQ(vars["quoted"], "yes");
  EXPECT_EQ(vars["nothing"], nullptr);
  EXPECT_EQ(vars["f"], 1.5);
  EXPECT_EQ(vars["e"], "1e3");  // PyYAML's float needs a dot
  EXPECT_EQ(vars["ansible_host"], "10.0.0.1");
  EXPECT_FALSE(vars.contains("ansible_group_priority"));
}

// all < parent < child < host; inventory vars < group_vars files < host line < host_vars files;
// groups of one depth by ansible_group_priority, then name.
TEST_F(AnsibleInventoryTest, PrecedenceFollowsAnsible) {
  dir_.Write("inv/hosts.yml", R"(
all:
  vars: {v_all: inv, v_parent: inv-all, v_child: inv-all, v_host: inv-all, v_file: inv-all}
  children:
    parent:
      vars: {v_parent: inv-parent, v_child: inv-parent, v_prio: parent}
      children:
        child:
          vars: {v_child: inv-child}
          hosts:
            h1: {v_host: inv-host, v_file: inv-host}
    alpha: {hosts: {h1: }, vars: {v_prio: alpha, v_same: alpha}}
    beta: {hosts: {h1: }, vars: {v_same: beta}}
)");
  dir_.Write("inv/group_vars/all.yml", "v_file: gv-all\nv_all: gv-all\n");
  dir_.Write("inv/group_vars/parent/10-a.yml", "v_gv: gv-parent-a\n");
  dir_.Write("inv/group_vars/parent/20-b.yaml", "v_gv: gv-parent-b\n");
  dir_.Write("inv/group_vars/child", "v_parent: gv-child\n");
  dir_.Write("inv/host_vars/h1.json", R"({"v_file": "hv-h1"})");
  auto inv = Read({"inv/hosts.yml"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  const Json vars = ValuesOf(inv->MergedVars("h1"));
  EXPECT_EQ(vars["v_all"], "gv-all");           // group_vars/all beats the inventory's all
  EXPECT_EQ(vars["v_parent"], "gv-child");      // any group_vars file beats inventory group vars
  EXPECT_EQ(vars["v_child"], "inv-child");      // the child beats its parent
  EXPECT_EQ(vars["v_host"], "inv-host");        // the host beats its groups
  EXPECT_EQ(vars["v_file"], "hv-h1");           // host_vars beats the inventory host line
  EXPECT_EQ(vars["v_gv"], "gv-parent-b");       // a directory's files in name order
  EXPECT_EQ(vars["v_prio"], "parent");          // depth 1 alike: "parent" sorts after "alpha"
  EXPECT_EQ(vars["v_same"], "beta");
  EXPECT_EQ(inv->MergedVars("h1").at("v_file").origin.file, (dir_.path() / "inv/host_vars/h1.json").string());
}

TEST_F(AnsibleInventoryTest, PlaybookDirVarsComeAfterTheInventorys) {
  dir_.Write("inv/hosts", "[web]\nw1\n");
  dir_.Write("inv/group_vars/web.yml", "a: inv\nb: inv\n");
  dir_.Write("play/group_vars/web.yml", "a: play\n");
  InventoryOptions options{{(dir_.path() / "inv/hosts").string()}, (dir_.path() / "play").string(), std::nullopt};
  auto inv = AnsibleInventory::Read(options);
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(ValuesOf(inv->MergedVars("w1")), Json({{"a", "play"}, {"b", "inv"}}));
}

TEST_F(AnsibleInventoryTest, DirectorySourceSkipsWhatAnsibleIgnores) {
  dir_.Write("inv/10-hosts.yml", "all: {hosts: {a: }}\n");
  dir_.Write("inv/20-more", "b\n");
  dir_.Write("inv/old.ini", "c\n");
  dir_.Write("inv/notes.md", "d\n");
  dir_.Write("inv/.hidden", "e\n");
  dir_.Write("inv/group_vars/all.yml", "x: 1\n");
  auto inv = Read({"inv"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->host_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ValuesOf(inv->MergedVars("b")), Json({{"x", 1}}));
}

TEST_F(AnsibleInventoryTest, ErrorsNameTheFileAndLine) {
  const struct {
    const char* content;
    const char* want;
  } rows[] = {
      {"[web:vars]\nx=1\n", "hosts:1: Section [web:vars] not valid for undefined group: web"},
      {"[web:children]\nnope\n", "hosts:2: Section [web:children] includes undefined group: nope"},
      {"[web]\nh1 novalue\n", "hosts:2: Expected key=value host variable assignment, got: novalue"},
      {"[web:bogus]\n", "hosts:1: Section [web:bogus] has unknown type: bogus"},
      {"[web]\nh1 x='open\n", "hosts:2: Error parsing host definition"},
      {"[web]\nh[1:a]\n", "hosts:2: host range bounds must be numbers or single letters"},
      {"[web]\nh[01:100]\n", "hosts:2: host range must specify equal-length begin and end formats"},
      {"[web]\nh[0:999999]\n", "more than 100000 hosts"},
      {"[a:children]\nb\n[b:children]\na\n", "is its own ancestor"},
      {"[web ]\nh1\n", "hosts:1: Invalid section entry"},
  };
  for (const auto& r : rows) {
    dir_.Write("hosts", r.content);
    auto inv = Read({"hosts"});
    ASSERT_FALSE(inv.ok()) << r.content;
    EXPECT_NE(inv.status().message().find(r.want), std::string::npos) << inv.status().message();
  }
}

TEST_F(AnsibleInventoryTest, HostileFilesAreBounded) {
  // A billion-laughs alias tree: small on disk, huge when expanded.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    laughs += std::string(1, c) + ": &" + c + " [*" + static_cast<char>(c - 1) + ", *" +
              static_cast<char>(c - 1) + ", *" + static_cast<char>(c - 1) + ", *" +
              static_cast<char>(c - 1) + ", *" + static_cast<char>(c - 1) + ", *" +
              static_cast<char>(c - 1) + ", *" + static_cast<char>(c - 1) + ", *" +
              static_cast<char>(c - 1) + ", *" + static_cast<char>(c - 1) + ", *" +
              static_cast<char>(c - 1) + "]\n";
  }
  dir_.Write("laughs/hosts", "[web]\nw1\n");
  dir_.Write("laughs/group_vars/web.yml", laughs);
  auto inv = Read({"laughs/hosts"});
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("more than 1000000 YAML nodes"), std::string::npos);

  dir_.Write("big/hosts", std::string(kMaxInventoryFileBytes + 1, '#'));
  inv = Read({"big/hosts"});
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("longer than"), std::string::npos) << inv.status().message();

  dir_.Write("utf8/hosts", "[web]\nw\xff\n");
  inv = Read({"utf8/hosts"});
  ASSERT_FALSE(inv.ok());
  EXPECT_TRUE(fleet::IsUtf8(inv.status().message()));
}

TEST_F(AnsibleInventoryTest, Yaml11EdgesAndMergeKeys) {
  dir_.Write("inv.yml", R"(
all:
  vars:
    <<: {merged: 1, kept: merged}
    kept: own
    dot: ._
    huge: 1.0e+400
    tiny: 1.0e-400
    sexa_overflow: 999999999999999999:0
    sexa_float: 1:30.5
    big_int: 99999999999999999999
  hosts:
    h1:
)");
  auto inv = Read({"inv.yml"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  const Json vars = ValuesOf(inv->MergedVars("h1"));
  EXPECT_EQ(vars["merged"], 1);
  EXPECT_EQ(vars["kept"], "own");
  EXPECT_FALSE(vars.contains("<<"));
  EXPECT_EQ(vars["dot"], "._");
  EXPECT_EQ(vars["huge"], "1.0e+400");  // inf in PyYAML; JSON has none
  EXPECT_EQ(vars["tiny"], 0.0);
  EXPECT_EQ(vars["sexa_overflow"], "999999999999999999:0");
  EXPECT_EQ(vars["sexa_float"], 90.5);
  EXPECT_EQ(vars["big_int"], "99999999999999999999");
}

// What Ansible refuses in a YAML inventory's structure, and a port of 0, which it leaves unset.
TEST_F(AnsibleInventoryTest, StructureRulesAndPorts) {
  for (const char* bad : {"all:\n  vars: 5\n", "all:\n  children: 5\n", "5:\n  hosts: {h: }\n",
                          "all:\n  hosts: {1234: }\n"}) {
    dir_.Write("bad.yml", bad);
    EXPECT_FALSE(Read({"bad.yml"}).ok()) << bad;
  }
  dir_.Write("hosts", "h:0\nh2:2222\nh3:123456\n");
  auto inv = Read({"hosts"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_FALSE(inv->MergedVars("h").count("ansible_port"));
  EXPECT_EQ(inv->MergedVars("h2").at("ansible_port").value, 2222);
  EXPECT_EQ(inv->MergedVars("h3").at("ansible_port").value, 123456);  // the schema refuses it at import
}

// Found by the fuzz target: shapes that cost a deep stack, an endless loop or a huge tree.
TEST_F(AnsibleInventoryTest, LongChainsAndAmplificationAreBounded) {
  std::string chain;  // [g1:children] g0, [g2:children] g1, ... declared before g0 exists
  for (int i = 0; i < 50000; ++i) chain += "[g" + std::to_string(i + 1) + ":children]\ng" + std::to_string(i) + "\n";
  chain += "[g0]\nh\n";
  dir_.Write("chain", chain);
  auto inv = Read({"chain"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->groups().at("g0").depth, 50001);
  EXPECT_EQ(inv->GroupsOf("h").size(), 50002u);

  dir_.Write("amplified.yml", R"(
all:
  vars:
    a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  hosts:
    h[0:9999]: {x: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}
)");
  inv = Read({"amplified.yml"});
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("values in all"), std::string::npos) << inv.status().message();

  std::string repeated;  // one range written again and again: each copy costs again
  for (int i = 0; i < 11; ++i) repeated += "h[0:99999]\n";
  dir_.Write("repeated", repeated);
  inv = Read({"repeated"});
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("more than 1000000 host entries"), std::string::npos) << inv.status().message();

  std::string groups = "x0: &g0 {hosts: {h: }}\n";  // each level names the one below twice
  for (int k = 1; k <= 25; ++k) {
    groups += "x" + std::to_string(k) + ": &g" + std::to_string(k) + " {children: {a" + std::to_string(k) + ": *g" +
              std::to_string(k - 1) + ", b" + std::to_string(k) + ": *g" + std::to_string(k - 1) + "}}\n";
  }
  dir_.Write("groups.yml", groups);
  inv = Read({"groups.yml"});
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("more than 1000000 YAML nodes"), std::string::npos) << inv.status().message();
}

TEST(HostPatternTest, RangesExpandAsAnsibleDoes) {
  const struct {
    const char* pattern;
    std::vector<std::string> want;
  } rows[] = {
      {"web", {"web"}},
      {"web[1:3]", {"web1", "web2", "web3"}},
      {"web[01:03].x", {"web01.x", "web02.x", "web03.x"}},
      {"db-[a:c]", {"db-a", "db-b", "db-c"}},
      {"n[1:9:4]", {"n1", "n5", "n9"}},
      {"n[:2]", {"n0", "n1", "n2"}},
      {"r[1:2]c[a:b]", {"r1ca", "r1cb", "r2ca", "r2cb"}},
      {"h[0:9]x[1:0]", {}},  // an empty range names no host
      {"n[3:1]", {}},
  };
  for (const auto& r : rows) {
    auto got = ExpandHostPattern(r.pattern);
    ASSERT_TRUE(got.ok()) << r.pattern << ": " << got.status().message();
    EXPECT_EQ(*got, r.want) << r.pattern;
  }
}

TEST(HostPatternTest, WideOrManyRangesAreRefusedBeforeExpanding) {
  EXPECT_EQ(ExpandHostPattern("h[0:99999]")->size(), kMaxInventoryHosts);
  for (const std::string& pattern : {std::string("h[0:100000]"), std::string("h[0:999999999]"),
                                     std::string("h[0:999][0:999]"), std::string("h[0:999999999]x[1:0]"), "h" + std::string(20000 * 5, ' ')}) {
    std::string p = pattern;
    if (p.find(' ') != std::string::npos) {  // 20,000 one-value ranges
      p = "h";
      for (int i = 0; i < 20000; ++i) p += "[0:0]";
    }
    auto names = ExpandHostPattern(p);
    ASSERT_FALSE(names.ok()) << p.substr(0, 40);
    EXPECT_EQ(names.status().code(), fleet::Code::kInvalid);
  }
}

TEST(ShlexTest, SplitsAsPythonsShlex) {
  const struct {
    const char* line;
    std::vector<std::string> want;
  } rows[] = {
      {"h1 a=1 b='x y'", {"h1", "a=1", "b=x y"}},
      {"h1 a=\"q \\\" q\" # comment", {"h1", "a=q \" q"}},
      {"h1 a=b#c d=e", {"h1", "a=b"}},
      {"h1 a=\\ b", {"h1", "a= b"}},
      {"h1 a=''", {"h1", "a="}},
  };
  for (const auto& r : rows) {
    auto got = ShlexSplit(r.line);
    ASSERT_TRUE(got.ok()) << r.line;
    EXPECT_EQ(*got, r.want) << r.line;
  }
  EXPECT_FALSE(ShlexSplit("a 'open").ok());
  EXPECT_FALSE(ShlexSplit("a \\").ok());
}

}  // namespace
}  // namespace ansible_compat
