#include "fleet/registry.h"

#include <filesystem>
#include <fstream>

#include "fleet/core/crypto.h"

#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

using testing::OpenStore;
using testing::ScratchDir;
using testing::Yaml;

const KindInfo& K(const char* kind) { return *FindKind(kind); }

class RegistryTest : public ::testing::Test {
 protected:
  ScratchDir dir_;
  std::unique_ptr<Store> store_ = OpenStore(dir_.path());
  Registry registry_{*store_, "test-fingerprint-key"};

  Json Host(const std::string& name, const std::string& extra = "") {
    return Yaml("apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: " + name +
                "}\nspec: {address: 10.0.0.1, profile: standard" + extra + "}\n");
  }
  Json Group(const std::string& hosts) {
    return Yaml("apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: atl, labels: {region: atl}}\n"
                "spec:\n  defaults: {profile: standard, ssh: {user: deploy, port: 2222}}\n  hosts: " + hosts + "\n");
  }
};

TEST_F(RegistryTest, GenerationCountsSpecChangesOnly) {
  auto created = registry_.Create(K("Host"), Host("a"), false);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ((*created)["metadata"]["generation"], 1);
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());

  Json relabelled = Host("a");
  relabelled["metadata"]["labels"] = {{"role", "db"}};
  auto r1 = registry_.Update(K("Host"), "a", relabelled, false);
  ASSERT_TRUE(r1.ok()) << r1.status().message();
  EXPECT_EQ((*r1)["metadata"]["generation"], 1) << "labels are not spec";

  auto r2 = registry_.Update(K("Host"), "a", Host("a", ", ssh: {port: 2200}"), false);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)["metadata"]["generation"], 2);
  EXPECT_EQ((*r2)["metadata"]["uid"], (*created)["metadata"]["uid"]);

  Json status = {{"status", {{"observedGeneration", 2}, {"revision", "abc"}}}};
  auto r3 = registry_.UpdateStatus(K("Host"), "a", status, false);
  ASSERT_TRUE(r3.ok()) << r3.status().message();
  EXPECT_EQ((*r3)["metadata"]["generation"], 2) << "status never bumps generation";
  EXPECT_NE((*r3)["metadata"]["resourceVersion"], (*r2)["metadata"]["resourceVersion"]);
  EXPECT_EQ((*r3)["spec"]["ssh"]["port"], 2200);
}

TEST_F(RegistryTest, SpecWritesIgnoreStatusAndStatusWritesIgnoreSpec) {
  ASSERT_TRUE(registry_.Create(K("Host"), Host("a"), false).ok());
  ASSERT_TRUE(registry_.UpdateStatus(K("Host"), "a", {{"status", {{"revision", "r1"}}}}, false).ok());
  Json with_status = Host("a", ", paused: true");
  with_status["status"] = {{"revision", "forged"}};
  auto upd = registry_.Update(K("Host"), "a", with_status, false);
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ((*upd)["status"]["revision"], "r1");
  Json status_with_spec = {{"spec", {{"address", "evil"}}}, {"status", {{"revision", "r2"}}}};
  auto st = registry_.UpdateStatus(K("Host"), "a", status_with_spec, false);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)["spec"]["address"], "10.0.0.1");
  EXPECT_EQ((*st)["status"]["revision"], "r2");
}

TEST_F(RegistryTest, StaleResourceVersionIsRefused) {
  auto created = registry_.Create(K("Host"), Host("a"), false);
  ASSERT_TRUE(created.ok());
  Json first = *created, second = *created;
  first["spec"]["paused"] = true;
  ASSERT_TRUE(registry_.Update(K("Host"), "a", first, false).ok());
  second["spec"]["address"] = "10.0.0.9";
  auto r = registry_.Update(K("Host"), "a", second, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ((*registry_.Get(K("Host"), "a"))["spec"]["address"], "10.0.0.1");
}

TEST_F(RegistryTest, ApplyReportsCreatedConfiguredUnchangedAndWritesNothingWhenUnchanged) {
  auto a1 = registry_.Apply({Host("a"), Host("b")}, false);
  ASSERT_TRUE(a1.ok()) << a1.status().message();
  EXPECT_EQ(a1->objects[0].action, "created");
  int64_t rev = store_->Revision();
  auto a2 = registry_.Apply({Host("a"), Host("b", ", paused: true")}, false);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->objects[0].action, "unchanged");
  EXPECT_EQ(a2->objects[1].action, "configured");
  EXPECT_EQ(store_->Revision(), rev + 1);
  auto a3 = registry_.Apply({Host("a"), Host("b", ", paused: true")}, false);
  ASSERT_TRUE(a3.ok());
  EXPECT_EQ(store_->Revision(), rev + 1) << "an unchanged apply must not write";
}

