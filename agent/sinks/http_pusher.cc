#include "agent/sinks/http_pusher.h"

#include <algorithm>

#include "agent/http_client.h"
#include "fleet/core/crypto.h"
#include "fleet/core/files.h"

namespace agent {
namespace {

fleet::Result<std::string> ReadPassword(const std::string& path) {
  auto read = fleet::ReadFileText(path);
  if (!read.ok()) return fleet::Status::Invalid("cannot read password file " + path);
  std::string password = std::move(read).value();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

class EndpointPusher : public HttpPusher {
 public:
  EndpointPusher(HttpClient client, const PushEndpoint& endpoint, std::string authorization)
      : client_(std::move(client)), headers_(endpoint.headers),
        authorization_(std::move(authorization)) {}

  PushResponse Post(const std::string& body,
                    const std::map<std::string, std::string>& headers) override {
    std::map<std::string, std::string> all = headers_;
    for (const auto& [name, value] : headers) all[name] = value;
    if (!authorization_.empty()) all["Authorization"] = authorization_;
    auto response = client_.Send("POST", "", all, body);
    if (!response.ok()) return {0, response.status().message()};
    PushResponse out{response->status, ""};
    if (out.status >= 300) out.error = response->body.substr(0, 512);
    return out;
  }

 private:
  HttpClient client_;
  std::map<std::string, std::string> headers_;
  std::string authorization_;
};

}  // namespace

fleet::Result<std::unique_ptr<HttpPusher>> HttpPusher::Create(const PushEndpoint& endpoint) {
  std::string authorization;
  if (!endpoint.basic_auth.username.empty()) {
    auto password = ReadPassword(endpoint.basic_auth.password_file);
    if (!password.ok()) return password.status();
    authorization = "Basic " + fleet::Base64Encode(endpoint.basic_auth.username + ":" + *password);
  } else if (!endpoint.bearer_token_file.empty()) {
    auto token = fleet::ReadTrimmedFile(endpoint.bearer_token_file);
    if (!token.ok()) return fleet::Status::Invalid("cannot read bearer token file " + endpoint.bearer_token_file);
    // A header value cannot hold a line break (it would end the header) or other controls.
    if (std::any_of(token->begin(), token->end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      return fleet::Status::Invalid("bearer token file " + endpoint.bearer_token_file + " holds a control character");
    }
    authorization = "Bearer " + *token;
  }
  HttpClientOptions options(endpoint.timeout);
  options.tls = endpoint.tls;
  options.proxy = endpoint.proxy;
  if (!endpoint.proxy_basic_auth.username.empty()) {
    auto password = ReadPassword(endpoint.proxy_basic_auth.password_file);
    if (!password.ok()) return password.status();
    options.proxy_authorization =
        "Basic " + fleet::Base64Encode(endpoint.proxy_basic_auth.username + ":" + *password);
  }
  auto client = HttpClient::Create(endpoint.url, std::move(options));
  if (!client.ok()) return client.status();
  return std::unique_ptr<HttpPusher>(
      new EndpointPusher(std::move(*client), endpoint, std::move(authorization)));
}

}  // namespace agent
