#include "agent/local_client.h"

#include <cpprest/http_client.h>

#include "fleet/crypto.h"
#include "fleet/files.h"

namespace agent {

std::string LocalListenerUrl(const HttpConfig& http) {
  const size_t colon = http.listen.rfind(':');
  std::string host = http.listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return (http.tls ? "https://" : "http://") + host + http.listen.substr(colon);
}

fleet::Result<std::string> GetFromLocalListener(const HttpConfig& http, const std::string& target,
                                                std::chrono::seconds timeout) {
  const std::string url = LocalListenerUrl(http);
  web::http::client::http_client_config cfg;
  cfg.set_timeout(timeout);
  // The listener's certificate names the host as clients outside know it, not the loopback
  // address this connects to; the connection never leaves the host.
  if (http.tls) cfg.set_validate_certificates(false);
  web::http::http_request req("GET");
  req.set_request_uri(target);
  if (http.basic_auth) {
    auto password = fleet::ReadTrimmedFile(http.basic_auth->password_file);
    if (!password.ok()) {
      return fleet::Status::Invalid("http.basicAuth.passwordFile: " + password.status().message());
    }
    req.headers().add("Authorization",
                      "Basic " + fleet::Base64Encode(http.basic_auth->username + ":" + *password));
  }
  try {
    web::http::client::http_client client(web::uri(url), cfg);
    auto resp = client.request(req).get();
    std::vector<unsigned char> body = resp.extract_vector().get();
    std::string bytes(body.begin(), body.end());
    if (resp.status_code() != 200) {
      return fleet::Status::Unavailable(url + target + " answered " + std::to_string(resp.status_code()) +
                                        ": " + bytes.substr(0, 200));
    }
    return bytes;
  } catch (const std::exception& e) {
    return fleet::Status::Unavailable("cannot reach the agent at " + url + ": " + e.what());
  }
}

fleet::Result<std::string> FetchLocalSupportBundle(const AgentConfig& config, int duration_seconds) {
  return GetFromLocalListener(config.http, "/-/support?duration=" + std::to_string(duration_seconds),
                              std::chrono::seconds(duration_seconds + 30));
}

}  // namespace agent
