#include "agent/http_client.h"

#include <openssl/ssl.h>
#include <zlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>

#include "fleet/core/text.h"

namespace agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

// The body limit is always a number, not body_limit(boost::none): Boost 1.74 compares a
// Content-Length with the empty optional as "over the limit", and reports it whenever the header
// arrives in a read of its own, as cpprestsdk (the controller) sends it: header and body in two
// writes. The deadline bounds the wait.

std::string SizeText(uint64_t bytes) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  return bytes % kMiB == 0 ? std::to_string(bytes / kMiB) + " MiB" : std::to_string(bytes) + " bytes";
}

bool IsGzip(beast::string_view header_value) {
  std::string_view coding(header_value.data(), header_value.size());
  while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
  while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
  const beast::string_view trimmed(coding.data(), coding.size());
  return beast::iequals(trimmed, "gzip") || beast::iequals(trimmed, "x-gzip");
}

// A gzip stream inflated as its bytes arrive, into a string bounded by max_bytes.
class GzipInflater {
 public:
  GzipInflater() { open_ = inflateInit2(&z_, 15 + 16) == Z_OK; }  // 15 + 16: gzip wrapper only
  ~GzipInflater() {
    if (open_) inflateEnd(&z_);
  }
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  // Inflates `in` (all of it) onto *out: TooLarge as soon as *out would pass max_bytes, Invalid
  // for bytes that are not gzip.
  fleet::Status Feed(std::string_view in, uint64_t max_bytes, std::string* out) {
    if (!open_) return fleet::Status::Internal("inflateInit2 failed");
    while (!in.empty()) {
      const size_t chunk = std::min<size_t>(in.size(), UINT32_MAX);
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = static_cast<uInt>(chunk);
      while (z_.avail_in > 0) {
        if (ended_) {  // another member follows (gzip -c a b concatenates them)
          inflateReset(&z_);
          ended_ = false;
        }
        char buffer[16 * 1024];
        z_.next_out = reinterpret_cast<Bytef*>(buffer);
        z_.avail_out = sizeof(buffer);
        const int rc = inflate(&z_, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
          return fleet::Status::Invalid(std::string("gzip: ") + (z_.msg ? z_.msg : "invalid stream"));
        }
        const size_t produced = sizeof(buffer) - z_.avail_out;
        if (out->size() + produced > max_bytes) {
          return fleet::Status::TooLarge("the answer is larger than " + SizeText(max_bytes) + " inflated");
        }
        out->append(buffer, produced);
        ended_ = rc == Z_STREAM_END;
        if (rc == Z_BUF_ERROR) break;  // it needs more input (none left) or more room (given)
      }
      in.remove_prefix(chunk);
    }
    return fleet::Status::Ok();
  }
  // Whether the input so far ends a member: false for a stream cut short.
  bool ended() const { return ended_; }

 private:
  z_stream z_{};
  bool open_ = false;
  bool ended_ = false;
};

// The response body as Beast reads it: the bytes as they arrive or, when the request accepted
// gzip and the answer is gzip, inflated as they arrive; either way never past `limit` bytes. Over
// it the read stops at once with http::error::body_limit, so a target serving an endless body or a
// gzip bomb costs the limit and no more.
struct BoundedBody {
  struct value_type {
    std::string data;
    uint64_t limit = kMaxResponseBytes;
    bool accept_gzip = false;
    fleet::Status error;  // why the read stopped, when it was this body's doing
  };

  class reader {
   public:
    // Beast builds the reader with the parser, before the header arrives: the header is looked
    // at in init, when the body starts.
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>& header, value_type& body)
        : gzip_encoded_([&header] { return IsGzip(header[http::field::content_encoding]); }), body_(body) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) {
      ec = {};
      if (body_.accept_gzip && gzip_encoded_()) inflater_.emplace();
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      ec = {};
      size_t taken = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
        const asio::const_buffer piece = *it;
        const std::string_view bytes(static_cast<const char*>(piece.data()), piece.size());
        fed_ = fed_ || !bytes.empty();
        if (inflater_) {
          body_.error = inflater_->Feed(bytes, body_.limit, &body_.data);
        } else if (body_.data.size() + bytes.size() > body_.limit) {
          body_.error = fleet::Status::TooLarge("the answer is larger than " + SizeText(body_.limit));
        } else {
          body_.data.append(bytes);
        }
        if (!body_.error.ok()) {
          ec = body_.error.code() == fleet::Code::kTooLarge ? http::error::body_limit : http::error::bad_chunk;
          return taken;
        }
        taken += bytes.size();
      }
      return taken;
    }
    void finish(beast::error_code& ec) {
      ec = {};
      if (inflater_ && fed_ && !inflater_->ended()) {
        body_.error = fleet::Status::Invalid("gzip: the stream ends early");
        ec = http::error::partial_message;
      }
    }

   private:
    std::function<bool()> gzip_encoded_;  // whether the header says Content-Encoding: gzip
    value_type& body_;
    std::optional<GzipInflater> inflater_;
    bool fed_ = false;
  };
};

