// DockerClient against the real dockerd (tests/e2e/ensure-dockerd.sh starts it and imports the
// offline busybox image): list, inspect, the events stream, and logs with stdout/stderr demux,
// TTY containers, since and follow.
#include <map>

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "agent/docker/docker_client.h"
#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"

namespace {

using agent::docker::DockerClient;
using agent::docker::LogLine;
using agent::docker::StreamCancel;

constexpr const char* kSocket = "/var/run/docker.sock";
constexpr const char* kImage = "vpsfleet-busybox:latest";

class DockerClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string output;
    ASSERT_TRUE(e2e::EnsureDockerd(&output)) << output;
  }
  DockerClient client_{kSocket};
  e2e::TestContainers containers_{"fwd-client"};
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
  const std::string plain = containers_.Run("sleep 60", {"--label", "vpsfleet.test=forward"});
  const std::string tty = containers_.Run("sleep 60", {"-t"});
  auto list = client_.ListContainers(false);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  auto found = std::find_if(list->begin(), list->end(), [&](const auto& c) { return c.name == plain; });
  ASSERT_NE(found, list->end());
  EXPECT_EQ(found->id.size(), 64u);
  EXPECT_EQ(found->image, kImage);
  EXPECT_EQ(found->labels.at("vpsfleet.test"), "forward");
  EXPECT_EQ(found->state, "running");

  for (const auto& name : {plain, tty}) {
    auto details = client_.Inspect(name);
    ASSERT_TRUE(details.ok()) << details.status().ToString();
    EXPECT_EQ(details->name, name);
    EXPECT_EQ(details->image, kImage);
    EXPECT_EQ(details->tty, name == tty);
    EXPECT_GT(details->pid, 0);
    EXPECT_GT(details->started_at_ns, 1600000000LL * 1000000000);
  }
  EXPECT_EQ(client_.Inspect("no-such-container-xyz").status().code(), fleet::Code::kNotFound);
}

// The source reads a rotating log before following it (dockerd 20.10's followers can miss a
// rotation): json-file rotates only with a max-size, local by default, none keeps no file.
TEST_F(DockerClientTest, InspectSaysWhetherDockerdRotatesTheLog) {
  const std::vector<std::pair<std::vector<std::string>, bool>> cases = {
      {{}, false},
      {{"--log-opt", "max-size=8k"}, true},
      {{"--log-opt", "max-size=8k", "--log-opt", "max-file=3"}, true},
      {{"--log-driver", "local"}, true},
      {{"--log-driver", "none"}, false},
  };
  for (const auto& [flags, rotates] : cases) {
    const std::string c = containers_.Run("sleep 60", flags);
    auto details = client_.Inspect(c);
    ASSERT_TRUE(details.ok()) << details.status().ToString();
    EXPECT_EQ(details->log_rotates, rotates) << testing::PrintToString(flags);
  }
}

TEST_F(DockerClientTest, LogsDemultiplexStdoutAndStderrInOrderWithTimestamps) {
  const std::string c = containers_.Run("for i in 1 2 3; do echo out-$i; echo err-$i >&2; done");
  ASSERT_TRUE(e2e::WaitFor([&] { return ReadLogs(client_, c, false).size() == 6; },
                           std::chrono::seconds(10)));
  auto lines = ReadLogs(client_, c, false);
  std::vector<std::string> out, err;
  // dockerd copies stdout and stderr separately: each stream is in time order, but one stream's
  // line can carry a timestamp a few µs before the other stream's line logged ahead of it.
  std::map<agent::docker::LogStream, int64_t> last;
  for (const auto& l : lines) {
    (l.stream == agent::docker::LogStream::kStdout ? out : err).push_back(l.text);
    EXPECT_GE(l.timestamp_ns, last[l.stream]);
    last[l.stream] = l.timestamp_ns;
  }
  EXPECT_EQ(out, (std::vector<std::string>{"out-1", "out-2", "out-3"}));
  EXPECT_EQ(err, (std::vector<std::string>{"err-1", "err-2", "err-3"}));
  // since: only lines at or after the given time.
  auto later = ReadLogs(client_, c, false, lines[3].timestamp_ns);
  ASSERT_FALSE(later.empty());
  EXPECT_GE(later.front().timestamp_ns, lines[3].timestamp_ns);
  EXPECT_LT(later.size(), lines.size());
}