TEST_F(RegistryTest, ApplyIsAllOrNothing) {
  Json bad = Host("c", ", ssh: {port: 99999}");
  auto r = registry_.Apply({Host("a"), Host("b"), bad}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "items[2] (host/c): spec.ssh.port: must be <= 65535");
  EXPECT_EQ(store_->Revision(), 0);
  EXPECT_TRUE(registry_.List(K("Host"), {})->items.empty());
}

// Found by tests/fuzz/api_apply_fuzz.cc: naming an item that is not an object, or whose kind or
// name is not a string, threw instead of reporting the item.
TEST_F(RegistryTest, ApplyReportsItemsOfAnyShape) {
  const Json items = Json::parse(R"([null, 7, {"kind": ["Host"]}, {"kind": "Host", "metadata": {"name": 5}},
                                     {"kind": "Host", "metadata": []}])");
  for (const Json& item : items) {
    auto r = registry_.Apply({item}, false);
    ASSERT_FALSE(r.ok()) << item;
    EXPECT_EQ(r.status().code(), Code::kInvalid) << item;
    EXPECT_EQ(r.status().message().rfind("items[0] (", 0), 0u) << r.status().message();
  }
  EXPECT_EQ(store_->Revision(), 0);
}

TEST_F(RegistryTest, DryRunDecidesWithoutWriting) {
  auto r = registry_.Apply({Host("a")}, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->objects[0].action, "created");
  EXPECT_EQ(store_->Revision(), 0);
}

TEST_F(RegistryTest, HostGroupOwnsOneHostPerEntry) {
  auto r = registry_.Apply({Group("[{name: atl-chat, address: atl-chat, labels: {role: chat}},"
                                  " {name: atl-network, address: 100.64.2.11, ssh: {port: 22}}]")},
                           false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto chat = registry_.Get(K("Host"), "atl-chat");
  ASSERT_TRUE(chat.ok());
  EXPECT_EQ((*chat)["metadata"]["labels"]["region"], "atl");
  EXPECT_EQ((*chat)["metadata"]["labels"]["role"], "chat");
  EXPECT_EQ((*chat)["metadata"]["labels"]["vpsfleet.io/hostgroup"], "atl");
  EXPECT_EQ((*chat)["metadata"]["ownerReferences"][0]["kind"], "HostGroup");
  EXPECT_EQ((*chat)["spec"]["ssh"]["user"], "deploy");
  EXPECT_EQ((*chat)["spec"]["ssh"]["port"], 2222);
  EXPECT_EQ((*registry_.Get(K("Host"), "atl-network"))["spec"]["ssh"]["port"], 22)
      << "an entry's own fields win over defaults";

  // Editing an owned host directly is refused; the group is the place.
  auto direct = registry_.Update(K("Host"), "atl-chat", Host("atl-chat"), false);
  EXPECT_EQ(direct.status().code(), Code::kInvalid);
  EXPECT_NE(direct.status().message().find("managed by hostgroup/atl"), std::string::npos);

  // Dropping an entry deletes its host; deleting the group deletes the rest.
  auto shrink = registry_.Apply({Group("[{name: atl-chat, address: atl-chat}]")}, false);
  ASSERT_TRUE(shrink.ok());
  EXPECT_EQ(registry_.Get(K("Host"), "atl-network").status().code(), Code::kNotFound);
  auto del = registry_.Delete(K("HostGroup"), "atl", false);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->objects.size(), 2u);
  EXPECT_TRUE(registry_.List(K("Host"), {})->items.empty());
}

