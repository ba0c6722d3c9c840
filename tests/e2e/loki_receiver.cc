#include "tests/e2e/loki_receiver.h"

#include <snappy.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "logproto/push.pb.h"

namespace e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
// Far above any push a sane agent config makes (tests send up to a few MiB of JSON).
constexpr uint64_t kMaxBodyBytes = 100 << 20;
}  // namespace

struct LokiReceiver::Server {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::mutex mu;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> connections;
};

LokiReceiver::LokiReceiver(int port) : port_(port) {}
LokiReceiver::~LokiReceiver() { Stop(); }

void LokiReceiver::Start() {
  server_ = std::make_unique<Server>();
  Server& s = *server_;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_));
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(asio::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen();
  s.accept_thread = std::thread([this, &s] {
    while (true) {
      auto socket = std::make_shared<tcp::socket>(s.io);
      beast::error_code ec;
      s.acceptor.accept(*socket, ec);
      if (ec) return;
      std::lock_guard lock(s.mu);
      s.sockets.push_back(socket);
      s.connections.emplace_back([this, socket] {
        beast::flat_buffer buffer;
        while (true) {
          // Beast's default body limit (1 MB) is below what Loki takes; past the limit the
          // connection would be dropped without an answer.
          http::request_parser<http::string_body> parser;
          parser.body_limit(kMaxBodyBytes);
          beast::error_code ec;
          http::read(*socket, buffer, parser, ec);
          if (ec) return;
          http::request<http::string_body> request = parser.release();
          int status = 404;
          if (request.method() == http::verb::post && request.target() == "/loki/api/v1/push") {
            std::map<std::string, std::string> headers;
            for (const auto& field : request) {
              std::string name(field.name_string());
              std::transform(name.begin(), name.end(), name.begin(), ::tolower);
              headers[name] = std::string(field.value());
            }
            Handle(std::string(request[http::field::content_type]), headers, request.body(), &status);
          }
          http::response<http::string_body> response{static_cast<http::status>(status), 11};
          response.keep_alive(request.keep_alive());
          response.prepare_payload();
          http::write(*socket, response, ec);
          if (ec || !request.keep_alive()) return;
        }
      });
    }
  });
}

void LokiReceiver::Stop() {
  if (!server_) return;
  Server& s = *server_;
  beast::error_code ec;
  // close() alone does not wake a thread blocked in accept(2); shutdown(2) does (EINVAL).
  ::shutdown(s.acceptor.native_handle(), SHUT_RDWR);
  s.accept_thread.join();
  s.acceptor.close(ec);
  {
    std::lock_guard lock(s.mu);
    for (auto& socket : s.sockets) socket->shutdown(tcp::socket::shutdown_both, ec);
  }
  for (auto& t : s.connections) t.join();
  server_.reset();
}

bool ParseLabelSet(const std::string& text, std::map<std::string, std::string>* out) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  size_t pos = 1;
  while (pos < text.size() - 1) {
    const size_t eq = text.find("=\"", pos);
    if (eq == std::string::npos) return false;
    const std::string name = text.substr(pos, eq - pos);
    if (name.empty() || name.find_first_of(" ,{}\"") != std::string::npos) return false;
    std::string value;
    size_t i = eq + 2;
    for (; i < text.size() - 1 && text[i] != '"'; ++i) {
      if (text[i] == '\\') {
        ++i;
        value += text[i] == 'n' ? '\n' : text[i];
      } else {
        value += text[i];
      }
    }
    if (text[i] != '"') return false;
    (*out)[name] = value;
    pos = i + 1;
    if (pos < text.size() - 1) {
      if (text.compare(pos, 2, ", ") != 0) return false;
      pos += 2;
    }
  }
  return true;
}

void LokiReceiver::Handle(const std::string& content_type,
                          const std::map<std::string, std::string>& headers,
                          const std::string& body, int* status) {
  LokiPush push{content_type, headers, {}};
  std::vector<std::string> errors;
  if (content_type == "application/x-protobuf") {
    std::string raw;
    logproto::PushRequest request;
    if (!snappy::Uncompress(body.data(), body.size(), &raw)) {
      errors.push_back("body is not snappy block compressed");
    } else if (!request.ParseFromString(raw)) {
      errors.push_back("body is not a logproto.PushRequest");
    }
    for (const auto& stream : request.streams()) {
      std::map<std::string, std::string> labels;
      if (!ParseLabelSet(stream.labels(), &labels)) errors.push_back("bad label string " + stream.labels());
      if (stream.hash() != 0) errors.push_back("client set the stream hash");
      std::vector<LokiEntry> entries;
      for (const auto& e : stream.entries()) {
        if (!e.has_timestamp() || e.timestamp().nanos() < 0 || e.timestamp().nanos() >= 1000000000) {
          errors.push_back("entry without a valid timestamp");
        }
        entries.push_back({e.timestamp().seconds() * 1000000000 + e.timestamp().nanos(), e.line()});
      }
      push.streams.emplace_back(std::move(labels), std::move(entries));
    }
  } else if (content_type == "application/json") {
    try {
      const nlohmann::json parsed = nlohmann::json::parse(body);
      for (const auto& stream : parsed.at("streams")) {
        std::vector<LokiEntry> entries;
        for (const auto& v : stream.at("values")) {
          entries.push_back({std::stoll(v.at(0).get<std::string>()), v.at(1).get<std::string>()});
        }
        push.streams.emplace_back(stream.at("stream").get<std::map<std::string, std::string>>(),
                                  std::move(entries));
      }
    } catch (const std::exception& e) {
      errors.push_back(std::string("bad JSON push: ") + e.what());
    }
  } else {
    errors.push_back("unexpected Content-Type " + content_type);
  }
  for (const auto& [labels, entries] : push.streams) {
    if (!std::is_sorted(entries.begin(), entries.end(),
                        [](const auto& a, const auto& b) { return a.timestamp_ns < b.timestamp_ns; })) {
      errors.push_back("entries out of order within a stream");
    }
  }
  std::lock_guard lock(mu_);
  errors_.insert(errors_.end(), errors.begin(), errors.end());
  *status = errors.empty() ? status_.load() : 400;
  if (*status >= 200 && *status < 300) pushes_.push_back(std::move(push));
}

std::vector<LokiPush> LokiReceiver::Pushes() const {
  std::lock_guard lock(mu_);
  return pushes_;
}

std::map<std::map<std::string, std::string>, std::vector<LokiEntry>> LokiReceiver::Streams() const {
  std::lock_guard lock(mu_);
  std::map<std::map<std::string, std::string>, std::vector<LokiEntry>> out;
  for (const auto& push : pushes_) {
    for (const auto& [labels, entries] : push.streams) {
      auto& all = out[labels];
      all.insert(all.end(), entries.begin(), entries.end());
    }
  }
  return out;
}

std::vector<std::string> LokiReceiver::Errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

size_t LokiReceiver::EntryCount() const {
  size_t n = 0;
  for (const auto& [labels, entries] : Streams()) n += entries.size();
  return n;
}

}  // namespace e2e
