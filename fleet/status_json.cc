#include "fleet/status_json.h"

#include <cctype>

namespace fleet {
namespace {

constexpr Code kAllCodes[] = {Code::kInvalid,      Code::kBadRequest,       Code::kTooLarge,
                              Code::kMethodNotAllowed, Code::kNotFound,     Code::kAlreadyExists,
                              Code::kConflict,     Code::kUnauthorized,     Code::kForbidden,
                              Code::kUnavailable,  Code::kDeadlineExceeded, Code::kInternal};

// The reason decides where one HTTP status stands for two codes (409: AlreadyExists or Conflict);
// an answer without a known reason (a proxy's) is read by its HTTP status alone.
Code CodeFor(int http_code, const std::string& reason) {
  for (Code c : kAllCodes) {
    if (HttpStatusFor(c) == http_code && reason == ReasonFor(c)) return c;
  }
  if (http_code >= 500) return Code::kUnavailable;
  for (Code c : kAllCodes) {
    if (HttpStatusFor(c) == http_code) return c;
  }
  return Code::kInternal;
}

std::string StringMember(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// "items[12].spec.port" -> item 12, field "spec.port"; any other field is the only object's.
void SplitItem(const std::string& request_field, Cause* cause) {
  cause->field = request_field;
  constexpr std::string_view kItems = "items[";
  if (!request_field.starts_with(kItems)) return;
  size_t i = kItems.size();
  int item = 0;
  while (i < request_field.size() && i < kItems.size() + 9 &&
         std::isdigit(static_cast<unsigned char>(request_field[i]))) {
    item = item * 10 + (request_field[i++] - '0');
  }
  if (i == kItems.size() || i >= request_field.size() || request_field[i] != ']') return;
  ++i;
  if (i < request_field.size() && request_field[i] != '.') return;
  cause->item = item;
  cause->field = i < request_field.size() ? request_field.substr(i + 1) : "";
}

}  // namespace

Json StatusToJson(const Status& status, const std::string& kind, const std::string& name) {
  Json out = {{"apiVersion", "v1"},
              {"kind", "Status"},
              {"status", status.ok() ? "Success" : "Failure"},
              {"message", status.message()},
              {"reason", ReasonFor(status.code())},
              {"code", HttpStatusFor(status.code())}};
  if (!kind.empty()) out["details"]["kind"] = kind;
  if (!name.empty()) out["details"]["name"] = name;
  if (!status.causes().empty()) {
    Json causes = Json::array();
    for (const auto& c : status.causes()) {
      causes.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.RequestField()}});
    }
    out["details"]["causes"] = std::move(causes);
  }
  return out;
}

Status StatusFromJson(int http_code, const Json& body) {
  if (!body.is_object()) return Status(CodeFor(http_code, ""), body.is_string() ? body.get<std::string>() : "");
  std::vector<Cause> causes;
  const auto details = body.find("details");
  if (details != body.end() && details->is_object()) {
    const auto list = details->find("causes");
    for (size_t i = 0; list != details->end() && list->is_array() && i < list->size(); ++i) {
      const Json& c = (*list)[i];
      if (!c.is_object()) continue;
      Cause cause;
      cause.reason = StringMember(c, "reason");
      cause.message = StringMember(c, "message");
      SplitItem(StringMember(c, "field"), &cause);
      causes.push_back(std::move(cause));
    }
  }
  return Status(CodeFor(http_code, StringMember(body, "reason")), StringMember(body, "message"),
                std::move(causes));
}

}  // namespace fleet
