// DockerClient against a fake daemon on a unix socket in a scratch directory: a daemon that never
// answers fails the call at the request timeout, one that answers more than kMaxResponseBytes
// fails it at the bound, an error answer to a stream request is read for its message only up to
// a bound and only as valid UTF-8, and the container list request carries its filters as the
// Engine API's JSON (never a shell).
#include <gtest/gtest.h>

#include <chrono>

#include "agent/docker/docker_client.h"
#include "fleet/core/text.h"
#include "tests/integration/fake_dockerd.h"

namespace {

using agent::docker::DockerClient;
using namespace std::chrono_literals;

using testsupport::FakeDockerd;

TEST(DockerClientBounds, SilentDaemonFailsAtTheRequestTimeout) {
  testsupport::TempDir dir;
  FakeDockerd daemon(dir, [](const std::string&, int fd) { FakeDockerd::WaitForClose(fd); });
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
  FakeDockerd daemon(dir, [size](const std::string&, int fd) {
    e2e::SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(size) + "\r\n\r\n");
    e2e::SendAll(fd, "[" + std::string(size - 2, ' ') + "]");
  });
  auto list = DockerClient(daemon.path(), 10s).ListContainers(false);
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("response larger than 8 MiB"), std::string::npos)
      << list.status().ToString();
}

TEST(DockerClientBounds, AStreamsErrorMessageIsBoundedAndValidUtf8) {
  struct Case {
    std::string name;
    std::string body;
    std::string message;  // what the status says after "HTTP 501"
  };
  const std::string huge = R"({"message":")" + std::string(1 << 20, 'x') + R"("})";
  for (const Case& c : std::vector<Case>{
           {"dockerd's message", R"({"message":"configured logging driver does not support reading"})",
            ": configured logging driver does not support reading"},
           {"a megabyte of message (cut, so no JSON)", huge, ""},
           {"invalid UTF-8", "{\"message\":\"bad \xff\xfe byte\"}", ""}}) {
    SCOPED_TRACE(c.name);
    testsupport::TempDir dir;
    FakeDockerd daemon(dir, [&](const std::string&, int fd) {
      e2e::SendAll(fd, "HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(c.body.size()) + "\r\n\r\n" + c.body);
    });
    agent::docker::StreamCancel cancel;
    const auto status = DockerClient(daemon.path(), 10s)
                            .StreamLogs("c1", {false, true, 0}, [](agent::docker::LogLine&&) {}, nullptr, cancel);
    EXPECT_EQ(status.code(), fleet::Code::kBadRequest);
    const std::string head = "docker /containers/c1/logs?stdout=1&stderr=1&timestamps=1&follow=1: HTTP 501";
    EXPECT_EQ(status.message(), head + c.message);
    EXPECT_TRUE(fleet::IsUtf8(status.message()));
  }
}

TEST(DockerClientBounds, FiltersAreSentAsEngineApiJson) {
  testsupport::TempDir dir;
  FakeDockerd daemon(dir, [](const std::string&, int fd) {
    e2e::SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]");
  });
  auto list = DockerClient(daemon.path(), 10s)
                  .ListContainers(false, {{"label", {"a=b", "x y;$(rm)"}}, {"status", {"running"}}});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->empty());
  // {"label":{"a=b":true,"x y;$(rm)":true},"status":{"running":true}}, percent-encoded.
  EXPECT_TRUE(daemon.requests().at(0).starts_with(
      "GET /containers/json?filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%2C%22x%20y%3B%24%28rm%29%22"
      "%3Atrue%7D%2C%22status%22%3A%7B%22running%22%3Atrue%7D%7D HTTP/1.1\r\n"))
      << daemon.requests().at(0);
}

}  // namespace
