#include "fleetctl/client.h"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cpprest/http_client.h>

#include <mutex>

#include "fleet/status_json.h"

namespace fleetctl {

using fleet::Code;
using fleet::Json;
using fleet::Status;

namespace {

// Why OpenSSL refused the server's certificate in the last handshake ("" when it did not).
// cpprestsdk reports only "Error in SSL handshake"; this is what tells the user what to fix.
class CertificateVerdict {
 public:
  explicit CertificateVerdict(std::string host) : host_(std::move(host)) {}
  const std::string& host() const { return host_; }
  void Record(std::string why) {
    std::lock_guard lock(mu_);
    why_ = std::move(why);
  }
  std::string Get() const {
    std::lock_guard lock(mu_);
    return why_;
  }

 private:
  const std::string host_;
  mutable std::mutex mu_;
  std::string why_;
};

// Replaces OpenSSL's chain verification for the context with the same verification plus a
// record of its verdict. cpprestsdk's own callback (its host name check) still runs inside it.
int VerifyAndRecord(X509_STORE_CTX* store, void* arg) {
  const int ok = X509_verify_cert(store);
  if (ok != 1) {
    auto* verdict = static_cast<CertificateVerdict*>(arg);
    X509* leaf = X509_STORE_CTX_get0_cert(store);
    const std::string& host = verdict->host();
    const bool names_host = X509_check_host(leaf, host.data(), host.size(), 0, nullptr) == 1 ||
                            X509_check_ip_asc(leaf, host.c_str(), 0) == 1;
    const int error = X509_STORE_CTX_get_error(store);
    // cpprestsdk's host check refuses a chain OpenSSL accepted without an error code of its own.
    verdict->Record(!names_host ? "it is not issued for " + host
                                : X509_verify_cert_error_string(error));
  }
  return ok;
}

}  // namespace

struct Client::Impl {
  explicit Impl(const std::string& server)
      : verdict(std::make_shared<CertificateVerdict>(web::uri(server).host())) {}
  std::shared_ptr<CertificateVerdict> verdict;
  std::unique_ptr<web::http::client::http_client> http;

  // The http client settings both clients share; the CA is added to the system's roots
  // cpprestsdk loads (a controller behind a publicly trusted certificate needs none).
  web::http::client::http_client_config Config(const Connection& conn, std::chrono::seconds timeout) {
    web::http::client::http_client_config cfg;
    cfg.set_timeout(timeout);
    if (conn.insecure_skip_tls_verify) {
      cfg.set_validate_certificates(false);
      return cfg;
    }
    cfg.set_ssl_context_callback([pem = conn.certificate_authority_pem,
                                  verdict = verdict](boost::asio::ssl::context& ctx) {
      if (!pem.empty()) ctx.add_certificate_authority(boost::asio::buffer(pem));
      SSL_CTX_set_cert_verify_callback(ctx.native_handle(), VerifyAndRecord, verdict.get());
    });
    return cfg;
  }
};

namespace {

// The Status a non-2xx answer carries: the server's Status object when it sent one, else the
// text it sent as the message.
Status ErrorFrom(int code, const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return fleet::StatusFromJson(code, j.is_object() ? j : Json(text));
}

}  // namespace

std::string CollectionPath(const fleet::KindInfo& kind) {
  return std::string("/apis/") + fleet::kApiVersion + "/" + kind.plural;
}

Client::Client(Connection conn, std::chrono::seconds timeout)
    : conn_(std::move(conn)), timeout_(timeout), impl_(std::make_unique<Impl>(conn_.server)) {
  impl_->http = std::make_unique<web::http::client::http_client>(web::uri(conn_.server),
                                                                 impl_->Config(conn_, timeout));
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
    return Unreachable(e);
  }
}

Status Client::Unreachable(const std::exception& e) const {
  const std::string refused = impl_->verdict->Get();
  if (refused.empty()) {
    return Status::Unavailable("cannot reach the controller at " + conn_.server + ": " + e.what());
  }
  const std::string trusted = conn_.certificate_authority.empty()
                                  ? "the system's CA certificates (set certificateAuthority in the "
                                    "context or pass --certificate-authority FILE)"
                                  : "certificateAuthority " + conn_.certificate_authority;
  return Status::Unavailable("the controller at " + conn_.server +
                             " presented a certificate that is not trusted: " + refused +
                             "; trusted: " + trusted);
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

fleet::Result<Json> Client::Inventory(const std::string& selector, const std::string& host) {
  std::string query;
  if (!host.empty()) query += "&host=" + web::uri::encode_data_string(host);
  if (!selector.empty()) query += "&labelSelector=" + web::uri::encode_data_string(selector);
  if (!query.empty()) query[0] = '?';
  return Call("GET", "/apis/" + std::string(fleet::kApiVersion) + "/inventory" + query, nullptr);
}

fleet::Result<Json> Client::HostEvents(const std::string& name) {
  return Call("GET", CollectionPath(*fleet::FindKind("Host")) + "/" +
                         web::uri::encode_data_string(name) + "/events",
              nullptr);
}

fleet::Result<std::string> Client::HostSupportBundle(const std::string& name, int duration_seconds) {
  // The controller holds the request while the agent collects for duration_seconds.
  web::http::http_request req("GET");
  req.set_request_uri(CollectionPath(*fleet::FindKind("Host")) + "/" +
                      web::uri::encode_data_string(name) +
                      "/support?duration=" + std::to_string(duration_seconds));
  if (!conn_.token.empty()) req.headers().add("Authorization", "Bearer " + conn_.token);
  try {
    web::http::client::http_client http(
        web::uri(conn_.server), impl_->Config(conn_, timeout_ + std::chrono::seconds(duration_seconds)));
    auto resp = http.request(req).get();
    std::vector<unsigned char> body = resp.extract_vector().get();
    std::string bytes(body.begin(), body.end());
    if (resp.status_code() != 200) return ErrorFrom(resp.status_code(), bytes);
    return bytes;
  } catch (const std::exception& e) {
    return Unreachable(e);
  }
}

fleet::Result<Json> ApplyWithRetry(Client& client, const std::vector<Json>& objects, bool dry_run,
                                   bool with_objects) {
  constexpr int kConflictRetries = 3;
  for (int attempt = 0;; ++attempt) {
    auto r = client.Apply(objects, dry_run, with_objects);
    if (r.ok() || r.status().code() != fleet::Code::kConflict || attempt + 1 >= kConflictRetries) {
      return r;
    }
  }
}

std::string ActionLine(const Json& result, const std::string& suffix) {
  std::string line = result.value("ref", "") + " " + result.value("action", "");
  if (result.contains("via")) line += " (via " + result["via"].get<std::string>() + ")";
  return line + suffix + "\n";
}

}  // namespace fleetctl
