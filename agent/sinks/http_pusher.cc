#include "agent/sinks/http_pusher.h"


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
  }
  HttpClientOptions options(endpoint.timeout);
  options.ca_file = endpoint.ca_file;
  options.verify_certificates = !endpoint.insecure_skip_verify;
  options.proxy = endpoint.proxy;
  auto client = HttpClient::Create(endpoint.url, std::move(options));
  if (!client.ok()) return client.status();
  return std::unique_ptr<HttpPusher>(
      new EndpointPusher(std::move(*client), endpoint, std::move(authorization)));
}

}  // namespace agent
