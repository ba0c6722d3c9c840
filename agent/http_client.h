// The agent's one HTTP client (Boost.Beast), for everything it sends: remote write and Loki
// pushes, health reports to the controller, and the CLI's requests to its own listener.
// Synchronous, one connection per request (a push every few seconds does not need keep-alive),
// http and https, and one deadline over the whole exchange: resolve, connect, TLS handshake,
// request and response.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "fleet/core/status.h"

namespace agent {

struct HttpClientOptions {
  explicit HttpClientOptions(std::chrono::milliseconds timeout) : timeout(timeout) {}
  std::chrono::milliseconds timeout;
  std::string ca_file;  // https: the roots to trust; empty = the system's
  bool verify_certificates = true;
};

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // base_url: http[s]://host[:port][/path]. Invalid if it is not one.
  static fleet::Result<HttpClient> Create(const std::string& base_url, HttpClientOptions options);

  // Sends `method` to the base URL's path followed by `path` ("/x?y=z", or "" for the base URL
  // itself). Any answer is a response, whatever its status; Unavailable when there is none
  // (connection refused, TLS failure, deadline passed, a body over 64 MiB), the message saying
  // why (callers name the URL).
  fleet::Result<HttpClientResponse> Send(const std::string& method, const std::string& path,
                                         const std::map<std::string, std::string>& headers,
                                         const std::string& body) const;

  const std::string& base_url() const { return base_url_; }

 private:
  explicit HttpClient(HttpClientOptions options) : options_(std::move(options)) {}
  std::string base_url_;
  HttpClientOptions options_;
  bool https_ = false;
  std::string host_;       // for the resolver: brackets of an IPv6 literal removed
  std::string port_;
  std::string authority_;  // the Host header: host[:port] as the URL has it
  std::string base_path_;  // without a trailing '/'
};

// Percent-encodes everything but RFC 3986's unreserved characters, for a path segment.
std::string PercentEncode(const std::string& text);

}  // namespace agent
