// The agent's HTTP listener (Boost.Beast): a table of exact paths to handlers. /metrics,
// /-/healthy and /-/ready are routed by the daemon; issue 8 adds its pages the same way.
// http.basicAuth guards every path but http.unauthenticatedPaths (401 otherwise, checked before
// routing, so unknown paths are not revealed); http.tls serves HTTPS only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"

namespace agent {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
};

// Produces a body in pieces: each call appends the next piece to *piece (cleared by the caller)
// and returns whether more follow.
using BodyWriter = std::function<bool(std::string* piece)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // When set instead of body, the body is sent as it is written, chunked: a large body (a
  // scrape's text, ~250 KiB with 20 containers) then needs no buffer of its size, which would
  // be mapped, faulted in and unmapped again on every request.
  BodyWriter writer = nullptr;
  // Set by the server: a streamed body is sent gzipped (Content-Encoding: gzip) to a client whose
  // Accept-Encoding asks for it (agent/gzip_body.h).
  std::string content_encoding{};
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  explicit HttpServer(HttpConfig http);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes must be added before Start. Handlers run one at a time on the listener's thread, so
  // they must be quick; one that may take long (a support bundle waits for its duration) is
  // added with RouteSlow and runs on a thread of its own, never holding up a scrape.
  void Route(const std::string& path, HttpHandler handler);
  void RouteSlow(const std::string& path, HttpHandler handler);
  // Reads the password file and TLS material (errors name the config field), then listens.
  fleet::Status Start();
  // What Start checks before listening, for check-config.
  static fleet::Status Check(const HttpConfig& http);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agent
