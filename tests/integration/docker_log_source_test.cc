// DockerLogSource against a fake Docker daemon (tests/integration/fake_dockerd.h) for what a real
// dockerd does too rarely to provoke: ending the logs stream of a container that still runs (20.10
// gives up following a json-file log when a line it reads stays half-written), and a container
// starting between the events response head and dockerd's subscription (it sends the head first).
// Every line reaches the buffer exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/buffer/segment_buffer.h"
#include "agent/sinks/forward_metrics.h"
#include "agent/sinks/loki_payload.h"
#include "agent/sources/docker_logs.h"
#include "agent/status/component_status.h"
#include "logproto/push.pb.h"
#include "tests/e2e/harness.h"
#include "tests/integration/fake_dockerd.h"

namespace {

using testsupport::FakeDockerd;
using namespace std::chrono_literals;

const std::string kId(64, 'a');
constexpr int kLines = 6;

std::string Chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

std::string Json(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

const std::string kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

// A frame on stdout.
std::string Frame(const std::string& payload) {
  const uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out = {1, 0, 0, 0, static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  return out + payload;
}

// Line i (1-based) as dockerd frames it: one second apart from 2024-05-01T10:00:00Z.
std::string Frame(int i) {
  return Frame("2024-05-01T10:00:0" + std::to_string(i) + "Z line-" + std::to_string(i) + "\n");
}

const std::vector<std::string> kAllLines = {"line-1", "line-2", "line-3", "line-4", "line-5", "line-6"};

// The seconds of since=SECONDS.NANOS in a logs request, 0 without one.
int SinceSecond(const std::string& head) {
  const size_t at = head.find("since=");
  if (at == std::string::npos) return 0;
  return std::stoi(head.substr(at + 6)) - 1714557600;  // 2024-05-01T10:00:00Z
}

class DockerLogSourceTest : public ::testing::Test {
 protected:
  // What the fake daemon answers: one running container, and its logs.
  void Answer(const std::string& head, int fd) {
    const std::string target = head.substr(0, head.find(" HTTP/"));
    if (target.starts_with("GET /events")) {
      e2e::SendAll(fd, kStreamHead);
      // As dockerd: the container started after the head, before the subscription, so only a
      // request asking for events since a time before now has its start event replayed.
      if (started_in_subscription_gap && head.find("since=") != std::string::npos &&
          std::stoll(head.substr(head.find("since=") + 6)) <= std::time(nullptr)) {
        e2e::SendAll(fd, Chunk(R"({"Type":"container","Action":"start","Actor":{"ID":")" + kId +
                               R"(","Attributes":{"name":"app"}},"timeNano":)" +
                               std::to_string(std::time(nullptr) * 1000000000LL) + "}\n"));
      }
      FakeDockerd::WaitForClose(fd);
    } else if (target.starts_with("GET /containers/json")) {
      e2e::SendAll(fd, Json(started_in_subscription_gap ? "[]"
                                                        : R"([{"Id":")" + kId + R"(","Names":["/app"],"Image":"busybox","State":"running"}])"));
    } else if (target.starts_with("GET /containers/" + kId + "/json")) {
      // A restart shows as a later StartedAt once the first stream has ended.
      const std::string started = restarted && logs_requests > 0 ? "2024-05-01T10:00:05Z" : "2024-05-01T10:00:00Z";
      const std::string log_config = rotating ? R"("HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"8k"}}},)" : "";
      e2e::SendAll(fd, Json(R"({"Id":")" + kId + R"(","Name":"/app","Config":{"Image":"busybox","Tty":false},)" +
                            log_config + R"("State":{"Status":"running","Pid":42,"StartedAt":")" + started + R"("}})"));
    } else if (target.starts_with("GET /containers/" + kId + "/logs") && logs_refused) {
      ++logs_requests;
      const std::string message = R"({"message":"configured logging driver does not support reading"})";
      e2e::SendAll(fd, "HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(message.size()) + "\r\n\r\n" + message);
    } else if (target.starts_with("GET /containers/" + kId + "/logs") && rotating) {
      // As dockerd 20.10 with a rotation during a follower's tail phase: the follower stays on the
      // renamed file and never sends the next one (here the three lines after the first it sends).
      // A read that does not follow sends every line and ends.
      ++logs_requests;
      const bool follow = head.find("follow=1") != std::string::npos;
      e2e::SendAll(fd, kStreamHead);
      const int from = std::max(1, SinceSecond(head));
      for (int i = from; i <= kLines; ++i) {
        if (follow && i > from && i <= from + 3) continue;
        e2e::SendAll(fd, Chunk(Frame(i)));
      }
      if (!follow) {
        e2e::SendAll(fd, "0\r\n\r\n");
        return;
      }
      FakeDockerd::WaitForClose(fd);
    } else if (target.starts_with("GET /containers/" + kId + "/logs")) {
      // Lines since the position asked for; the first stream ends after line 3 though the
      // container runs, as dockerd's does when it gives up; later ones stay open to the end.
      const bool first = logs_requests++ == 0 && !started_in_subscription_gap && !unstamped_line_first;
      e2e::SendAll(fd, kStreamHead);
      if (unstamped_line_first) e2e::SendAll(fd, Chunk(Frame("no time here\n")));
      for (int i = std::max(1, SinceSecond(head)); i <= (first ? 3 : kLines); ++i) {
        e2e::SendAll(fd, Chunk(Frame(i)));
      }
      if (first) {
        e2e::SendAll(fd, "0\r\n\r\n");
        return;
      }
      FakeDockerd::WaitForClose(fd);
    } else {
      e2e::SendAll(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }
  }

  // A DockerLogSource on the fake daemon, started.
  struct Source {
    explicit Source(DockerLogSourceTest& t) {
      auto opened = agent::SegmentBuffer::Open({t.dir_.path() / "buffer"});
      EXPECT_TRUE(opened.ok()) << opened.status().ToString();
      buffer = std::move(*opened);
      agent::DockerLogsOptions options{t.daemon_.path(), {{"job", "docker"}}, {}, t.dir_.path() / "positions.json"};
      options.status = status;
      source = std::make_unique<agent::DockerLogSource>(std::move(options), *buffer, metrics);
      EXPECT_TRUE(source->Start().ok());
    }
    std::unique_ptr<agent::SegmentBuffer> buffer;
    agent::ForwardMetrics metrics;
    std::shared_ptr<agent::status::Component> status =
        std::make_shared<agent::status::Component>("docker_logs", "source", std::vector<std::string>{});
    std::unique_ptr<agent::DockerLogSource> source;
  };

  // Every line in the buffer, in order.
  std::vector<std::string> Buffered(agent::SegmentBuffer& buffer) {
    std::vector<std::string> lines;
    auto batch = buffer.Read({}, [](std::string_view) { return 1; }, 1000, std::chrono::steady_clock::now());
    if (!batch.ok()) return {batch.status().ToString()};
    for (const auto& bytes : batch->records) {
      auto record = agent::DecodeLogRecord(bytes);
      logproto::PushRequest request;
      if (!record.ok() || !request.ParseFromString(record->push_request)) return {"undecodable record"};
      for (const auto& stream : request.streams()) {
        for (const auto& entry : stream.entries()) lines.push_back(entry.line());
      }
    }
    return lines;
  }

  // Streams the container's logs through a DockerLogSource until `want` is buffered; what
  // the source's status says last went wrong.
  std::string RunSource(const std::vector<std::string>& want = kAllLines) {
    Source s(*this);
    EXPECT_TRUE(e2e::WaitFor([&] { return Buffered(*s.buffer).size() >= want.size(); }, 20s))
        << testing::PrintToString(Buffered(*s.buffer));
    EXPECT_EQ(Buffered(*s.buffer), want);
    return s.status->Snapshot().last_error;
  }

  // RunSource where the first stream ends after line 3: the second asks from the third's time on.
  std::string RunSourceResumed() {
    const std::string last_error = RunSource();
    int resumed_since = -1;
    for (const auto& head : daemon_.requests()) {
      if (head.find("/logs?") != std::string::npos) resumed_since = SinceSecond(head);
    }
    EXPECT_EQ(resumed_since, 3);
    EXPECT_EQ(logs_requests, 2);
    return last_error;
  }

  testsupport::TempDir dir_;
  std::atomic<bool> restarted{false};
  std::atomic<bool> started_in_subscription_gap{false};
  std::atomic<bool> logs_refused{false};
  std::atomic<bool> unstamped_line_first{false};
  std::atomic<bool> rotating{false};
  std::atomic<int> logs_requests{0};
  FakeDockerd daemon_{dir_, [this](const std::string& head, int fd) { Answer(head, fd); }};
};

