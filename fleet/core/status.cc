#include "fleet/core/status.h"

namespace fleet {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalid: return 422;
    case Code::kBadRequest: return 400;
    case Code::kTooLarge: return 413;
    case Code::kMethodNotAllowed: return 405;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kConflict: return 409;
    case Code::kUnauthorized: return 401;
    case Code::kForbidden: return 403;
    case Code::kUnavailable: return 503;
    case Code::kDeadlineExceeded: return 504;
    case Code::kInternal: return 500;
  }
  return 500;
}

const char* ReasonFor(Code code) {
  switch (code) {
    case Code::kOk: return "Success";
    case Code::kInvalid: return "Invalid";
    case Code::kBadRequest: return "BadRequest";
    case Code::kTooLarge: return "RequestEntityTooLarge";
    case Code::kMethodNotAllowed: return "MethodNotAllowed";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kConflict: return "Conflict";
    case Code::kUnauthorized: return "Unauthorized";
    case Code::kForbidden: return "Forbidden";
    case Code::kUnavailable: return "ServiceUnavailable";
    case Code::kDeadlineExceeded: return "Timeout";
    case Code::kInternal: return "InternalError";
  }
  return "InternalError";
}

std::string Cause::RequestField() const {
  if (item < 0) return field;
  const std::string at = "items[" + std::to_string(item) + "]";
  return field.empty() ? at : at + "." + field;
}

std::string Cause::ToString() const {
  std::string out;
  if (!position.file.empty()) {
    out = position.file + ":";
    if (position.line > 0) out += std::to_string(position.line) + ":" + std::to_string(position.column) + ":";
    out += " ";
  } else if (item >= 0) {
    out = "items[" + std::to_string(item) + "]" + (ref.empty() ? "" : " (" + ref + ")") + ": ";
  }
  if (!field.empty()) out += field + ": ";
  return out + message;
}

Status Status::WithCauses(Code code, const std::string& summary, std::vector<Cause> causes) {
  std::string message = summary;
  for (const auto& c : causes) message += (message.empty() ? "" : "\n") + c.ToString();
  return {code, std::move(message), std::move(causes)};
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ReasonFor(code_)) + ": " + message_;
}

}  // namespace fleet
