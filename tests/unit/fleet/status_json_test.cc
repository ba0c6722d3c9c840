// fleet::Status as the Kubernetes Status object the API server sends, and back as fleetctl reads
// it: every cause kept with its reason, item and field, whatever its message says.
#include "fleet/status_json.h"

#include <gtest/gtest.h>

namespace fleet {
namespace {

TEST(StatusJson, IsKubernetesShapedWithEveryCause) {
  const Status st = Status::Invalid(
      "Host \"x\" is invalid:",
      {{kFieldValueRequired, "spec.address", "required field is missing"},
       {kFieldValueTooLong, "spec.ssh.hostKey", "must be at most 8192 characters", 2, "host/x"}});
  EXPECT_EQ(StatusToJson(st, "Host", "x"), Json::parse(R"({
    "apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
    "message": "Host \"x\" is invalid:\nspec.address: required field is missing\nitems[2] (host/x): spec.ssh.hostKey: must be at most 8192 characters",
    "details": {"kind": "Host", "name": "x", "causes": [
      {"reason": "FieldValueRequired", "field": "spec.address", "message": "required field is missing"},
      {"reason": "FieldValueTooLong", "field": "items[2].spec.ssh.hostKey", "message": "must be at most 8192 characters"}]}
  })"));
  EXPECT_FALSE(StatusToJson(Status::NotFound("host/x not found")).contains("details"));
}

TEST(StatusJson, CausesReadBackByItemAndFieldNotByMessage) {
  const struct {
    std::string field, message;
    int want_item;
    std::string want_field;
  } cases[] = {
      {"items[0].spec.port", "must be <= 65535", 0, "spec.port"},
      {"items[12].metadata.labels[vpsfleet.io/x]", "invalid", 12, "metadata.labels[vpsfleet.io/x]"},
      {"items[3]", "host/x already exists", 3, ""},
      {"spec.address", "items[4].spec.port: line 3: col 7: not a position", -1, "spec.address"},
      {"", "a: b: c", -1, ""},
      {"items[x].spec", "m", -1, "items[x].spec"},
      {"items[1]spec", "m", -1, "items[1]spec"},
      {"items[12345678901].spec", "m", -1, "items[12345678901].spec"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    const Json wire = {{"kind", "Status"}, {"reason", "Invalid"}, {"message", "whatever: line 1"},
                       {"details", {{"causes", {{{"reason", "FieldValueInvalid"}, {"field", c.field}, {"message", c.message}}}}}}};
    const Status st = StatusFromJson(422, wire);
    ASSERT_EQ(st.causes().size(), 1u);
    EXPECT_EQ(st.causes()[0].item, c.want_item);
    EXPECT_EQ(st.causes()[0].field, c.want_field);
    EXPECT_EQ(st.causes()[0].message, c.message);
    EXPECT_EQ(st.causes()[0].reason, kFieldValueInvalid);
    EXPECT_EQ(st.causes()[0].RequestField(), c.field) << "what was read is what is sent again";
  }
}

TEST(StatusJson, CodeFromHttpStatusAndReason) {
  const struct {
    int http;
    Json body;
    Code want;
  } cases[] = {
      {400, {{"reason", "BadRequest"}}, Code::kBadRequest},
      {404, {{"reason", "NotFound"}}, Code::kNotFound},
      {405, {{"reason", "MethodNotAllowed"}}, Code::kMethodNotAllowed},
      {409, {{"reason", "AlreadyExists"}}, Code::kAlreadyExists},
      {409, {{"reason", "Conflict"}}, Code::kConflict},
      {409, "text from a proxy", Code::kAlreadyExists},
      {413, {{"reason", "RequestEntityTooLarge"}}, Code::kTooLarge},
      {422, {{"reason", "Invalid"}}, Code::kInvalid},
      {500, {{"reason", "InternalError"}}, Code::kInternal},
      {502, "Bad Gateway", Code::kUnavailable},
      {418, nullptr, Code::kInternal},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.http) + " " + c.body.dump());
    const Status st = StatusFromJson(c.http, c.body);
    EXPECT_EQ(st.code(), c.want);
    if (c.body.is_string()) {
      EXPECT_EQ(st.message(), c.body.get<std::string>());
    }
  }
}

}  // namespace
}  // namespace fleet
