// The agent's HTTP client reads an answer whole however the server's writes fall on the wire.
// The server here is a raw socket that writes the header, then holds the rest back until the
// client hangs up or a pause passes, so the client's first read holds the header alone. That is
// how the controller (cpprestsdk) answers: the header in one write and the body in another, after
// a hop through its thread pool; under CPU load the client often reads in between.
#include "agent/http_client.h"
#include "tests/common/gzip.h"

#include <filesystem>
#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>


#include <mutex>

#include "agent/health_reporter.h"
#include "agent/scrape/scrape_manager.h"
#include "agent/sinks/http_pusher.h"
#include "fleet/core/text.h"
#include "tests/e2e/harness.h"

#include <thread>

namespace agent {
namespace {

// Serves one connection on a loopback port of its own: reads the request's header, writes
// `head`, waits for the client to hang up or `pause` to pass, then writes `rest` and closes.
class SplitAnswerServer {
 public:
  SplitAnswerServer(std::string head, std::string rest, std::chrono::milliseconds pause)
      : head_(std::move(head)), rest_(std::move(rest)), pause_(pause) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("SplitAnswerServer: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~SplitAnswerServer() {
    ::shutdown(listener_, SHUT_RDWR);  // ends an accept() the client never came for
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The request's header as it arrived ("" before it did).
  std::string request() {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  void Serve() {
    const int conn = ::accept(listener_, nullptr, nullptr);
    if (conn < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mu_);
      request_ = request;
    }
    ::send(conn, head_.data(), head_.size(), MSG_NOSIGNAL);
    // The client has nothing more to send: readable means it hung up.
    pollfd hung_up{conn, POLLIN, 0};
    if (::poll(&hung_up, 1, static_cast<int>(pause_.count())) == 0) {
      ::send(conn, rest_.data(), rest_.size(), MSG_NOSIGNAL);
    }
    ::close(conn);
  }

  const std::string head_;
  const std::string rest_;
  const std::chrono::milliseconds pause_;
  int listener_ = -1;
  int port_ = 0;
  std::mutex mu_;
  std::string request_;
  std::thread thread_;
};

constexpr char kStatusSuccess[] = R"({"kind":"Status","status":"Success"})";

TEST(HttpClient, ReadsTheBodyThatFollowsTheHeaderInALaterWrite) {
  const std::string body = kStatusSuccess;
  ASSERT_EQ(body.size(), 36u) << "the Content-Length and chunk size below";
  const struct {
    const char* name;
    std::string head;
    std::string rest;
  } cases[] = {
      // The controller's answer to a health report, byte for byte.
      {"Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 36\r\nContent-Type: application/json\r\n\r\n",
       body},
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "24\r\n" + body + "\r\n0\r\n\r\n"},
      {"neither: to the end of the connection", "HTTP/1.0 200 OK\r\n\r\n", body},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    SplitAnswerServer server(c.head, c.rest, std::chrono::milliseconds(300));
    auto client = HttpClient::Create(server.url(), HttpClientOptions(std::chrono::seconds(10)));
    ASSERT_TRUE(client.ok()) << client.status().message();
    auto response = client->Send("POST", "/report", {}, "{}");
    if (!response.ok()) {
      ADD_FAILURE() << response.status().message();
      continue;
    }
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, body);
  }
}

// A proxy is a peer like any other: the reason it gives for refusing a tunnel reaches the error
// message (and the log) as valid UTF-8, at most 128 bytes of it, whatever it sent.
TEST(HttpClient, AProxysRefusalIsQuotedBrieflyAndAsValidUtf8) {
  const std::string reason = "Denied \xff\xfe" + std::string(8000, 'x');
  SplitAnswerServer proxy("HTTP/1.1 403 " + reason + "\r\nContent-Length: 0\r\n\r\n", "",
                          std::chrono::milliseconds(0));
  HttpClientOptions options(std::chrono::seconds(10));
  options.proxy.proxy_url = proxy.url();
  auto client = HttpClient::Create("https://example.invalid:8443/api/v1/write", options);
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto answer = client->Send("POST", "", {}, "x");
  ASSERT_FALSE(answer.ok());
  const std::string& message = answer.status().message();
  EXPECT_NE(message.find("refused CONNECT example.invalid:8443: 403 Denied"), std::string::npos) << message;
  EXPECT_TRUE(fleet::IsUtf8(message)) << message.substr(0, 200);
  EXPECT_LT(message.size(), 400u) << message.substr(0, 200);
  EXPECT_NE(proxy.request().find("CONNECT example.invalid:8443 HTTP/1.1"), std::string::npos) << proxy.request();
}

// An IP address is connected to as it is (no resolver), a name is resolved first; either way a
// port nobody listens on is no answer.
TEST(HttpClient, ConnectsToAnAddressOrAResolvedName) {
  const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  for (const char* host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    SplitAnswerServer server(answer, "ok", std::chrono::milliseconds(0));
    const std::string port = server.url().substr(server.url().rfind(':'));
    auto client = HttpClient::Create(std::string("http://") + host + port, HttpClientOptions(std::chrono::seconds(10)));
    ASSERT_TRUE(client.ok()) << client.status().message();
    auto response = client->Send("GET", "/", {}, "");
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "ok");
    EXPECT_NE(server.request().find("Host: " + std::string(host) + port), std::string::npos) << server.request();

    auto refused = HttpClient::Create(std::string("http://") + host + ":" + std::to_string(e2e::FreePort()),
                                      HttpClientOptions(std::chrono::seconds(10)));
    ASSERT_TRUE(refused.ok()) << refused.status().message();
    auto none = refused->Send("GET", "/", {}, "");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.status().code(), fleet::Code::kUnavailable) << none.status().message();
  }
}

