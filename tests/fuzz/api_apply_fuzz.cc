// Fuzz target: a request body to POST /apis/vpsfleet.io/v1alpha1/apply?dryRun=All, as the API
// server handles it (controller/apiserver.cc BulkApply): JSON decoding, the List shape, then the
// Registry's validation, defaulting and apply planning against a SQLite store holding a small
// fleet (so plans create, configure, leave unchanged and expand HostGroups), and the reply's
// serialisation. A dry run must leave the store as it was.
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fleet/core/json_parse.h"
#include "fleet/registry.h"
#include "fleet/core/text.h"
#include "fleet/core/yaml_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr char kFleet[] = R"(
apiVersion: vpsfleet.io/v1alpha1
kind: Secret
metadata: {name: central-auth}
type: basic-auth
stringData: {username: metrics-agent, password: change-me}
---
apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: standard}
spec:
  remoteWrite:
    url: http://127.0.0.1:9090/api/v1/write
    basicAuth: {username: metrics-agent, passwordSecretRef: central-auth}
---
apiVersion: vpsfleet.io/v1alpha1
kind: HostGroup
metadata: {name: atl, labels: {region: atl}}
spec:
  defaults: {profile: standard, ssh: {user: deploy, port: 2222}}
  hosts: [{name: atl-1, address: 10.0.0.1}, {name: atl-2, address: 10.0.0.2}]
---
apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata: {name: solo}
spec: {address: 10.0.1.1, profile: standard}
)";

struct Fixture {
  std::string dir;
  std::unique_ptr<fleet::Store> store;
  std::unique_ptr<fleet::Registry> registry;

  Fixture() {
    char tmpl[] = "/tmp/vpsfleet-fuzz-api-XXXXXX";
    FUZZ_CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    auto opened = fleet::OpenSqliteStore(dir);
    FUZZ_CHECK(opened.ok());
    store = std::move(*opened);
    registry = std::make_unique<fleet::Registry>(*store, "fuzz-fingerprint-key");
    auto docs = fleet::ParseYamlDocuments(kFleet, "fleet.yaml");
    FUZZ_CHECK(docs.ok());
    std::vector<fleet::Json> objects;
    for (auto& d : *docs) objects.push_back(std::move(d.object));
    FUZZ_CHECK(registry->Apply(std::move(objects), /*dry_run=*/false).ok());
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  auto parsed = fleet::ParseUntrustedJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == fleet::Code::kBadRequest);  // the server's 400
    return 0;
  }
  fleet::Json& body = *parsed;
  if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) return 0;
  std::vector<fleet::Json> items;
  for (auto& item : body["items"]) items.push_back(std::move(item));

  const int64_t revision = fixture.store->Revision();
  auto result = fixture.registry->Apply(std::move(items), /*dry_run=*/true);
  FUZZ_CHECK(fixture.store->Revision() == revision);
  if (!result.ok()) {
    // Bad input is the client's fault and says so; nothing in a body may look like a server error.
    FUZZ_CHECK(result.status().code() != fleet::Code::kInternal);
    return 0;
  }
  fleet::Json reply = fleet::Json::array();
  for (const auto& applied : result->objects) {
    FUZZ_CHECK(applied.action == "created" || applied.action == "configured" ||
               applied.action == "unchanged" || applied.action == "deleted" ||
               applied.action == "terminating");
    reply.push_back({{"ref", applied.ref}, {"action", applied.action}, {"object", applied.object}});
  }
  (void)fleet::DumpJson(reply);
  return 0;
}