// dockerd cuts a line longer than 16 KiB into messages, each with a timestamp of its own: the
// client gives the line back whole, and one longer than kMaxLineBytes in pieces of that size.
TEST_F(DockerClientTest, LongLinesComeBackWholeAndBounded) {
  // 40,000 and 600,000 bytes of a repeating digit pattern, then a short line.
  const std::string script =
      "seq 100000 | tr -d '\\n' | head -c 40000; echo; seq 1000000 | tr -d '\\n' | head -c 600000; echo; echo end";
  std::string digits;
  for (int i = 1; digits.size() < 600000; ++i) digits += std::to_string(i);
  const std::string short_line = digits.substr(0, 40000), long_line = digits.substr(0, 600000);
  for (bool tty : {false, true}) {
    const std::string c = tty ? containers_.Run(script, {"-t"}) : containers_.Run(script);
    ASSERT_TRUE(e2e::WaitFor([&] { auto l = ReadLogs(client_, c, tty); return !l.empty() && l.back().text == "end"; },
                             std::chrono::seconds(20))) << tty;
    const auto lines = ReadLogs(client_, c, tty);
    ASSERT_EQ(lines.size(), 5u) << tty;
    EXPECT_EQ(lines[0].text, short_line) << tty;
    EXPECT_EQ(lines[0].offset, 0u);
    std::string joined;
    for (size_t i = 1; i <= 3; ++i) {
      EXPECT_EQ(lines[i].offset, joined.size()) << i;
      EXPECT_EQ(lines[i].timestamp_ns, lines[1].timestamp_ns) << i;
      EXPECT_LE(lines[i].text.size(), agent::docker::kMaxLineBytes) << i;
      joined += lines[i].text;
    }
    EXPECT_EQ(joined, long_line) << tty;
    EXPECT_EQ(lines[4].text, "end") << tty;
  }
}

TEST_F(DockerClientTest, TtyContainerLogsAreRawLines) {
  const std::string c = containers_.Run("echo one; echo two", {"-t"});
  ASSERT_TRUE(e2e::WaitFor([&] { return ReadLogs(client_, c, true).size() == 2; },
                           std::chrono::seconds(10)));
  auto lines = ReadLogs(client_, c, true);
  EXPECT_EQ(lines[0].text, "one");
  EXPECT_EQ(lines[1].text, "two");
  EXPECT_GT(lines[1].timestamp_ns, 0);
}

// A logging driver without a readable log is dockerd's NotImplemented (501), with its message:
// DockerLogSource stops asking (a 503-like error would be retried every second forever).
TEST_F(DockerClientTest, LogsOfAContainerWithoutAReadableLogAreABadRequestWithDockerdsMessage) {
  const std::string c = containers_.Run("sleep 60", {"--log-driver", "none"});
  StreamCancel cancel;
  auto status = client_.StreamLogs(c, {false, true, 0}, [](LogLine&&) {}, nullptr, cancel);
  EXPECT_EQ(status.code(), fleet::Code::kBadRequest) << status.ToString();
  EXPECT_NE(status.message().find("does not support reading"), std::string::npos) << status.ToString();
}

TEST_F(DockerClientTest, FollowStreamsNewLinesUntilCancelled) {
  const std::string c = containers_.Run("i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.05; done");
  StreamCancel cancel;
  std::vector<std::string> got;
  std::mutex mu;
  std::thread follower([&] {
    auto status = client_.StreamLogs(c, {false, true, 0}, [&](LogLine&& l) {
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

// Events since a time taken before the call come too: dockerd replays those it holds. That is
// what closes the gap between the response head (on_subscribed) and dockerd's subscription.
TEST_F(DockerClientTest, EventsReportStartAndDieSinceTheTimeAsked) {
  const int64_t since = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string before = containers_.Run("true");
  ASSERT_EQ(e2e::Run({"docker", "wait", before}).exit_code, 0);
  StreamCancel cancel;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> events;  // action, name
  std::atomic<bool> subscribed = false;
  std::thread watcher([&] {
    auto status = client_.FollowEvents(since, [&] { subscribed = true; }, [&](const agent::docker::Event& e) {
      std::lock_guard lock(mu);
      events.emplace_back(e.action, e.name);
    }, cancel);
    EXPECT_TRUE(status.ok()) << status.ToString();
  });
  ASSERT_TRUE(e2e::WaitFor([&] { return subscribed.load(); }, std::chrono::seconds(10)));
  const std::string after = containers_.Run("sleep 0.2");
  auto seen = [&](const std::string& action, const std::string& name) {
    std::lock_guard lock(mu);
    return std::count(events.begin(), events.end(), std::make_pair(action, name)) > 0;
  };
  e2e::WaitFor([&] { return seen("die", after) && seen("die", before); }, std::chrono::seconds(10));
  cancel.Cancel();
  watcher.join();
  for (const auto& name : {before, after}) {
    EXPECT_TRUE(seen("start", name)) << name;
    EXPECT_TRUE(seen("die", name)) << name;
  }
}

}  // namespace