// The body is the caller's, referred to, not copied: a remote write request is ~100 KB.
using Request = http::request<http::span_body<const char>>;
using ResponseParser = http::response_parser<BoundedBody>;

template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, Request& request, ResponseParser& parser) {
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
}

// Connects to an IP address as it is; resolves a name first. Asio resolves on a thread of its
// own, started for each io_context: a scrape target or receiver given by address (containers,
// 127.0.0.1) thus costs no thread per request.
asio::awaitable<void> ConnectTcp(beast::tcp_stream& stream, const std::string& host, const std::string& port) {
  boost::system::error_code not_an_address;
  const asio::ip::address address = asio::ip::make_address(host, not_an_address);
  uint16_t port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (!not_an_address && ec == std::errc() && end == port.data() + port.size()) {
    co_await stream.async_connect(tcp::endpoint(address, port_number), asio::use_awaitable);
    co_return;
  }
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
  co_await stream.async_connect(endpoints, asio::use_awaitable);
}

// Asks the proxy on stream for a tunnel to host:port (RFC 9110 CONNECT); throws when it says no.
asio::awaitable<void> OpenTunnel(beast::tcp_stream& stream, const Proxy& proxy, const std::string& host,
                                 const std::string& port) {
  const std::string authority = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  http::request<http::empty_body> connect{http::verb::connect, authority, 11};
  connect.set(http::field::host, authority);
  if (!proxy.authorization.empty()) connect.set(http::field::proxy_authorization, proxy.authorization);
  co_await http::async_write(stream, connect, asio::use_awaitable);
  http::response_parser<http::empty_body> answer;
  answer.skip(true);  // a 2xx to CONNECT has no body: the tunnel starts after the header
  answer.header_limit(16 * 1024);
  beast::flat_buffer buffer;
  co_await http::async_read_header(stream, buffer, answer, asio::use_awaitable);
  const unsigned status = answer.get().result_int();
  if (status < 200 || status >= 300) {
    throw std::runtime_error("proxy " + proxy.shown + " refused CONNECT " + authority + ": " + std::to_string(status) +
                             " " + fleet::ForeignText(std::string(answer.get().reason()), 128));
  }
  if (buffer.size() != 0) throw std::runtime_error("proxy " + proxy.shown + " sent bytes after its CONNECT answer");
}

