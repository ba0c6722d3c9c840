#include "agent/local_client.h"

#include "agent/http_client.h"
#include "fleet/core/crypto.h"
#include "fleet/core/files.h"

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
  HttpClientOptions options(timeout);
  // The listener's certificate names the host as clients outside know it, not the loopback
  // address this connects to; the connection never leaves the host.
  if (http.tls) options.tls.insecure_skip_verify = true;
  std::map<std::string, std::string> headers;
  if (http.basic_auth) {
    auto password = fleet::ReadTrimmedFile(http.basic_auth->password_file);
    if (!password.ok()) {
      return fleet::Status::Invalid("http.basicAuth.passwordFile: " + password.status().message());
    }
    headers["Authorization"] = "Basic " + fleet::Base64Encode(http.basic_auth->username + ":" + *password);
  }
  auto client = HttpClient::Create(url, options);
  if (!client.ok()) return client.status();
  auto resp = client->Send("GET", target, headers, "");
  if (!resp.ok()) {
    return fleet::Status::Unavailable("cannot reach the agent at " + url + ": " + resp.status().message());
  }
  if (resp->status != 200) {
    return fleet::Status::Unavailable(url + target + " answered " + std::to_string(resp->status) + ": " +
                                      resp->body.substr(0, 200));
  }
  return std::move(resp->body);
}

fleet::Result<std::string> FetchLocalSupportBundle(const AgentConfig& config, int duration_seconds) {
  return GetFromLocalListener(config.http, "/-/support?duration=" + std::to_string(duration_seconds),
                              std::chrono::seconds(duration_seconds + 30));
}

}  // namespace agent
