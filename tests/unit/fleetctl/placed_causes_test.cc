// fleetctl places every cause of an invalid apply in the file it came from, whether its own
// offline validation found it or the server did (the causes sent over the wire as a Kubernetes
// Status, read back, and placed by item and field): the same lines either way, none dropped, and
// no message text taken for a position.
#include <gtest/gtest.h>

#include "fleet/registry.h"
#include "fleet/status_json.h"
#include "fleetctl/input.h"
#include "tests/unit/fleet/testing.h"

namespace fleetctl {
namespace {

using fleet::Json;
using fleet::Status;

// Three errors in two documents; one message holds colons and "line 3".
constexpr char kFile[] = "hosts.yaml";
constexpr char kYaml[] =
    "apiVersion: vpsfleet.io/v1alpha1\n"  // 1
    "kind: Host\n"
    "metadata: {name: web-1}\n"
    "spec:\n"
    "  address: 10.0.0.1\n"  // 5
    "  profile: p\n"
    "  ssh: {port: 99999}\n"
    "---\n"
    "apiVersion: vpsfleet.io/v1alpha1\n"
    "kind: Host\n"  // 10
    "metadata: {name: web-2}\n"
    "spec:\n"
    "  address: \"line 3: x\"\n"
    "  profile: p\n"
    "  bogus: 1\n";  // 15

const std::vector<std::string> kWant = {
    "hosts.yaml:7:15: spec.ssh.port: must be <= 65535",
    "hosts.yaml:13:12: spec.address: invalid value \"line 3: x\": must match "
    "^[A-Za-z0-9]([A-Za-z0-9.:_-]*[A-Za-z0-9])?$",
    "hosts.yaml:15:3: spec.bogus: unknown field \"bogus\"",
};

std::vector<fleet::Document> Docs() { return fleet::ParseYamlDocuments(kYaml, kFile).value(); }

// What fleetctl validating offline reports.
Status Offline() {
  auto docs = Docs();
  return Status::Invalid("", fleet::ValidateDocuments(docs, false));
}

// What fleetctl reports when the server finds the errors: the registry's Status, through the
// API server's Status JSON and fleetctl's reading of it, placed in the documents.
Status FromServer() {
  fleet::testing::ScratchDir dir;
  auto store = fleet::testing::OpenStore(dir.path());
  fleet::Registry registry(*store, "k");
  std::vector<Json> objects;
  for (const auto& d : Docs()) objects.push_back(d.object);
  auto applied = registry.Apply(objects, false);
  EXPECT_FALSE(applied.ok());
  const std::string wire = fleet::StatusToJson(applied.status()).dump();
  return PlacedInFiles(fleet::StatusFromJson(422, Json::parse(wire)), Docs());
}

TEST(PlacedCauses, EveryCauseIsPlacedInItsFileLineAndColumn) {
  const struct {
    const char* name;
    Status (*report)();
  } cases[] = {{"offline", Offline}, {"from the server", FromServer}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Status st = c.report();
    EXPECT_EQ(st.code(), fleet::Code::kInvalid);
    ASSERT_EQ(st.causes().size(), kWant.size()) << st.message();
    std::string want_message;
    for (size_t i = 0; i < kWant.size(); ++i) {
      EXPECT_EQ(st.causes()[i].ToString(), kWant[i]);
      EXPECT_EQ(st.causes()[i].item, i == 0 ? 0 : 1);
      want_message += (i ? "\n" : "") + kWant[i];
    }
    EXPECT_EQ(st.message(), want_message) << "one line per cause, the first one too";
  }
}

// A cause whose item the request did not have (a server answering another request) keeps its
// field and message, unplaced, rather than being dropped or misplaced.
TEST(PlacedCauses, CausesOutsideTheDocumentsStayUnplaced) {
  const struct {
    int item;
    std::string want;
  } cases[] = {
      {5, "items[5]: spec.address: line 3: x"},
      {-1, "spec.address: line 3: x"},
  };
  for (const auto& c : cases) {
    fleet::Cause cause{fleet::kFieldValueInvalid, "spec.address", "line 3: x", c.item};
    const Status st = PlacedInFiles(Status::Invalid("", {cause}), Docs());
    ASSERT_EQ(st.causes().size(), 1u);
    EXPECT_EQ(st.causes()[0].ToString(), c.want);
  }
}

}  // namespace
}  // namespace fleetctl