TEST(HttpClient, AnAnswerOverTheLimitIsRefusedAtItsHeader) {
  SplitAnswerServer server("HTTP/1.1 200 OK\r\nContent-Length: 68719476736\r\n\r\n", "never sent",
                           std::chrono::seconds(10));
  auto client = HttpClient::Create(server.url(), HttpClientOptions(std::chrono::seconds(5)));
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto response = client->Send("GET", "/-/support", {}, "");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().message(), "the answer is larger than 64 MiB");
}

// A scrape's answer within the request's limits: plain or gzip, the limit on the bytes kept
// (inflated), refused at a Content-Length over it or as soon as the inflated body passes it.
TEST(HttpClient, ResponseLimitsBoundTheBodyInflatedOrNot) {
  const std::string text = "# TYPE up gauge\nup 1\n";
  const std::string bomb = testsupport::Gzip(std::string(32 << 20, 'a'));
  const struct {
    const char* name;
    std::string head;
    std::string rest;
    ResponseLimits limits;
    fleet::Code want_code;
    std::string want_body;
    std::string want_message;
  } cases[] = {
      {"plain", "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n", text, {1024, true},
       fleet::Code::kOk, text, ""},
      {"gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(testsupport::Gzip(text).size()) +
                   "\r\n\r\n", testsupport::Gzip(text), {1024, true}, fleet::Code::kOk, text, ""},
      {"gzip, not accepted: the bytes as sent", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                   std::to_string(testsupport::Gzip(text).size()) + "\r\n\r\n", testsupport::Gzip(text), {1024, false}, fleet::Code::kOk,
       testsupport::Gzip(text), ""},
      {"Content-Length over the limit", "HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n", std::string(2048, 'x'),
       {1024, true}, fleet::Code::kTooLarge, "", "the answer is larger than 1024 bytes"},
      {"a body without length over the limit", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
       std::string(4096, 'x'), {1024, true}, fleet::Code::kTooLarge, "", "the answer is larger than 1024 bytes"},
      {"a gzip bomb", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n", bomb,
       {1 << 20, true}, fleet::Code::kTooLarge, "", "the answer is larger than 1 MiB inflated"},
      {"gzip cut short", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n",
       testsupport::Gzip(text).substr(0, 12), {1024, true}, fleet::Code::kUnavailable, "", "gzip: the stream ends early"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    SplitAnswerServer server(c.head, c.rest, std::chrono::milliseconds(0));
    auto client = HttpClient::Create(server.url(), HttpClientOptions(std::chrono::seconds(10)));
    ASSERT_TRUE(client.ok()) << client.status().message();
    auto response = client->Send("GET", "/metrics", {}, "", c.limits);
    EXPECT_EQ(response.status().code(), c.want_code) << response.status().ToString();
    if (response.ok()) {
      EXPECT_EQ(response->body, c.want_body);
    } else {
      EXPECT_EQ(response.status().message(), c.want_message);
    }
  }
}

// A scrape asks as Prometheus 3 does: Accept with OpenMetrics first, gzip, the timeout, and the
// credentials from their file.
TEST(HttpFetch, SendsPrometheusScrapeHeadersAndCredentials) {
  const std::string dir = ::testing::TempDir();
  { std::ofstream(dir + "/token") << "s3cret\n"; }
  SplitAnswerServer server("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 5\r\n\r\n",
                           "up 1\n", std::chrono::milliseconds(0));
  ScrapeConfig config;
  config.job_name = "app";
  config.bearer_token_file = dir + "/token";
  scrape::ScrapeTarget target;
  target.url = server.url() + "/stats/metrics";
  target.interval = std::chrono::seconds(15);
  target.timeout = std::chrono::milliseconds(2500);
  const scrape::FetchedBody fetched = scrape::HttpFetch(config, target);
  ASSERT_TRUE(fetched.error.ok()) << fetched.error.ToString();
  EXPECT_EQ(fetched.http_status, 200);
  EXPECT_EQ(fetched.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(fetched.body, "up 1\n");
  const std::string request = server.request();
  EXPECT_EQ(request.rfind("GET /stats/metrics HTTP/1.1\r\n", 0), 0u) << request;
  for (const std::string& header : {std::string("Accept: ") + scrape::kScrapeAcceptHeader, std::string("Accept-Encoding: gzip"),
                                   std::string("X-Prometheus-Scrape-Timeout-Seconds: 2.5"),
                                   std::string("Authorization: Bearer s3cret")}) {
    EXPECT_NE(request.find(header + "\r\n"), std::string::npos) << header << "\n" << request;
  }
}

// A push endpoint's bearer token goes out as Authorization: Bearer, read from its file once; a
// file whose token would break the header is refused when the sink starts.
TEST(HttpPusher, SendsTheBearerTokenFromItsFileAndRefusesOneThatWouldBreakTheHeader) {
  const std::string dir = ::testing::TempDir();
  { std::ofstream(dir + "/push-token") << "t0ken\n"; }
  { std::ofstream(dir + "/bad-token") << "t0ken\r\nX-Injected: 1\n"; }
  SplitAnswerServer server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", "", std::chrono::milliseconds(0));
  PushEndpoint endpoint;
  endpoint.url = server.url() + "/api/v1/push";
  endpoint.bearer_token_file = dir + "/push-token";
  auto pusher = HttpPusher::Create(endpoint);
  ASSERT_TRUE(pusher.ok()) << pusher.status().ToString();
  const PushResponse response = (*pusher)->Post("body", {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(response.status, 204) << response.error;
  EXPECT_NE(server.request().find("\r\nAuthorization: Bearer t0ken\r\n"), std::string::npos) << server.request();

  endpoint.bearer_token_file = dir + "/bad-token";
  auto refused = HttpPusher::Create(endpoint);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "bearer token file " + dir + "/bad-token holds a control character");
}

// Whatever answers the report (the controller, or a proxy in between) reaches the agent's log
// only as valid UTF-8 of a bounded size.
TEST(HealthReporter, AnErrorAnswerIsLoggedBoundedAndAsValidUtf8) {
  const std::string body(100000, '\xff');
  SplitAnswerServer server("HTTP/1.1 502 Bad Gateway\r\nContent-Length: " + std::to_string(body.size()) +
                               "\r\n\r\n",
                           body, std::chrono::milliseconds(0));
  const auto dir = std::filesystem::temp_directory_path() / ("vpsfleet-report-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "t";
  AgentConfig config;
  config.instance = "vps-1";
  config.controller.url = server.url();
  config.controller.token_file = (dir / "token").string();
  HealthReporter reporter(config, [] { return std::vector<ComponentHealth>{}; }, [] { return MemoryUse{}; });
  const fleet::Status st = reporter.SendOnce();
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("controller answered 502: \uFFFD", 0), 0u) << st.message().substr(0, 80);
  EXPECT_LT(st.message().size(), 700u);
  EXPECT_EQ(fleet::ValidUtf8(st.message()), st.message());
}

}  // namespace
}  // namespace agent
