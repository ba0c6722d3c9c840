// The agent's HTTP client reads an answer whole however the server's writes fall on the wire.
// The server here is a raw socket that writes the header, then holds the rest back until the
// client hangs up or a pause passes, so the client's first read holds the header alone. That is
// how the controller (cpprestsdk) answers: the header in one write and the body in another, after
// a hop through its thread pool; under CPU load the client often reads in between.
#include "agent/http_client.h"

#include <filesystem>
#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/health_reporter.h"
#include "fleet/core/text.h"

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

TEST(HttpClient, AnAnswerOverTheLimitIsRefusedAtItsHeader) {
  SplitAnswerServer server("HTTP/1.1 200 OK\r\nContent-Length: 68719476736\r\n\r\n", "never sent",
                           std::chrono::seconds(10));
  auto client = HttpClient::Create(server.url(), HttpClientOptions(std::chrono::seconds(5)));
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto response = client->Send("GET", "/-/support", {}, "");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().message(), "the answer is larger than 64 MiB");
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
