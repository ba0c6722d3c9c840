// The agent's one HTTP client (Boost.Beast), for everything it sends: remote write and Loki
// pushes, health reports to the controller, and the CLI's requests to its own listener.
// Synchronous, one connection per request (a push every few seconds does not need keep-alive),
// http and https, directly or through an http proxy (CONNECT for https; agent/proxy.h), and one
// deadline over the whole exchange: resolve, connect, proxy, TLS handshake, request and response.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/config/client_tls.h"
#include "agent/proxy.h"
#include "fleet/core/status.h"

namespace agent {

struct HttpClientOptions {
  explicit HttpClientOptions(std::chrono::milliseconds timeout) : timeout(timeout) {}
  std::chrono::milliseconds timeout;
  ClientTls tls;  // https: the roots to trust (the system's by default), a client certificate
  ProxySettings proxy;  // none by default (agent/proxy.h)
  // "Basic ..." for proxy.proxy_url (from its config's credentials, not the URL); "" = none.
  std::string proxy_authorization;
  ProxyEnvironment environment = ProxyEnvironment::FromProcess();
};

struct HttpClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;  // inflated when the request accepted gzip and the answer was gzip
};

// The largest answer taken by default, far above any the agent's own peers send (a support
// bundle is a few MB; push and report answers are a few hundred bytes).
inline constexpr uint64_t kMaxResponseBytes = uint64_t{64} << 20;

// What one request takes of its answer.
struct ResponseLimits {
  // The body's cap; with gzip, of the body inflated (and of the compressed one). An answer whose
  // Content-Length is over it is refused at its header, one that grows over it is not read
  // further: TooLarge either way.
  uint64_t max_body_bytes = kMaxResponseBytes;
  // Sends `Accept-Encoding: gzip` and inflates a gzip answer (Content-Encoding: gzip), as
  // Prometheus' scrapes do; otherwise the answer's bytes are taken as they come.
  bool accept_gzip = false;
};

class HttpClient {
 public:
  // base_url: http[s]://host[:port][/path]. Invalid if it is not one.
  static fleet::Result<HttpClient> Create(const std::string& base_url, HttpClientOptions options);

  // Sends `method` to the base URL's path followed by `path` ("/x?y=z", or "" for the base URL
  // itself). Any answer is a response, whatever its status; Unavailable when there is none
  // (connection refused, TLS failure, deadline passed, a gzip body that does not inflate),
  // TooLarge for a body over limits.max_body_bytes, the message saying why (callers name the URL).
  fleet::Result<HttpClientResponse> Send(const std::string& method, const std::string& path,
                                         const std::map<std::string, std::string>& headers,
                                         const std::string& body, const ResponseLimits& limits = {}) const;

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
  std::optional<Proxy> proxy_;  // the one every request goes through, when one applies
};

// A gzip stream (RFC 1952; members one after the other, as zlib's gunzip reads them) inflated, a
// piece at a time: TooLarge as soon as the output would pass max_bytes, so a gzip bomb allocates
// no more than that; Invalid for a stream that is not gzip or ends early.
fleet::Result<std::string> InflateGzip(std::string_view gzip, uint64_t max_bytes);

// Percent-encodes everything but RFC 3986's unreserved characters, for a path segment.
std::string PercentEncode(const std::string& text);

}  // namespace agent