TEST_F(RegistryTest, FinalizersHoldADeletionUntilTheLastOneIsRemoved) {
  ASSERT_TRUE(registry_.Create(K("Host"), Host("a"), false).ok());
  auto added = registry_.SetFinalizer(K("Host"), "a", kAgentCleanupFinalizer, true);
  ASSERT_TRUE(added.ok()) << added.status().message();
  ASSERT_TRUE(registry_.SetFinalizer(K("Host"), "a", "example.com/other", true).ok());
  EXPECT_EQ(registry_.SetFinalizer(K("Host"), "a", "example.com/other", true)->objects.at(0).action,
            "unchanged");

  // A user's own finalizers and deletionTimestamp are server-set fields: ignored on write.
  Json forged = Host("a", ", paused: true");
  forged["metadata"]["finalizers"] = Json::array();
  forged["metadata"]["deletionTimestamp"] = "2020-01-01T00:00:00Z";
  auto upd = registry_.Update(K("Host"), "a", forged, false);
  ASSERT_TRUE(upd.ok()) << upd.status().message();
  EXPECT_EQ((*upd)["metadata"]["finalizers"].size(), 2u);
  EXPECT_FALSE((*upd)["metadata"].contains("deletionTimestamp"));

  auto del = registry_.Delete(K("Host"), "a", false);
  ASSERT_TRUE(del.ok()) << del.status().message();
  EXPECT_EQ(del->objects.at(0).action, "terminating");
  Json terminating = *registry_.Get(K("Host"), "a");
  const std::string since = terminating["metadata"]["deletionTimestamp"];
  EXPECT_FALSE(since.empty());
  auto again = registry_.Delete(K("Host"), "a", false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*registry_.Get(K("Host"), "a"))["metadata"]["deletionTimestamp"], since)
      << "deleting twice keeps the first timestamp";

  EXPECT_EQ(registry_.Update(K("Host"), "a", Host("a"), false).status().code(), Code::kConflict);
  EXPECT_EQ(registry_.Apply({Host("a")}, false).status().code(), Code::kConflict);
  EXPECT_EQ(registry_.SetFinalizer(K("Host"), "a", "example.com/third", true).status().code(), Code::kConflict);
  EXPECT_TRUE(registry_.UpdateStatus(K("Host"), "a", {{"status", {{"revision", "r"}}}}, false).ok())
      << "the controller still reports on a Terminating host";

  auto one = registry_.SetFinalizer(K("Host"), "a", "example.com/other", false);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->objects.at(0).action, "configured");
  EXPECT_TRUE(registry_.Get(K("Host"), "a").ok());
  auto last = registry_.SetFinalizer(K("Host"), "a", kAgentCleanupFinalizer, false);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->objects.at(0).action, "deleted");
  EXPECT_EQ(registry_.Get(K("Host"), "a").status().code(), Code::kNotFound);
}

TEST_F(RegistryTest, ForceDeletesDespiteFinalizers) {
  ASSERT_TRUE(registry_.Create(K("Host"), Host("a"), false).ok());
  ASSERT_TRUE(registry_.SetFinalizer(K("Host"), "a", kAgentCleanupFinalizer, true).ok());
  auto dry = registry_.Delete(K("Host"), "a", /*dry_run=*/true, /*force=*/true);
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(registry_.Get(K("Host"), "a").ok());
  auto forced = registry_.Delete(K("Host"), "a", false, true);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->objects.at(0).action, "deleted");
  EXPECT_EQ(registry_.Get(K("Host"), "a").status().code(), Code::kNotFound);
}

TEST_F(RegistryTest, HostGroupHostsWithFinalizersTerminateWithTheGroup) {
  ASSERT_TRUE(registry_.Apply({Group("[{name: atl-chat, address: a}, {name: atl-db, address: b}]")}, false).ok());
  for (const char* h : {"atl-chat", "atl-db"}) {
    ASSERT_TRUE(registry_.SetFinalizer(K("Host"), h, kAgentCleanupFinalizer, true).ok());
  }
  // Dropping an entry marks its host; applying the same group again changes nothing more.
  auto shrink = registry_.Apply({Group("[{name: atl-chat, address: a}]")}, false);
  ASSERT_TRUE(shrink.ok()) << shrink.status().message();
  bool marked = false;
  for (const auto& o : shrink->objects) marked |= o.ref == "host/atl-db" && o.action == "terminating";
  EXPECT_TRUE(marked);
  ASSERT_TRUE(registry_.Apply({Group("[{name: atl-chat, address: a}]")}, false).ok());
  // Adding it back while it is going is refused, naming what it waits for.
  auto back = registry_.Apply({Group("[{name: atl-chat, address: a}, {name: atl-db, address: b}]")}, false);
  EXPECT_EQ(back.status().code(), Code::kConflict);
  EXPECT_NE(back.status().message().find("vpsfleet.io/agent-cleanup"), std::string::npos) << back.status().message();
  // Directly, an owned host can be deleted only once its group let it go: waited for, or forced.
  EXPECT_EQ(registry_.Delete(K("Host"), "atl-chat", false, true).status().code(), Code::kInvalid);
  auto waited = registry_.Delete(K("Host"), "atl-db", false);
  ASSERT_TRUE(waited.ok()) << waited.status().message();
  EXPECT_EQ(waited->objects.at(0).action, "terminating");
  ASSERT_TRUE(registry_.Delete(K("Host"), "atl-db", false, true).ok());

  auto del = registry_.Delete(K("HostGroup"), "atl", false);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(registry_.Get(K("HostGroup"), "atl").status().code(), Code::kNotFound);
  EXPECT_TRUE((*registry_.Get(K("Host"), "atl-chat"))["metadata"].contains("deletionTimestamp"));
  ASSERT_TRUE(registry_.SetFinalizer(K("Host"), "atl-chat", kAgentCleanupFinalizer, false).ok());
  EXPECT_TRUE(registry_.List(K("Host"), {})->items.empty());
}

