#include "agent/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdint>
#include <exception>
#include <optional>

namespace agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

using Request = http::request<http::string_body>;
using ResponseParser = http::response_parser<http::string_body>;

// The largest answer taken, far above any the agent expects (a support bundle is a few MB; push
// and report answers are a few hundred bytes); the deadline bounds the wait. A number, not
// body_limit(boost::none): Boost 1.74 compares a Content-Length with the empty optional as
// "over the limit", and reports it whenever the header arrives in a read of its own, as
// cpprestsdk (the controller) sends it: header and body in two writes.
constexpr std::uint64_t kMaxResponseBytes = 64 << 20;

template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, Request& request, ResponseParser& parser) {
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
}

// Runs on a fresh io_context per request; `tls` is null for http.
asio::awaitable<void> Connect(const std::string& host, const std::string& port,
                              asio::ssl::context* tls, Request& request, ResponseParser& parser) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
  if (!tls) {
    beast::tcp_stream stream(executor);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_await Exchange(stream, request, parser);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, *tls);
  boost::system::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  // SNI carries names only (RFC 6066).
  if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    throw std::runtime_error("setting the TLS server name " + host + " failed");
  }
  if (tls->native_handle() && SSL_CTX_get_verify_mode(tls->native_handle()) != SSL_VERIFY_NONE) {
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
  }
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_await Exchange(stream, request, parser);
}

}  // namespace

std::string PercentEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

fleet::Result<HttpClient> HttpClient::Create(const std::string& base_url,
                                             HttpClientOptions options) {
  HttpClient client(std::move(options));
  client.base_url_ = base_url;
  const size_t scheme_end = base_url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : base_url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return fleet::Status::Invalid("url " + base_url + ": not an http:// or https:// URL");
  }
  client.https_ = scheme == "https";
  const size_t authority_start = scheme_end + 3;
  const size_t path_start = base_url.find_first_of("/?#", authority_start);
  client.authority_ = base_url.substr(authority_start, path_start - authority_start);
  if (path_start != std::string::npos) client.base_path_ = base_url.substr(path_start);
  while (!client.base_path_.empty() && client.base_path_.back() == '/') client.base_path_.pop_back();
  std::string host_port = client.authority_.substr(client.authority_.find('@') + 1);
  size_t port_colon = std::string::npos;
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close == std::string::npos) return fleet::Status::Invalid("url " + base_url + ": unclosed [");
    client.host_ = host_port.substr(1, close - 1);
    if (close + 1 < host_port.size() && host_port[close + 1] == ':') port_colon = close + 1;
  } else {
    port_colon = host_port.rfind(':');
    client.host_ = host_port.substr(0, port_colon);
  }
  client.port_ = port_colon == std::string::npos ? (client.https_ ? "443" : "80")
                                                  : host_port.substr(port_colon + 1);
  if (client.host_.empty() || client.port_.empty() ||
      client.port_.find_first_not_of("0123456789") != std::string::npos) {
    return fleet::Status::Invalid("url " + base_url + ": no host, or a port that is not a number");
  }
  return client;
}

fleet::Result<HttpClientResponse> HttpClient::Send(
    const std::string& method, const std::string& path,
    const std::map<std::string, std::string>& headers, const std::string& body) const {
  const std::string target = base_path_ + path;
  Request request;
  request.version(11);
  request.method_string(method);
  request.target(target.empty() ? "/" : target);
  request.set(http::field::host, authority_);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  ResponseParser parser;
  parser.body_limit(kMaxResponseBytes);

  std::optional<asio::ssl::context> tls;
  if (https_) {
    tls.emplace(asio::ssl::context::tls_client);
    try {
      if (options_.verify_certificates) {
        tls->set_verify_mode(asio::ssl::verify_peer);
        if (options_.ca_file.empty()) {
          tls->set_default_verify_paths();
        } else {
          tls->load_verify_file(options_.ca_file);
        }
      } else {
        tls->set_verify_mode(asio::ssl::verify_none);
      }
    } catch (const std::exception& e) {
      return fleet::Status::Invalid("TLS roots " + options_.ca_file + ": " + e.what());
    }
  }
  std::exception_ptr failure;
  bool finished = false;
  {
    // Declared after everything the coroutine refers to, so its frame goes first when the
    // deadline leaves it unfinished.
    asio::io_context io;
    asio::co_spawn(io, Connect(host_, port_, tls ? &*tls : nullptr, request, parser),
                   [&](std::exception_ptr e) {
                     failure = e;
                     finished = true;
                   });
    io.run_for(options_.timeout);
  }
  if (!finished) {
    return fleet::Status::Unavailable("no answer within " +
                                      std::to_string(options_.timeout.count()) + "ms");
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& e) {
      if (e.code() == http::error::body_limit) {
        return fleet::Status::Unavailable("the answer is larger than " +
                                          std::to_string(kMaxResponseBytes >> 20) + " MiB");
      }
      return fleet::Status::Unavailable(e.what());
    } catch (const std::exception& e) {
      return fleet::Status::Unavailable(e.what());
    }
  }
  return HttpClientResponse{static_cast<int>(parser.get().result_int()),
                            std::move(parser.get().body())};
}

}  // namespace agent
