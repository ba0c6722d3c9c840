// DockerClient against a fake daemon on a unix socket in a scratch directory: a daemon that never
// answers fails the call at the request timeout, one that answers more than kMaxResponseBytes
// fails it at the bound, and the container list request carries its filters as the Engine API's
// JSON (never a shell).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "agent/docker/docker_client.h"
#include "tests/common/temp_dir.h"

namespace {

using agent::docker::DockerClient;
using namespace std::chrono_literals;

// Accepts one connection on <dir>/docker.sock, reads the request head, then runs answer on the
// connection; the destructor unblocks and joins.
class FakeDaemon {
 public:
  FakeDaemon(const testsupport::TempDir& dir, std::function<void(int fd)> answer)
      : path_((dir.path() / "docker.sock").string()) {
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    thread_ = std::thread([this, answer] {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char chunk[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        const ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got <= 0) break;
        request_.append(chunk, got);
      }
      answer(fd);
      ::close(fd);
    });
  }
  ~FakeDaemon() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  const std::string& path() const { return path_; }
  // The request head, once the call returned.
  const std::string& request() const { return request_; }

 private:
  std::string path_;
  int listener_ = -1;
  std::string request_;
  std::thread thread_;
};

void WriteAll(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    // MSG_NOSIGNAL: a client that gave up is EPIPE here, not SIGPIPE for the test binary.
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += n;
  }
}

TEST(DockerClientBounds, SilentDaemonFailsAtTheRequestTimeout) {
  testsupport::TempDir dir;
  FakeDaemon daemon(dir, [](int fd) {
    char byte;
    while (::read(fd, &byte, 1) > 0) {
    }  // until the client closes
  });
  const auto start = std::chrono::steady_clock::now();
  auto list = DockerClient(daemon.path(), 300ms).ListNetworks();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), fleet::Code::kUnavailable);
  EXPECT_NE(list.status().message().find("no answer in 300 ms"), std::string::npos) << list.status().ToString();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 10s);
}

TEST(DockerClientBounds, AnswerPastTheBoundFails) {
  testsupport::TempDir dir;
  const size_t size = agent::docker::kMaxResponseBytes + 1;
  FakeDaemon daemon(dir, [size](int fd) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(size) + "\r\n\r\n");
    WriteAll(fd, "[" + std::string(size - 2, ' ') + "]");
  });
  auto list = DockerClient(daemon.path(), 10s).ListContainers(false);
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("response larger than 8 MiB"), std::string::npos)
      << list.status().ToString();
}

TEST(DockerClientBounds, FiltersAreSentAsEngineApiJson) {
  testsupport::TempDir dir;
  FakeDaemon daemon(dir, [](int fd) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]");
  });
  auto list = DockerClient(daemon.path(), 10s)
                  .ListContainers(false, {{"label", {"a=b", "x y;$(rm)"}}, {"status", {"running"}}});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->empty());
  // {"label":{"a=b":true,"x y;$(rm)":true},"status":{"running":true}}, percent-encoded.
  EXPECT_TRUE(daemon.request().starts_with(
      "GET /containers/json?filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%2C%22x%20y%3B%24%28rm%29%22"
      "%3Atrue%7D%2C%22status%22%3A%7B%22running%22%3Atrue%7D%7D HTTP/1.1\r\n"))
      << daemon.request();
}

}  // namespace