// Runs on a fresh io_context per request; `tls` is null for http, `proxy` when there is none.
asio::awaitable<void> Connect(const std::string& host, const std::string& port, const Proxy* proxy,
                              asio::ssl::context* tls, Request& request, ResponseParser& parser) {
  auto executor = co_await asio::this_coro::executor;
  if (!tls) {
    beast::tcp_stream stream(executor);
    co_await ConnectTcp(stream, proxy ? proxy->host : host, proxy ? proxy->port : port);
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
  if (proxy) {
    co_await ConnectTcp(beast::get_lowest_layer(stream), proxy->host, proxy->port);
    co_await OpenTunnel(beast::get_lowest_layer(stream), *proxy, host, port);
  } else {
    co_await ConnectTcp(beast::get_lowest_layer(stream), host, port);
  }
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

fleet::Result<std::string> InflateGzip(std::string_view gzip, uint64_t max_bytes) {
  GzipInflater inflater;
  std::string out;
  FLEET_RETURN_IF_ERROR(inflater.Feed(gzip, max_bytes, &out));
  if (!inflater.ended()) return fleet::Status::Invalid("gzip: the stream ends early");
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
  const std::string host_port = client.authority_.substr(client.authority_.find('@') + 1);
  if (!host_port.empty() && host_port.front() == '[' && host_port.find(']') == std::string::npos) {
    return fleet::Status::Invalid("url " + base_url + ": unclosed [");
  }
  SplitHostPort(host_port, &client.host_, &client.port_);
  if (client.port_.empty()) client.port_ = client.https_ ? "443" : "80";
  if (client.host_.empty() ||
      client.port_.find_first_not_of("0123456789") != std::string::npos) {
    return fleet::Status::Invalid("url " + base_url + ": no host, or a port that is not a number");
  }
  auto proxy = ProxyFor(client.options_.proxy, client.options_.environment, client.https_, client.host_, client.port_);
  if (!proxy.ok()) return proxy.status();
  client.proxy_ = std::move(*proxy);
  // The configured proxy's credentials (an environment proxy brings its own in its URL).
  if (client.proxy_ && !client.options_.proxy.proxy_url.empty() && client.proxy_->authorization.empty()) {
    client.proxy_->authorization = client.options_.proxy_authorization;
  }
  return client;
}

fleet::Result<HttpClientResponse> HttpClient::Send(
    const std::string& method, const std::string& path,
    const std::map<std::string, std::string>& headers, const std::string& body,
    const ResponseLimits& limits) const {
  const std::string target = base_path_ + path;
  Request request;
  request.version(11);
  request.method_string(method);
  request.target(target.empty() ? "/" : target);
  if (proxy_ && !https_) {  // absolute-form: the proxy forwards it (RFC 9112 3.2.2)
    request.target("http://" + authority_ + std::string(request.target()));
    if (!proxy_->authorization.empty()) request.set(http::field::proxy_authorization, proxy_->authorization);
  }
  request.set(http::field::host, authority_);
  if (limits.accept_gzip) request.set(http::field::accept_encoding, "gzip");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = {body.data(), body.size()};
  request.prepare_payload();
  ResponseParser parser;
  // Beast's limit bounds the bytes read (compressed, with gzip); the body's own, the bytes kept.
  parser.body_limit(limits.max_body_bytes);
  parser.get().body().limit = limits.max_body_bytes;
  parser.get().body().accept_gzip = limits.accept_gzip;

  std::optional<asio::ssl::context> tls;
  if (https_) {
    tls.emplace(asio::ssl::context::tls_client);
    const ClientTls& settings = options_.tls;
    try {
      if (!settings.insecure_skip_verify) {
        tls->set_verify_mode(asio::ssl::verify_peer);
        if (settings.ca_file.empty()) {
          tls->set_default_verify_paths();
        } else {
          tls->load_verify_file(settings.ca_file);
        }
      } else {
        tls->set_verify_mode(asio::ssl::verify_none);
      }
    } catch (const std::exception& e) {
      return fleet::Status::Invalid("TLS roots " + settings.ca_file + ": " + e.what());
    }
    // Read at every request, like the roots: a certificate renewed on disk is used from the next
    // push on, without a reload.
    if (!settings.cert_file.empty()) {
      try {
        tls->use_certificate_chain_file(settings.cert_file);
        tls->use_private_key_file(settings.key_file, asio::ssl::context::pem);
      } catch (const std::exception& e) {
        return fleet::Status::Invalid("TLS client certificate " + settings.cert_file + " with key " +
                                      settings.key_file + ": " + e.what());
      }
    }
  }
  std::exception_ptr failure;
  bool finished = false;
  {
    // Declared after everything the coroutine refers to, so its frame goes first when the
    // deadline leaves it unfinished.
    asio::io_context io;
    asio::co_spawn(io, Connect(host_, port_, proxy_ ? &*proxy_ : nullptr, tls ? &*tls : nullptr, request, parser),
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
      const fleet::Status& body_error = parser.get().body().error;
      if (!body_error.ok()) {
        if (body_error.code() == fleet::Code::kTooLarge) return body_error;
        return fleet::Status::Unavailable(body_error.message());
      }
      if (e.code() == http::error::body_limit) {
        return fleet::Status::TooLarge("the answer is larger than " + SizeText(limits.max_body_bytes));
      }
      return fleet::Status::Unavailable(e.what());
    } catch (const std::exception& e) {
      return fleet::Status::Unavailable(e.what());
    }
  }
  auto& message = parser.get();
  return HttpClientResponse{static_cast<int>(message.result_int()),
                            std::string(message[http::field::content_type]), std::move(message.body().data)};
}

}  // namespace agent
