// The fleet as an Ansible dynamic inventory: each Host's variables, group names, and the --list
// answer's shape (what ansible-inventory reads; the e2e test runs the real one over it).
#include <gtest/gtest.h>

#include "ansible-compat/inventory.h"

namespace ansible_compat {
namespace {

using fleet::Json;

Json HostNamed(const std::string& name, Json labels, Json spec) {
  return {{"apiVersion", "vpsfleet.io/v1alpha1"},
          {"kind", "Host"},
          {"metadata", {{"name", name}, {"labels", std::move(labels)}}},
          {"spec", std::move(spec)}};
}

TEST(HostVars, ConnectionVariablesFromTheSpecAndItsVarsAsTheyAre) {
  const struct {
    const char* name;
    Json spec;
    Json want;
  } cases[] = {
      {"defaults: port 22, strict host keys",
       {{"address", "203.0.113.20"}, {"ssh", {{"port", 22}, {"hostKeyPolicy", "strict"}}}},
       {{"ansible_host", "203.0.113.20"}, {"ansible_port", 22},
        {"ansible_ssh_common_args", "-o StrictHostKeyChecking=yes"}}},
      {"user, port, accept-new and a known_hosts file",
       {{"address", "db.example.com"},
        {"ssh", {{"port", 2222}, {"user", "deploy"}, {"hostKeyPolicy", "accept-new"},
                 {"knownHostsFile", "/etc/vpsfleet/known_hosts"}}}},
       {{"ansible_host", "db.example.com"}, {"ansible_port", 2222}, {"ansible_user", "deploy"},
        {"ansible_ssh_common_args",
         "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/etc/vpsfleet/known_hosts"}}},
      {"a known_hosts path ssh's argument splitting would cut is quoted",
       {{"address", "a"}, {"ssh", {{"knownHostsFile", "/srv/my hosts/it's"}}}},
       {{"ansible_host", "a"},
        {"ansible_ssh_common_args",
         "-o StrictHostKeyChecking=yes -o 'UserKnownHostsFile=/srv/my hosts/it'\\''s'"}}},
      {"vars kept, the connection variables win a clash",
       {{"address", "10.0.0.5"},
        {"vars", {{"extraLabels", {{"tier", "edge"}}}, {"httpListen", "127.0.0.1:9100"},
                  {"ansible_host", "elsewhere"}}}},
       {{"ansible_host", "10.0.0.5"}, {"extraLabels", {{"tier", "edge"}}},
        {"httpListen", "127.0.0.1:9100"}, {"ansible_ssh_common_args", "-o StrictHostKeyChecking=yes"}}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HostVars(HostNamed("h", Json::object(), c.spec)), c.want) << c.name;
  }
}

TEST(GroupName, CharactersAnsibleRefusesBecomeUnderscores) {
  const struct {
    const char* in;
    const char* want;
  } cases[] = {
      {"atl", "atl"},
      {"label_region_atl", "label_region_atl"},
      {"example.com/role_web-1", "example_com_role_web_1"},
      {"a b\xc3\xa9", "a_b__"},  // each byte of a multibyte character
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(GroupName(c.in), c.want) << c.in;
}

TEST(InventoryList, GroupsFromHostGroupsAndLabelsAndTheUngrouped) {
  const std::vector<Json> hosts = {
      HostNamed("atl-network", {{"vpsfleet.io/hostgroup", "atl"}, {"region", "atl"}, {"role", "network"}},
                {{"address", "100.64.2.11"}}),
      HostNamed("atl-chat", {{"vpsfleet.io/hostgroup", "atl"}, {"region", "atl"}, {"role", "chat"}},
                {{"address", "atl-chat"}}),
      HostNamed("lone", Json::object(), {{"address", "192.0.2.1"}}),
      HostNamed("odd", {{"vpsfleet.io/hostgroup", "all"}}, {{"address", "192.0.2.2"}}),
  };
  const Json got = InventoryList(hosts);
  const Json want_groups = {
      {"all", {{"children", {"ungrouped", "atl", "hostgroup_all", "label_region_atl", "label_role_chat", "label_role_network"}}}},
      {"atl", {{"hosts", {"atl-chat", "atl-network"}}}},
      {"hostgroup_all", {{"hosts", {"odd"}}}},
      {"label_region_atl", {{"hosts", {"atl-chat", "atl-network"}}}},
      {"label_role_chat", {{"hosts", {"atl-chat"}}}},
      {"label_role_network", {{"hosts", {"atl-network"}}}},
      {"ungrouped", {{"hosts", {"lone"}}}},
  };
  for (const auto& [group, body] : want_groups.items()) EXPECT_EQ(got[group], body) << group;
  EXPECT_EQ(got.size(), want_groups.size() + 1) << got.dump(2);  // and _meta
  ASSERT_TRUE(got["_meta"]["hostvars"].is_object());
  EXPECT_EQ(got["_meta"]["hostvars"].size(), 4u);
  EXPECT_EQ(got["_meta"]["hostvars"]["lone"], HostVars(hosts[2]));
}

TEST(InventoryList, NoHostsIsAnEmptyInventoryAnsibleStillReads) {
  const Json got = InventoryList({});
  EXPECT_EQ(got, Json::parse(R"({"_meta": {"hostvars": {}}, "all": {"children": ["ungrouped"]},
                                 "ungrouped": {"hosts": []}})"));
}

}  // namespace
}  // namespace ansible_compat
