// Status and Result<T>: how errors cross module boundaries in vpsfleet. Exceptions from
// third-party libraries are caught at the call site and converted into one of these.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

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

// Kubernetes' StatusCause reasons (the field error types of apimachinery's field package).
inline constexpr char kFieldValueInvalid[] = "FieldValueInvalid";
inline constexpr char kFieldValueRequired[] = "FieldValueRequired";
inline constexpr char kFieldValueNotSupported[] = "FieldValueNotSupported";  // not in an enum
inline constexpr char kFieldValueDuplicate[] = "FieldValueDuplicate";
inline constexpr char kFieldValueTooLong[] = "FieldValueTooLong";
inline constexpr char kFieldValueTooMany[] = "FieldValueTooMany";
inline constexpr char kFieldValueForbidden[] = "FieldValueForbidden";
inline constexpr char kFieldValueTypeInvalid[] = "FieldValueTypeInvalid";
// Not one of Kubernetes' field error types (it answers unknown fields with a strict-decoding
// 400); here an unknown field is one cause among the rest, and a client places it at the key.
inline constexpr char kFieldValueUnknown[] = "FieldValueUnknown";

// Where in a source file a cause points; line 0 when unknown.
struct SourcePosition {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// One problem with one field of one object: what Kubernetes sends as a StatusCause, plus which
// object of a request of several (item) and, once a client has placed it, where in its files.
struct Cause {
  std::string reason;   // kFieldValue... (or a Status reason for a problem with a whole item)
  std::string field;    // "spec.ssh.port", within the item; empty: the item as a whole
  std::string message;  // "must be <= 65535" (never repeats the field)
  int item = -1;        // index of the object in a bulk request (items[i]); -1: the only one
  std::string ref{};    // "host/atl-chat" when known
  SourcePosition position{};

  // The field as Kubernetes names it within the request body: "items[2].spec.ssh.port".
  std::string RequestField() const;
  // One line for a person: "file:line:col: field: message" once placed in a file, else
  // "items[2] (host/x): field: message" in a bulk request, else "field: message".
  std::string ToString() const;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  // message: a summary for people and logs; causes: each problem, for programs (all of them).
  Status(Code code, std::string message, std::vector<Cause> causes)
      : code_(code), message_(std::move(message)), causes_(std::move(causes)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  // kInvalid with causes; the message is the summary (when given), then one line per cause.
  static Status Invalid(const std::string& summary, std::vector<Cause> causes) {
    return WithCauses(Code::kInvalid, summary, std::move(causes));
  }
  // code with causes, the message made as for Invalid.
  static Status WithCauses(Code code, const std::string& summary, std::vector<Cause> causes);
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
  // The structured problems (Kubernetes' details.causes); empty when the error is not about
  // fields or items.
  const std::vector<Cause>& causes() const { return causes_; }
  // "NotFound: host/x not found" — for logs and CLI output.
  std::string ToString() const;
  // Same code, message prefixed with context ("reading config: ...").
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_, causes_);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<Cause> causes_;
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
