// DockerClient against the real dockerd (tests/e2e/ensure-dockerd.sh starts it and imports the
// offline busybox image): list, inspect, the events stream, and logs with stdout/stderr demux,
// TTY containers, since and follow.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "agent/docker/docker_client.h"
#include "tests/e2e/harness.h"

namespace {

using agent::docker::DockerClient;
using agent::docker::LogLine;
using agent::docker::StreamCancel;

constexpr const char* kSocket = "/var/run/docker.sock";
constexpr const char* kImage = "vpsfleet-busybox:latest";

// harness Run/Process exec without a PATH search: /usr/bin/env finds docker.
// A container started for one test and removed with it.
class TestContainer {
 public:
  TestContainer(const std::string& name, std::vector<std::string> run_flags, const std::string& script)
      : name_(name + "-" + std::to_string(::getpid())) {
    std::vector<std::string> argv = {"/usr/bin/env", "docker", "run", "-d", "--name", name_,
                                     "--label", "vpsfleet.test=forward"};
    argv.insert(argv.end(), run_flags.begin(), run_flags.end());
    argv.insert(argv.end(), {kImage, "sh", "-c", script});
    auto r = e2e::Run(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    id_ = r.out.substr(0, r.out.find('\n'));
  }
  ~TestContainer() { e2e::Run({"/usr/bin/env", "docker", "rm", "-f", name_}); }
  const std::string& name() const { return name_; }
  const std::string& id() const { return id_; }

 private:
  std::string name_, id_;
};

class DockerClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = e2e::Run({"/bin/sh", e2e::SourceDir() + "/tests/e2e/ensure-dockerd.sh"}, "", {},
                      std::chrono::seconds(120));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  DockerClient client_{kSocket};
};

std::vector<LogLine> ReadLogs(const DockerClient& client, const std::string& id, bool tty,
                              int64_t since_ns = 0) {
  std::vector<LogLine> lines;
  StreamCancel cancel;
  auto status = client.StreamLogs(id, {tty, false, since_ns},
                                  [&](LogLine&& l) { lines.push_back(std::move(l)); }, nullptr, cancel);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return lines;
}

TEST_F(DockerClientTest, ListAndInspectReportNameImageLabelsAndTty) {
  TestContainer plain("fwd-inspect", {}, "sleep 60");
  TestContainer tty("fwd-inspect-tty", {"-t"}, "sleep 60");
  auto list = client_.ListContainers(false);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  auto found = std::find_if(list->begin(), list->end(), [&](const auto& c) { return c.id == plain.id(); });
  ASSERT_NE(found, list->end());
  EXPECT_EQ(found->name, plain.name());
  EXPECT_EQ(found->image, kImage);
  EXPECT_EQ(found->labels.at("vpsfleet.test"), "forward");
  EXPECT_EQ(found->state, "running");

  for (const auto* c : {&plain, &tty}) {
    auto details = client_.Inspect(c->id());
    ASSERT_TRUE(details.ok()) << details.status().ToString();
    EXPECT_EQ(details->name, c->name());
    EXPECT_EQ(details->image, kImage);
    EXPECT_EQ(details->tty, c == &tty);
    EXPECT_GT(details->pid, 0);
    EXPECT_GT(details->started_at_ns, 1600000000LL * 1000000000);
  }
  EXPECT_EQ(client_.Inspect("no-such-container-xyz").status().code(), fleet::Code::kNotFound);
}

TEST_F(DockerClientTest, LogsDemultiplexStdoutAndStderrInOrderWithTimestamps) {
  TestContainer c("fwd-logs", {}, "for i in 1 2 3; do echo out-$i; echo err-$i >&2; done");
  ASSERT_TRUE(e2e::WaitFor([&] { return ReadLogs(client_, c.id(), false).size() == 6; },
                           std::chrono::seconds(10)));
  auto lines = ReadLogs(client_, c.id(), false);
  std::vector<std::string> out, err;
  int64_t last = 0;
  for (const auto& l : lines) {
    (l.stream == agent::docker::LogStream::kStdout ? out : err).push_back(l.text);
    EXPECT_GE(l.timestamp_ns, last);
    last = l.timestamp_ns;
  }
  EXPECT_EQ(out, (std::vector<std::string>{"out-1", "out-2", "out-3"}));
  EXPECT_EQ(err, (std::vector<std::string>{"err-1", "err-2", "err-3"}));
  // since: only lines at or after the given time.
  auto later = ReadLogs(client_, c.id(), false, lines[3].timestamp_ns);
  ASSERT_FALSE(later.empty());
  EXPECT_GE(later.front().timestamp_ns, lines[3].timestamp_ns);
  EXPECT_LT(later.size(), lines.size());
}

TEST_F(DockerClientTest, TtyContainerLogsAreRawLines) {
  TestContainer c("fwd-tty", {"-t"}, "echo one; echo two");
  ASSERT_TRUE(e2e::WaitFor([&] { return ReadLogs(client_, c.id(), true).size() == 2; },
                           std::chrono::seconds(10)));
  auto lines = ReadLogs(client_, c.id(), true);
  EXPECT_EQ(lines[0].text, "one");
  EXPECT_EQ(lines[1].text, "two");
  EXPECT_GT(lines[1].timestamp_ns, 0);
}

TEST_F(DockerClientTest, FollowStreamsNewLinesUntilCancelled) {
  TestContainer c("fwd-follow", {}, "i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.05; done");
  StreamCancel cancel;
  std::vector<std::string> got;
  std::mutex mu;
  std::thread follower([&] {
    auto status = client_.StreamLogs(c.id(), {false, true, 0}, [&](LogLine&& l) {
      std::lock_guard lock(mu);
      got.push_back(l.text);
    }, nullptr, cancel);
    EXPECT_TRUE(status.ok()) << status.ToString();
  });
  const bool enough = e2e::WaitFor([&] { std::lock_guard lock(mu); return got.size() >= 10; },
                                   std::chrono::seconds(10));
  cancel.Cancel();
  follower.join();
  ASSERT_TRUE(enough);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], "line-" + std::to_string(i + 1));
}

TEST_F(DockerClientTest, EventsReportStartAndDie) {
  StreamCancel cancel;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> events;  // action, name
  std::atomic<bool> subscribed = false;
  std::thread watcher([&] {
    auto status = client_.FollowEvents([&] { subscribed = true; }, [&](const agent::docker::Event& e) {
      std::lock_guard lock(mu);
      events.emplace_back(e.action, e.name);
    }, cancel);
    EXPECT_TRUE(status.ok()) << status.ToString();
  });
  ASSERT_TRUE(e2e::WaitFor([&] { return subscribed.load(); }, std::chrono::seconds(10)));
  std::string name;
  {
    TestContainer c("fwd-events", {}, "sleep 0.2");
    name = c.name();
    e2e::WaitFor([&] {
      std::lock_guard lock(mu);
      return std::count(events.begin(), events.end(), std::make_pair(std::string("die"), name)) > 0;
    }, std::chrono::seconds(10));
  }
  cancel.Cancel();
  watcher.join();
  std::lock_guard lock(mu);
  EXPECT_NE(std::find(events.begin(), events.end(), std::make_pair(std::string("start"), name)), events.end());
  EXPECT_NE(std::find(events.begin(), events.end(), std::make_pair(std::string("die"), name)), events.end());
}

}  // namespace
