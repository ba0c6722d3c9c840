#include "agent/sinks/http_pusher.h"

#include <cpprest/http_client.h>

#include <boost/asio/ssl.hpp>
#include <fstream>
#include <sstream>

namespace agent {
namespace {

namespace http = web::http;

fleet::Result<std::string> ReadPassword(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fleet::Status::Invalid("cannot read password file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string password = ss.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

class CpprestPusher : public HttpPusher {
 public:
  CpprestPusher(const PushEndpoint& endpoint, std::string authorization)
      : client_(endpoint.url, ClientConfig(endpoint)), headers_(endpoint.headers),
        authorization_(std::move(authorization)) {}

  PushResponse Post(const std::string& body,
                    const std::map<std::string, std::string>& headers) override {
    http::http_request request(http::methods::POST);
    request.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    for (const auto& [name, value] : headers_) request.headers()[name] = value;
    for (const auto& [name, value] : headers) request.headers()[name] = value;
    if (!authorization_.empty()) request.headers()["Authorization"] = authorization_;
    try {
      http::http_response response = client_.request(request).get();
      PushResponse out{response.status_code(), ""};
      if (out.status >= 300) {
        out.error = response.extract_utf8string(true).get().substr(0, 512);
      }
      return out;
    } catch (const std::exception& e) {
      return {0, e.what()};
    }
  }

 private:
  static http::client::http_client_config ClientConfig(const PushEndpoint& endpoint) {
    http::client::http_client_config config;
    config.set_timeout(endpoint.timeout);
    config.set_validate_certificates(!endpoint.insecure_skip_verify);
    if (!endpoint.ca_file.empty()) {
      config.set_ssl_context_callback([ca = endpoint.ca_file](boost::asio::ssl::context& ctx) {
        ctx.load_verify_file(ca);
      });
    }
    return config;
  }

  http::client::http_client client_;
  std::map<std::string, std::string> headers_;
  std::string authorization_;
};

}  // namespace

fleet::Result<std::unique_ptr<HttpPusher>> HttpPusher::Create(const PushEndpoint& endpoint) {
  std::string authorization;
  if (!endpoint.basic_auth.username.empty()) {
    auto password = ReadPassword(endpoint.basic_auth.password_file);
    if (!password.ok()) return password.status();
    std::string plain = endpoint.basic_auth.username + ":" + *password;
    authorization = "Basic " + utility::conversions::to_base64(
                                   std::vector<unsigned char>(plain.begin(), plain.end()));
  }
  try {
    return std::unique_ptr<HttpPusher>(new CpprestPusher(endpoint, std::move(authorization)));
  } catch (const std::exception& e) {
    return fleet::Status::Invalid("url " + endpoint.url + ": " + e.what());
  }
}

}  // namespace agent