TEST_F(DockerLogSourceTest, AStreamDockerdEndsWhileTheContainerRunsIsResumedFromItsPosition) {
  EXPECT_NE(RunSourceResumed().find("dockerd ended the logs stream of a running container"), std::string::npos);
}

// A container restarted while its stream ended is followed in its new run, as any restart: no
// error on the status page.
TEST_F(DockerLogSourceTest, AStreamEndedByARestartIsFollowedOnWithoutAnError) {
  restarted = true;
  EXPECT_EQ(RunSourceResumed(), "");
}

// Not in the list (taken when the events response head came) and not a live event: the
// container is found through the events replayed from the time taken before subscribing.
TEST_F(DockerLogSourceTest, AContainerStartedWhileDockerdSubscribesIsFollowed) {
  started_in_subscription_gap = true;
  EXPECT_EQ(RunSource(), "");
  EXPECT_EQ(logs_requests, 1);
}

// A line whose time cannot be parsed gets the agent's clock, later than dockerd's times of the
// lines after it: those are not taken for repeats of it (they were dropped, every one).
TEST_F(DockerLogSourceTest, ALineWithoutDockerdsTimeDoesNotHideTheLinesAfterIt) {
  unstamped_line_first = true;
  std::vector<std::string> want = {"no time here"};
  want.insert(want.end(), kAllLines.begin(), kAllLines.end());
  EXPECT_EQ(RunSource(want), "");
}

