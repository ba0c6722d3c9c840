#include "agent/http_server.h"
#include "agent/gzip_body.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "agent/http_auth.h"
#include "agent/http_tls.h"

namespace agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

// Connections are served by one thread: with several threads on one io_context, every
// completion woke the others (Asio's scheduler signals idle threads), ~60 futex calls per scrape.
// Slow handlers run on these threads, as many as concurrent slow requests are expected.
constexpr int kSlowThreads = 2;
// How long a connection may take to send a request (or the TLS handshake), and to take a reply.
constexpr auto kIoTimeout = std::chrono::seconds(60);

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

HttpRequest ToHttpRequest(const http::request<http::string_body>& request) {
  HttpRequest req;
  req.method = std::string(request.method_string());
  const std::string_view target(request.target().data(), request.target().size());
  const size_t question = target.find('?');
  req.path = PercentDecode(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const std::string_view pair = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), pair.size() + 1));
      if (pair.empty()) continue;
      const size_t equals = pair.find('=');
      req.query[PercentDecode(pair.substr(0, equals))] =
          equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1));
    }
  }
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    req.headers[name] = std::string(field.value());
  }
  return req;
}

}  // namespace

struct HttpServer::Impl {
  HttpConfig config;
  std::map<std::string, HttpHandler> routes;
  BasicAuthGate auth;
  std::optional<asio::ssl::context> tls;
  // Destroyed in this order by Stop: threads joined, acceptor closed, then the io_context with
  // the connections' suspended coroutines.
  std::set<std::string> slow_routes;
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  std::unique_ptr<asio::thread_pool> slow;

  HttpResponse Respond(const HttpRequest& req) const {
    auto it = routes.find(req.path);
    if (it == routes.end()) return {404, "text/plain; charset=utf-8", "404 page not found\n"};
    if (req.method != "GET" && req.method != "HEAD") {
      return {405, "text/plain; charset=utf-8", "method not allowed\n"};
    }
    try {
      return it->second(req);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} failed: {}", req.path, e.what());
      return {500, "text/plain; charset=utf-8", "internal error\n"};
    }
  }

  // Basic auth, then the route. *challenge: the reply must carry WWW-Authenticate.
  HttpResponse Serve(const HttpRequest& req, bool* challenge) const {
    const auto authorization = req.headers.find("authorization");
    // Checked before routing, so a 401 does not reveal which paths exist.
    if (!auth.Allows(req.path, authorization == req.headers.end() ? "" : authorization->second)) {
      // Nothing of the credentials is logged, not even the user name that was tried.
      spdlog::debug("401 for {} {}", req.method, req.path);
      *challenge = true;
      return {401, "text/plain; charset=utf-8", "401 unauthorized\n"};
    }
    HttpResponse resp = Respond(req);
    // Here rather than in the Reply coroutine: GCC 12 miscompiled the coroutine frame with the
    // extra temporaries there (the agent crashed resuming after the next read).
    const auto accept = req.headers.find("accept-encoding");
    if (resp.writer && accept != req.headers.end() && AcceptsGzip(accept->second)) {
      // Uncompressed when zlib cannot set up a stream (out of memory): still a correct reply.
      if (auto gzip = GzipBody(resp.writer); gzip.ok()) {
        resp.writer = std::move(*gzip);
        resp.content_encoding = "gzip";
      }
    }
    return resp;
  }

  asio::awaitable<HttpResponse> ServeAsync(const HttpRequest& request,
                                           bool* challenge) const {
    co_return Serve(request, challenge);
  }

  template <class Body>
  static void SetHeaders(http::response<Body>& reply, const HttpResponse& resp, bool challenge) {
    reply.result(static_cast<unsigned>(resp.status));
    reply.set(http::field::content_type, resp.content_type);
    if (!resp.content_encoding.empty()) reply.set(http::field::content_encoding, resp.content_encoding);
    // What a streamed body is sent as depends on Accept-Encoding; caches must know.
    if (resp.writer) reply.set(http::field::vary, "Accept-Encoding");
    if (challenge) reply.set(http::field::www_authenticate, BasicAuthGate::kChallenge);
  }

  // Writes the reply; false when the connection must close after it.
  template <class Stream>
  asio::awaitable<bool> Reply(Stream& stream, const http::request<http::string_body>& request,
                              HttpResponse resp, bool challenge, std::string* piece) const {
    const bool head = request.method() == http::verb::head;
    if (resp.writer && head) {  // HEAD answers with the length the body would have
      for (bool more = true; more;) {
        piece->clear();
        more = resp.writer(piece);
        resp.body += *piece;
      }
      resp.writer = nullptr;
    }
    if (!resp.writer) {
      http::response<http::string_body> reply(http::status::ok, request.version());
      reply.keep_alive(request.keep_alive());
      SetHeaders(reply, resp, challenge);
      reply.body() = std::move(resp.body);
      reply.prepare_payload();
      if (head) reply.body().clear();  // Content-Length stays
      co_await http::async_write(stream, reply, asio::use_awaitable);
      co_return reply.keep_alive();
    }
    // Chunked (HTTP/1.1) or until close (HTTP/1.0), a piece at a time into one reused buffer.
    http::response<http::buffer_body> reply(http::status::ok, request.version());
    reply.keep_alive(request.keep_alive());
    SetHeaders(reply, resp, challenge);
    reply.body().data = nullptr;
    reply.body().more = true;
    reply.prepare_payload();
    http::response_serializer<http::buffer_body> serializer(reply);
    co_await http::async_write_header(stream, serializer, asio::use_awaitable);
    for (bool more = true; more;) {
      piece->clear();
      more = resp.writer(piece);
      reply.body().data = piece->data();
      reply.body().size = piece->size();
      reply.body().more = more;
      boost::system::error_code error;
      co_await http::async_write(stream, serializer, asio::redirect_error(asio::use_awaitable, error));
      if (error && error != http::error::need_buffer) throw boost::system::system_error(error);
    }
    co_return reply.keep_alive() && !reply.need_eof();
  }

  template <class Stream>
  asio::awaitable<void> Converse(Stream& stream) {
    beast::flat_buffer buffer;
    std::string piece;  // a streamed body's pieces, reused for every reply on this connection
    for (;;) {
      beast::get_lowest_layer(stream).expires_after(kIoTimeout);
      http::request<http::string_body> request;
      boost::system::error_code error;
      co_await http::async_read(stream, buffer, request,
                                asio::redirect_error(asio::use_awaitable, error));
      // A client closing its connection is how most exchanges end: not worth an exception.
      if (error == http::error::end_of_stream) co_return;
      if (error) throw boost::system::system_error(error);
      beast::get_lowest_layer(stream).expires_never();  // the handler takes the time it needs
      bool challenge = false;
      HttpResponse resp;
      const HttpRequest req = ToHttpRequest(request);
      if (slow_routes.count(req.path) == 0) {
        resp = Serve(req, &challenge);
      } else {
        resp = co_await asio::co_spawn(*slow, ServeAsync(req, &challenge), asio::use_awaitable);
      }
      beast::get_lowest_layer(stream).expires_after(kIoTimeout);
      const bool keep_alive = co_await Reply(stream, request, std::move(resp), challenge, &piece);
      if (!keep_alive) co_return;
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    if (!tls) {
      co_await Converse(stream);
      stream.socket().shutdown(tcp::socket::shutdown_send);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), *tls);
    beast::get_lowest_layer(secure).expires_after(kIoTimeout);
    co_await secure.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    co_await Converse(secure);
    co_await secure.async_shutdown(asio::use_awaitable);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code error;
      tcp::socket socket =
          co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, error));
      if (error == asio::error::operation_aborted) co_return;
      if (error) {  // e.g. out of file descriptors: this connection is lost, not the listener
        spdlog::warn("accepting a connection on {}: {}", config.listen, error.message());
        continue;
      }
      asio::co_spawn(acceptor->get_executor(), Session(std::move(socket)),
                     [](std::exception_ptr e) {
                       if (!e) return;
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& failure) {
                         // Idle keep-alive timeouts, clients going away, failed handshakes.
                         spdlog::debug("HTTP connection ended: {}", failure.what());
                       }
                     });
    }
  }
};

