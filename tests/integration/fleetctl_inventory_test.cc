// `fleetctl inventory` against the controller's API server: the example fleet as an Ansible
// dynamic inventory, one host's variables, a selector, and the exit codes of the wrong calls.
#include <nlohmann/json.hpp>

#include "fleet/core/text.h"
#include "tests/integration/api_fixture.h"

namespace fleetctl {
namespace {

using Json = nlohmann::json;

class InventoryCommandTest : public ApiServerFixture {
 protected:
  void SetUp() override {
    ApiServerFixture::SetUp();
    auto applied = Fleetctl({"apply", "-f", std::string(VPSFLEET_SOURCE_DIR) + "/examples/hosts.yaml"});
    ASSERT_EQ(applied.rc, 0) << applied.err;
  }
};

TEST_F(InventoryCommandTest, ListsEveryHostWithItsVariablesAndGroups) {
  auto listed = Fleetctl({"inventory", "--list"});
  ASSERT_EQ(listed.rc, 0) << listed.err;
  const Json inventory = Json::parse(listed.out);
  EXPECT_EQ(inventory["atl"]["hosts"], Json({"atl-chat", "atl-network"}));
  EXPECT_EQ(inventory["label_region_atl"]["hosts"], Json({"atl-chat", "atl-network"}));
  EXPECT_EQ(inventory["label_role_db"]["hosts"], Json({"fra-db"}));
  EXPECT_EQ(inventory["ungrouped"]["hosts"], Json::array());
  const Json fra = inventory["_meta"]["hostvars"]["fra-db"];
  EXPECT_EQ(fra["ansible_host"], "203.0.113.20");
  EXPECT_EQ(fra["ansible_port"], 2222);
  EXPECT_EQ(fra["ansible_user"], "deploy");
  EXPECT_EQ(fra["ansible_ssh_common_args"], "-o StrictHostKeyChecking=accept-new");
  // A HostGroup's entry gets the group's defaults and keeps its vars.
  const Json network = inventory["_meta"]["hostvars"]["atl-network"];
  EXPECT_EQ(network["ansible_user"], "root");
  EXPECT_EQ(network["extraLabels"], Json({{"tier", "edge"}}));
  // The deploy key is a Secret: no variable carries it.
  EXPECT_EQ(listed.out.find("PRIVATE KEY"), std::string::npos);

  auto one = Fleetctl({"inventory", "--host", "fra-db"});
  ASSERT_EQ(one.rc, 0) << one.err;
  EXPECT_EQ(Json::parse(one.out), fra);
}

TEST_F(InventoryCommandTest, ASelectorNarrowsTheList) {
  auto listed = Fleetctl({"inventory", "--list", "-l", "region=fra"});
  ASSERT_EQ(listed.rc, 0) << listed.err;
  const Json inventory = Json::parse(listed.out);
  EXPECT_EQ(inventory["_meta"]["hostvars"].size(), 1u) << listed.out;
  EXPECT_TRUE(inventory["_meta"]["hostvars"].contains("fra-db"));
  EXPECT_FALSE(inventory.contains("atl"));

  // The same script answers --host too: a host the selector leaves out is not found.
  auto inside = Fleetctl({"inventory", "--host", "fra-db", "-l", "region=fra"});
  ASSERT_EQ(inside.rc, 0) << inside.err;
  EXPECT_EQ(Json::parse(inside.out)["ansible_port"], 2222);
  auto outside = Fleetctl({"inventory", "--host", "atl-chat", "-l", "region=fra"});
  EXPECT_EQ(outside.rc, 1);
  EXPECT_NE(outside.err.find("not selected"), std::string::npos) << outside.err;
}

TEST_F(InventoryCommandTest, WrongCallsExitNonZeroAndSayWhy) {
  auto missing = Fleetctl({"inventory", "--host", "nope"});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.out, "");

  auto neither = Fleetctl({"inventory"});
  EXPECT_NE(neither.rc, 0);
  EXPECT_NE((neither.out + neither.err).find("--list or --host"), std::string::npos) << neither.err;

  auto both = Fleetctl({"inventory", "--list", "--host", "fra-db"});
  EXPECT_NE(both.rc, 0);
  EXPECT_EQ(both.out.find("ansible_host"), std::string::npos);

  auto bad_selector = Fleetctl({"inventory", "--list", "-l", "region in (("});
  EXPECT_EQ(bad_selector.rc, 1);
  EXPECT_EQ(bad_selector.out, "");
}

// What reaches the inventory path from a client is untrusted: bytes that are not UTF-8, and a
// host name or selector value far longer than any valid one. Either is refused (exit 1) with a
// short message in valid UTF-8 that quotes only the start of what was sent.
TEST_F(InventoryCommandTest, HostileHostNamesAndSelectorsAreRefusedBriefly) {
  const std::string huge(100 * 1024, 'a');
  for (const std::string& name : {std::string("fra-db\xff\xfe"), huge}) {
    auto got = Fleetctl({"inventory", "--host", name});
    EXPECT_EQ(got.rc, 1) << got.err.substr(0, 200);
    EXPECT_EQ(got.out, "");
    EXPECT_TRUE(fleet::IsUtf8(got.err));
    EXPECT_LT(got.err.size(), 512u) << got.err.substr(0, 200);
  }
  for (const std::string& value : {std::string("\xc3\x28"), huge}) {
    for (const char* mode : {"--list", "--host=fra-db"}) {
      auto got = Fleetctl({"inventory", mode, "-l", "region=" + value});
      EXPECT_EQ(got.rc, 1) << mode << ": " << got.err.substr(0, 200);
      EXPECT_EQ(got.out, "") << mode;
      EXPECT_TRUE(fleet::IsUtf8(got.err)) << mode;
      EXPECT_LT(got.err.size(), 512u) << got.err.substr(0, 200);
      EXPECT_NE(got.err.find("label selector"), std::string::npos) << got.err.substr(0, 200);
    }
  }
}

}  // namespace
}  // namespace fleetctl
