// The real fleet-controller's error answers: Kubernetes Status objects with the HTTP status
// Kubernetes uses for each (400 undecodable, 404 not found, 405 wrong method with Allow, 409
// conflict or already exists, 413 too large, 422 invalid), every cause in details.causes named
// by its field in the request body, and fleetctl placing the causes in the files it sent.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/e2e/harness.h"

namespace {

using Json = nlohmann::json;

const std::string kApi = "/apis/vpsfleet.io/v1alpha1";

std::string Host(const std::string& name, const std::string& spec) {
  return R"({"apiVersion":"vpsfleet.io/v1alpha1","kind":"Host","metadata":{"name":")" + name +
         R"("},"spec":)" + spec + "}";
}

class StatusCodes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new e2e::TempDir();
    controller_ = new e2e::Controller(tmp_->path(), {"--max-request-bytes", "65536"});
    ASSERT_TRUE(controller_->Start()) << controller_->Log();
  }
  static void TearDownTestSuite() {
    delete controller_;
    delete tmp_;
  }
  static e2e::HttpResponse Call(const std::string& method, const std::string& target,
                                const std::string& body = "") {
    return e2e::Http(method, controller_->port(), target, body,
                     {{"Authorization", "Bearer " + controller_->token()}});
  }

  static e2e::TempDir* tmp_;
  static e2e::Controller* controller_;
};
e2e::TempDir* StatusCodes::tmp_ = nullptr;
e2e::Controller* StatusCodes::controller_ = nullptr;

TEST_F(StatusCodes, EachErrorHasItsKubernetesStatusAndEveryCause) {
  ASSERT_EQ(Call("POST", kApi + "/hosts", Host("web-1", R"({"address":"10.0.0.1","profile":"p"})")).status, 201);
  ASSERT_EQ(Call("PUT", kApi + "/hosts/web-1", Host("web-1", R"({"address":"10.0.0.2","profile":"p"})")).status, 200);
  const std::string stale = R"({"apiVersion":"vpsfleet.io/v1alpha1","kind":"Host","metadata":{"name":"web-1",)"
                            R"("resourceVersion":"1"},"spec":{"address":"10.0.0.3","profile":"p"}})";
  const struct {
    std::string name, method, target, body;
    int code;
    std::string reason;
    Json details;  // the members of details to check
  } cases[] = {
      {"malformed JSON", "POST", kApi + "/hosts", "{\"kind\":", 400, "BadRequest", nullptr},
      {"create with a body that is not an object", "POST", kApi + "/hosts", "[1,2]", 400, "BadRequest", nullptr},
      {"update with a body that is not an object", "PUT", kApi + "/hosts/web-1", "\"web-1\"", 400, "BadRequest",
       nullptr},
      {"status update with a body that is not an object", "PUT", kApi + "/hosts/web-1/status", "7", 400,
       "BadRequest", nullptr},
      {"apply body without items", "POST", kApi + "/apply", R"({"items":7})", 400, "BadRequest", nullptr},
      {"watch with a non-integer timeout", "GET", kApi + "/hosts?watch=true&timeoutSeconds=soon", "", 400,
       "BadRequest", nullptr},
      {"no such object", "GET", kApi + "/hosts/nope", "", 404, "NotFound", {{"kind", "Host"}, {"name", "nope"}}},
      {"no such resource", "GET", kApi + "/widgets", "", 404, "NotFound", nullptr},
      {"wrong method", "POST", kApi + "/hosts/web-1", "", 405, "MethodNotAllowed", nullptr},
      {"already exists", "POST", kApi + "/hosts", Host("web-1", R"({"address":"10.0.0.1","profile":"p"})"), 409,
       "AlreadyExists", {{"kind", "Host"}}},
      {"stale resourceVersion", "PUT", kApi + "/hosts/web-1", stale, 409, "Conflict",
       {{"kind", "Host"}, {"name", "web-1"}}},
      {"too large", "POST", kApi + "/hosts", Host("big", "{\"x\":\"" + std::string(70000, 'a') + "\"}"), 413,
       "RequestEntityTooLarge", nullptr},
      {"three errors in two items", "POST", kApi + "/apply",
       R"({"apiVersion":"v1","kind":"List","items":[)" +
           Host("web-2", R"({"address":"10.0.0.1","profile":"p","ssh":{"port":99999}})") + "," +
           Host("web-3", R"({"address":"line 3: x","profile":"p","bogus":1})") + "]}",
       422, "Invalid",
       {{"causes",
         {{{"reason", "FieldValueInvalid"}, {"field", "items[0].spec.ssh.port"}, {"message", "must be <= 65535"}},
          {{"reason", "FieldValueInvalid"},
           {"field", "items[1].spec.address"},
           {"message", "invalid value \"line 3: x\": must match ^[A-Za-z0-9]([A-Za-z0-9.:_-]*[A-Za-z0-9])?$"}},
          {{"reason", "FieldValueUnknown"}, {"field", "items[1].spec.bogus"}, {"message", "unknown field \"bogus\""}}}}}},
      {"name other than the path's", "PUT", kApi + "/hosts/web-1",
       Host("web-9", R"({"address":"10.0.0.1","profile":"p"})"), 422, "Invalid",
       {{"kind", "Host"},
        {"name", "web-1"},
        {"causes",
         {{{"reason", "FieldValueInvalid"}, {"field", "metadata.name"},
           {"message", "must be \"web-1\" (the name in the path)"}}}}}},
      {"unsupported dryRun", "DELETE", kApi + "/hosts/web-1?dryRun=Some", "", 422, "Invalid",
       {{"causes", {{{"reason", "FieldValueNotSupported"}, {"field", "dryRun"}, {"message", "supported values: \"All\""}}}}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = Call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.code) << r.body;
    const Json body = Json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("kind", ""), "Status");
    EXPECT_EQ(body.value("apiVersion", ""), "v1");
    EXPECT_EQ(body.value("status", ""), "Failure");
    EXPECT_EQ(body.value("code", 0), c.code);
    EXPECT_EQ(body.value("reason", ""), c.reason);
    EXPECT_FALSE(body.value("message", "").empty());
    const Json details = body.value("details", Json::object());
    for (const auto& [key, want] : c.details.items()) EXPECT_EQ(details.value(key, Json()), want) << key;
    if (c.code == 405) {
      EXPECT_EQ(r.headers.at("allow"), "GET, PUT, DELETE");
    }
  }
  EXPECT_EQ(Call("GET", kApi + "/hosts/web-2").status, 404) << "an invalid apply writes nothing";
}

