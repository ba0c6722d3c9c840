// The agent's HTTP listener (cpprestsdk): a table of exact paths to handlers. /metrics,
// /-/healthy and /-/ready are routed by the daemon; issue 8 adds its pages the same way.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "fleet/status.h"

namespace agent {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  explicit HttpServer(std::string listen);  // "host:port"
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes must be added before Start.
  void Route(const std::string& path, HttpHandler handler);
  fleet::Status Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agent