// Where the log rotates, what is written is read without following first, and the follow asks
// from the newest time taken: the lines a late-subscribed follower skips (2-4 here, with one
// follow from the start) are already taken, and the one both send (line 6) is taken once.
TEST_F(DockerLogSourceTest, ARotatingLogIsReadBeforeItIsFollowed) {
  rotating = true;
  Source s(*this);
  ASSERT_TRUE(e2e::WaitFor([&] { return s.metrics.log_lines_skipped.Value({"repeat"}) >= 1; }, 20s))
      << testing::PrintToString(Buffered(*s.buffer));
  EXPECT_EQ(Buffered(*s.buffer), kAllLines);
  EXPECT_EQ(s.status->Snapshot().last_error, "");
  std::vector<std::string> logs;
  for (const auto& head : daemon_.requests()) {
    if (head.find("/logs?") != std::string::npos) logs.push_back(head.substr(0, head.find(" HTTP/")));
  }
  ASSERT_EQ(logs.size(), 2u) << testing::PrintToString(logs);
  EXPECT_EQ(logs[0].find("follow=1"), std::string::npos) << logs[0];
  EXPECT_NE(logs[1].find("follow=1"), std::string::npos) << logs[1];
  EXPECT_EQ(SinceSecond(logs[1]), kLines);
}

// A logging driver without a readable log (none, syslog) is the container's choice: dockerd 20.10
// answers 501 and the source neither asks again (it would every second, as after a 503) nor
// reports itself failed.
TEST_F(DockerLogSourceTest, AContainerWhoseLogCannotBeReadIsNotAskedAgain) {
  logs_refused = true;
  Source s(*this);
  ASSERT_TRUE(e2e::WaitFor([&] { return logs_requests > 0; }, 20s));
  std::this_thread::sleep_for(1500ms);  // a retry would have come after 1 s
  EXPECT_EQ(logs_requests, 1);
  EXPECT_EQ(s.status->Snapshot().last_error, "");
}

}  // namespace