// A HostGroup whose entries lack what only the server checks (each expanded Host): fleetctl
// prints one placed line per cause, and with -o json the Status itself.
TEST_F(StatusCodes, FleetctlPlacesTheServersCausesInTheFile) {
  const std::string file = tmp_->path().string() + "/group.yaml";
  std::ofstream(file) << "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: g}\n"
                         "spec:\n"
                         "  hosts:\n"
                         "  - {name: a, address: 10.0.0.1}\n"   // 6
                         "  - {name: b, address: 10.0.0.2}\n";  // 7
  const std::string missing = "profile: required field is missing (set it on the entry or in spec.defaults)";
  auto r = controller_->Fleetctl({"apply", "-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: " + file + ":6:5: spec.hosts[0]." + missing + "\n" + file + ":7:5: spec.hosts[1]." +
                       missing + "\n");

  r = controller_->Fleetctl({"apply", "-f", file, "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  const Json status = Json::parse(r.out, nullptr, false);
  ASSERT_TRUE(status.is_object()) << r.out;
  EXPECT_EQ(status.value("kind", ""), "Status");
  EXPECT_EQ(status.value("code", 0), 422);
  ASSERT_EQ(status["details"]["causes"].size(), 2u) << r.out;
  EXPECT_EQ(status["details"]["causes"][1]["field"], "items[0].spec.hosts[1].profile");
  EXPECT_EQ(status["details"]["causes"][1]["reason"], "FieldValueRequired");

  // What fleetctl finds itself, before sending anything, is printed the same way.
  const std::string bad = tmp_->path().string() + "/bad.yaml";
  std::ofstream(bad) << "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: h}\n"
                        "spec: {address: 10.0.0.1, profile: p, ssh: {port: 99999}}\n";
  r = controller_->Fleetctl({"apply", "-f", bad, "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: " + bad + ":4:51: spec.ssh.port: must be <= 65535\n");
  const Json offline = Json::parse(r.out, nullptr, false);
  ASSERT_TRUE(offline.is_object()) << r.out;
  EXPECT_EQ(offline["details"]["causes"],
            Json::parse(R"([{"reason":"FieldValueInvalid","field":"items[0].spec.ssh.port","message":"must be <= 65535"}])"));
}

}  // namespace
