// Status and Result<T>: how errors cross module boundaries in vpsfleet. Exceptions from
// third-party libraries are caught at the call site and converted into one of these.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace fleet {

enum class Code {
  kOk,
  kInvalid,        // bad input from a user; message names where (file:line:col or field path)
  kBadRequest,     // input that cannot be decoded at all (not JSON, nested too deep); kInvalid is
                   // for decoded input that fails validation
  kTooLarge,       // input over a size limit
  kMethodNotAllowed,
  kNotFound,
  kAlreadyExists,
  kConflict,       // optimistic-concurrency failure (stale resourceVersion)
  kUnauthorized,
  kForbidden,
  kUnavailable,    // a peer or resource is down; worth retrying
  kDeadlineExceeded,
  kInternal,
};

// HTTP status for a Code, as the Kubernetes API server maps its reasons.
int HttpStatusFor(Code code);
// Kubernetes-style reason string ("NotFound", "Conflict", ...).
const char* ReasonFor(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  static Status BadRequest(std::string m) { return {Code::kBadRequest, std::move(m)}; }
  static Status TooLarge(std::string m) { return {Code::kTooLarge, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status Unauthorized(std::string m) { return {Code::kUnauthorized, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: host/x not found" — for logs and CLI output.
  std::string ToString() const;
  // Same code, message prefixed with context ("reading config: ...").
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}              // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}       // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace fleet

// Propagates a non-ok Status from an expression returning Status.
#define FLEET_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::fleet::Status fleet_status_ = (expr);         \
    if (!fleet_status_.ok()) return fleet_status_;  \
  } while (0)
