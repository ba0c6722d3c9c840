#include "fleetctl/client.h"

#include <cpprest/http_client.h>

namespace fleetctl {

using fleet::Code;
using fleet::Json;
using fleet::Status;

struct Client::Impl {
  std::unique_ptr<web::http::client::http_client> http;
};

namespace {

Code CodeForHttp(int status, const std::string& reason) {
  switch (status) {
    case 401: return Code::kUnauthorized;
    case 403: return Code::kForbidden;
    case 404: return Code::kNotFound;
    case 409: return reason == "AlreadyExists" ? Code::kAlreadyExists : Code::kConflict;
    case 400: return Code::kBadRequest;
    case 405: return Code::kMethodNotAllowed;
    case 413: return Code::kTooLarge;
    case 422: return Code::kInvalid;
    case 504: return Code::kDeadlineExceeded;
    default: return status >= 500 ? Code::kUnavailable : Code::kInternal;
  }
}

// The Status a non-2xx answer carries (the server's Status JSON when it sent one).
Status ErrorFrom(int code, const std::string& text) {
  Json j;
  try {
    j = text.empty() ? Json() : Json::parse(text);
  } catch (const Json::exception&) {
  }
  std::string reason = j.is_object() ? j.value("reason", "") : "";
  std::string message = j.is_object() ? j.value("message", text) : text;
  return Status(CodeForHttp(code, reason), message);
}

}  // namespace

std::string CollectionPath(const fleet::KindInfo& kind) {
  return std::string("/apis/") + fleet::kApiVersion + "/" + kind.plural;
}

Client::Client(Connection conn, std::chrono::seconds timeout)
    : conn_(std::move(conn)), timeout_(timeout), impl_(std::make_unique<Impl>()) {
  web::http::client::http_client_config cfg;
  cfg.set_timeout(timeout);
  impl_->http = std::make_unique<web::http::client::http_client>(web::uri(conn_.server), cfg);
}

Client::~Client() = default;

fleet::Result<Json> Client::Call(const std::string& method, const std::string& path_and_query,
                                 const Json* body) {
  web::http::http_request req(method);
  req.set_request_uri(path_and_query);
  if (!conn_.token.empty()) req.headers().add("Authorization", "Bearer " + conn_.token);
  if (body) req.set_body(body->dump(), "application/json");
  try {
    auto resp = impl_->http->request(req).get();
    std::string text = resp.extract_string(true).get();
    int code = resp.status_code();
    Json j;
    try {
      j = text.empty() ? Json() : Json::parse(text);
    } catch (const Json::exception&) {
      if (code < 300) return Status::Internal("server sent invalid JSON");
    }
    if (code >= 200 && code < 300) return j;
    return ErrorFrom(code, text);
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot reach the controller at " + conn_.server + ": " + e.what());
  }
}

fleet::Result<Json> Client::Get(const fleet::KindInfo& kind, const std::string& name) {
  return Call("GET", CollectionPath(kind) + "/" + web::uri::encode_data_string(name), nullptr);
}

fleet::Result<Json> Client::List(const fleet::KindInfo& kind, const std::string& selector) {
  std::string q = selector.empty() ? "" : "?labelSelector=" + web::uri::encode_data_string(selector);
  return Call("GET", CollectionPath(kind) + q, nullptr);
}

fleet::Result<Json> Client::Apply(const std::vector<Json>& objects, bool dry_run,
                                  bool with_objects) {
  Json body = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}};
  std::string query = std::string(dry_run ? "dryRun=All" : "") +
                      (dry_run && with_objects ? "&" : "") + (with_objects ? "objects=true" : "");
  return Call("POST", std::string("/apis/") + fleet::kApiVersion + "/apply" +
                          (query.empty() ? "" : "?" + query),
              &body);
}

fleet::Result<Json> Client::Update(const fleet::KindInfo& kind, const Json& object) {
  const std::string name = object["metadata"]["name"];
  return Call("PUT", CollectionPath(kind) + "/" + web::uri::encode_data_string(name), &object);
}

fleet::Result<Json> Client::Delete(const fleet::KindInfo& kind, const std::string& name,
                                   bool dry_run, bool force) {
  std::string query;
  if (dry_run) query += "&dryRun=All";
  if (force) query += "&force=true";
  if (!query.empty()) query[0] = '?';
  return Call("DELETE", CollectionPath(kind) + "/" + web::uri::encode_data_string(name) + query,
              nullptr);
}

fleet::Result<Json> Client::Version() { return Call("GET", "/version", nullptr); }

fleet::Result<Json> Client::HostEvents(const std::string& name) {
  return Call("GET", CollectionPath(*fleet::FindKind("Host")) + "/" +
                         web::uri::encode_data_string(name) + "/events",
              nullptr);
}

fleet::Result<std::string> Client::HostSupportBundle(const std::string& name, int duration_seconds) {
  // The controller holds the request while the agent collects for duration_seconds.
  web::http::client::http_client_config cfg;
  cfg.set_timeout(timeout_ + std::chrono::seconds(duration_seconds));
  web::http::http_request req("GET");
  req.set_request_uri(CollectionPath(*fleet::FindKind("Host")) + "/" +
                      web::uri::encode_data_string(name) +
                      "/support?duration=" + std::to_string(duration_seconds));
  if (!conn_.token.empty()) req.headers().add("Authorization", "Bearer " + conn_.token);
  try {
    web::http::client::http_client http(web::uri(conn_.server), cfg);
    auto resp = http.request(req).get();
    std::vector<unsigned char> body = resp.extract_vector().get();
    std::string bytes(body.begin(), body.end());
    if (resp.status_code() != 200) return ErrorFrom(resp.status_code(), bytes);
    return bytes;
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot reach the controller at " + conn_.server + ": " + e.what());
  }
}

}  // namespace fleetctl