HttpServer::HttpServer(HttpConfig http) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(http);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& path, HttpHandler handler) {
  impl_->routes[path] = std::move(handler);
}

void HttpServer::RouteSlow(const std::string& path, HttpHandler handler) {
  impl_->slow_routes.insert(path);
  Route(path, std::move(handler));
}

fleet::Status HttpServer::Start() {
  auto auth = BasicAuthGate::Load(impl_->config);
  if (!auth.ok()) return auth.status();
  impl_->auth = std::move(*auth);
  if (impl_->config.tls) {
    auto tls = ListenerTlsContext::Load(*impl_->config.tls);
    if (!tls.ok()) return tls.status();
    impl_->tls.emplace(asio::ssl::context::tls_server);
    try {
      tls->Apply(*impl_->tls);
    } catch (const std::exception& e) {
      impl_->tls.reset();
      return fleet::Status::Invalid(std::string("http.tls: ") + e.what());
    }
  }
  const std::string& listen = impl_->config.listen;
  const size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  const std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  impl_->io = std::make_unique<asio::io_context>(1);
  try {
    tcp::resolver resolver(*impl_->io);
    const tcp::endpoint endpoint = resolver.resolve(host, port, tcp::resolver::passive)->endpoint();
    impl_->acceptor = std::make_unique<tcp::acceptor>(*impl_->io, endpoint);  // SO_REUSEADDR
  } catch (const std::exception& e) {
    impl_->acceptor.reset();
    impl_->io.reset();
    return fleet::Status::Unavailable("listening on " + listen + ": " + e.what());
  }
  asio::co_spawn(*impl_->io, impl_->Accept(), asio::detached);
  if (!impl_->slow_routes.empty()) impl_->slow = std::make_unique<asio::thread_pool>(kSlowThreads);
  impl_->thread = std::thread([io = impl_->io.get()] { io->run(); });
  return fleet::Status::Ok();
}

fleet::Status HttpServer::Check(const HttpConfig& http) {
  FLEET_RETURN_IF_ERROR(BasicAuthGate::Load(http).status());
  if (http.tls) FLEET_RETURN_IF_ERROR(ListenerTlsContext::Load(*http.tls).status());
  return fleet::Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_ || !impl_->io) return;
  impl_->io->stop();  // handlers already running finish first
  impl_->thread.join();
  if (impl_->slow) impl_->slow->join();  // slow handlers too; their replies are not sent
  impl_->slow.reset();
  impl_->acceptor.reset();
  impl_->io.reset();
}

}  // namespace agent