TEST_F(RegistryTest, HostGroupEntryThatCollidesWithAStandaloneHostIsRefused) {
  ASSERT_TRUE(registry_.Create(K("Host"), Host("atl-chat"), false).ok());
  int64_t rev = store_->Revision();
  auto r = registry_.Apply({Group("[{name: atl-chat, address: x}]")}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(store_->Revision(), rev);
}

TEST_F(RegistryTest, HostGroupEntryMissingAFieldIsReportedOnTheEntry) {
  Json g = Yaml("apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: g}\n"
                "spec: {hosts: [{name: a, address: x}]}\n");
  auto r = registry_.Apply({g}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "items[0] (hostgroup/g): spec.hosts[0].profile: required field is missing (set it on "
            "the entry or in spec.defaults)");
}

TEST_F(RegistryTest, SecretValuesAreNeverReturned) {
  Json s = Yaml("apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: central-auth}\n"
                "stringData: {password: hunter2-very-secret}\n");
  auto created = registry_.Create(K("Secret"), s, false);
  ASSERT_TRUE(created.ok()) << created.status().message();
  for (const Json& shown : {*created, *registry_.Get(K("Secret"), "central-auth"),
                            registry_.List(K("Secret"), {})->items.at(0)}) {
    std::string text = shown.dump();
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    EXPECT_EQ(text.find("aHVudGVyMi"), std::string::npos) << "nor its base64";
    EXPECT_EQ(shown["data"]["password"].get<std::string>().rfind("REDACTED hmac-sha256:", 0), 0u);
    EXPECT_FALSE(shown.contains("stringData"));
  }
  // The controller itself reads the real value from the store.
  auto stored = store_->Get("Secret", "central-auth");
  EXPECT_EQ((*stored)["data"]["password"], "aHVudGVyMi12ZXJ5LXNlY3JldA==");
  // Same value, same fingerprint: re-applying is "unchanged"; a new value shows as a change.
  EXPECT_EQ(registry_.Apply({s}, false)->objects[0].action, "unchanged");
  s["stringData"]["password"] = "other";
  EXPECT_EQ(registry_.Apply({s}, true)->objects[0].action, "configured");
}

// Every byte of the database files (fleet.db, its WAL and shared memory).
std::string DatabaseBytes(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

// A rotated (or deleted) Secret's old value is nowhere in the files: not in the objects table
// (its row replaced, the old bytes zeroed), not in the watch history (which keeps fingerprints),
// not in the WAL's earlier page images.
TEST_F(RegistryTest, ARotatedSecretsOldValueIsNowhereInTheDatabaseFiles) {
  const std::string old_value = "old-token-4f1c9e2b7a";
  const std::string old_base64 = Base64Encode(old_value);
  auto secret = [](const std::string& name, const std::string& value) {
    return Yaml("apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: " + name +
                "}\nstringData: {token: " + value + "}\n");
  };
  ASSERT_TRUE(registry_.Apply({secret("rotated", old_value), secret("deleted", old_value + "-2")}, false).ok());
  ASSERT_NE(DatabaseBytes(dir_.path()).find(old_base64), std::string::npos) << "the test looks for the right bytes";
  auto rotated = registry_.Apply({secret("rotated", "new-token-0d8a")}, false);
  ASSERT_TRUE(rotated.ok()) << rotated.status().message();
  ASSERT_TRUE(registry_.Delete(K("Secret"), "deleted", false).ok());

  const std::string bytes = DatabaseBytes(dir_.path());
  EXPECT_EQ(bytes.find(old_value), std::string::npos);
  EXPECT_EQ(bytes.find(old_base64), std::string::npos);
  EXPECT_EQ(bytes.find(Base64Encode(old_value + "-2")), std::string::npos);
  EXPECT_EQ((*store_->Get("Secret", "rotated"))["data"]["token"], Base64Encode("new-token-0d8a"))
      << "the current value is kept, in clear, for the controller";

  // A watch replaying the history shows what reads show: the same fingerprints.
  std::vector<std::string> replayed;
  auto w = store_->WatchFrom("Secret", 0, [&](const WatchEvent& e) {
    replayed.push_back(registry_.Redact(e.object)["data"]["token"]);
  });
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_EQ(replayed.size(), 4u);
  EXPECT_EQ(replayed[2], (*registry_.Get(K("Secret"), "rotated"))["data"]["token"]);
  EXPECT_NE(replayed[0], replayed[2]) << "a new value shows as a change";
  for (const auto& r : replayed) EXPECT_TRUE(r.starts_with("REDACTED hmac-sha256:")) << r;
}

}  // namespace
}  // namespace fleet
