#include "agent/http_server.h"

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>

#include "agent/http_auth.h"
#include "agent/http_tls.h"

namespace agent {

namespace http = web::http;
using web::http::experimental::listener::http_listener;

struct HttpServer::Impl {
  HttpConfig config;
  std::map<std::string, HttpHandler> routes;
  BasicAuthGate auth;
  std::optional<ListenerTlsContext> tls;
  std::unique_ptr<http_listener> listener;

  void Serve(http::http_request request) const {
    HttpRequest req;
    req.method = request.method();
    req.path = web::uri::decode(request.relative_uri().path());
    for (const auto& [k, v] : web::uri::split_query(request.relative_uri().query())) {
      req.query[web::uri::decode(k)] = web::uri::decode(v);
    }
    for (const auto& [k, v] : request.headers()) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      req.headers[name] = v;
    }
    HttpResponse resp;
    auto it = routes.find(req.path);
    const auto authorization = req.headers.find("authorization");
    if (!auth.Allows(req.path, authorization == req.headers.end() ? "" : authorization->second)) {
      // Nothing of the credentials is logged, not even the user name that was tried.
      spdlog::debug("401 for {} {}", req.method, req.path);
      http::http_response reply(http::status_codes::Unauthorized);
      reply.headers().add(http::header_names::www_authenticate, BasicAuthGate::kChallenge);
      reply.set_body(std::string("401 unauthorized\n"), "text/plain; charset=utf-8");
      Reply(request, reply);
      return;
    }
    if (it == routes.end()) {
      resp = {404, "text/plain; charset=utf-8", "404 page not found\n"};
    } else if (req.method != "GET" && req.method != "HEAD") {
      resp = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else {
      try {
        resp = it->second(req);
      } catch (const std::exception& e) {
        spdlog::error("handler for {} failed: {}", req.path, e.what());
        resp = {500, "text/plain; charset=utf-8", "internal error\n"};
      }
    }
    http::http_response reply(static_cast<http::status_code>(resp.status));
    reply.set_body(std::move(resp.body), resp.content_type);
    Reply(request, reply);
  }

  static void Reply(http::http_request& request, const http::http_response& reply) {
    request.reply(reply).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception& e) {
        spdlog::debug("reply failed: {}", e.what());  // client went away
      }
    });
  }
};

HttpServer::HttpServer(HttpConfig http) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(http);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& path, HttpHandler handler) {
  impl_->routes[path] = std::move(handler);
}

fleet::Status HttpServer::Start() {
  // cpprestsdk's default pool is 40 threads; a scrape target needs a few, and each idle thread
  // still costs a stack. Must happen before the first cpprestsdk call of the process.
  static std::once_flag pool_sized;
  std::call_once(pool_sized, [] {
    try {
      crossplat::threadpool::initialize_with_threads(4);
    } catch (const std::exception& e) {
      spdlog::debug("cpprestsdk thread pool already started: {}", e.what());
    }
  });
  auto auth = BasicAuthGate::Load(impl_->config);
  if (!auth.ok()) return auth.status();
  impl_->auth = std::move(*auth);
  web::http::experimental::listener::http_listener_config listener_config;
  if (impl_->config.tls) {
    auto tls = ListenerTlsContext::Load(*impl_->config.tls);
    if (!tls.ok()) return tls.status();
    impl_->tls = std::move(*tls);
    // cpprestsdk calls this for every accepted connection, with a fresh context.
    listener_config.set_ssl_context_callback([impl = impl_.get()](boost::asio::ssl::context& ctx) {
      try {
        impl->tls->Apply(ctx);
      } catch (const std::exception& e) {
        spdlog::error("TLS setup for a connection failed: {}", e.what());
      }
    });
  }
  const std::string& listen = impl_->config.listen;
  const std::string scheme = impl_->config.tls ? "https://" : "http://";
  try {
    impl_->listener = std::make_unique<http_listener>(web::uri(scheme + listen), listener_config);
    Impl* impl = impl_.get();
    impl_->listener->support([impl](http::http_request r) { impl->Serve(std::move(r)); });
    impl_->listener->open().wait();
  } catch (const std::exception& e) {
    impl_->listener.reset();
    return fleet::Status::Unavailable("listening on " + listen + ": " + e.what());
  }
  return fleet::Status::Ok();
}

fleet::Status HttpServer::Check(const HttpConfig& http) {
  FLEET_RETURN_IF_ERROR(BasicAuthGate::Load(http).status());
  if (http.tls) FLEET_RETURN_IF_ERROR(ListenerTlsContext::Load(*http.tls).status());
  return fleet::Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_ || !impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    spdlog::warn("closing listener: {}", e.what());
  }
  impl_->listener.reset();
}

}  // namespace agent
