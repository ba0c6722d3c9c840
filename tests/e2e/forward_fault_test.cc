// Fault tests for the forwarding pipeline, with the real fleet-agent binary, real dockerd, a real
// Prometheus remote-write receiver and the Loki test receiver (tests/e2e/loki_receiver.h):
//  - a 60 s outage of both receivers with a SIGKILL + restart of the agent in the middle: every
//    log line arrives exactly once, the metric series has no gap;
//  - damaged buffer segments are detected, skipped and counted, and the agent keeps running;
//  - with the receivers down and a log flood, the buffer stays under its cap and counts drops.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/loki_receiver.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ForwardFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string output;
    ASSERT_TRUE(e2e::EnsureDockerd(&output)) << output;
  }

  // Writes the agent config; remote_write_url empty = no remoteWrite section.
  void WriteConfig(const std::string& remote_write_url, const std::string& max_bytes) {
    std::string yaml =
        "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: fault-host\njob: fleet-agent\n"
        "scrapeInterval: 1s\ncollectors: {enabled: [time], container: {enabled: false}}\n"
        "http: {listen: \"127.0.0.1:" + std::to_string(agent_.port()) + "\"}\n"
        "loki: {url: \"http://127.0.0.1:" + std::to_string(loki_.port()) + "/loki/api/v1/push\", "
        "batchWait: 200ms, minBackoff: 100ms, maxBackoff: 2s}\n"
        "buffer: {dir: \"" + buffer_dir_.string() + "\", maxBytes: " + max_bytes + "}\n"
        // Only this test's lines and series: not those of containers others labelled for scraping.
        "scrapeLabelledContainers: {enabled: false}\n";
    if (!remote_write_url.empty()) {
      yaml += "remoteWrite: {url: \"" + remote_write_url + "\", queue: {batchSendDeadline: 500ms, "
              "minBackoff: 100ms, maxBackoff: 2s}}\n";
    }
    dir_.Write("agent.yaml", yaml);
  }

  std::vector<std::string> Received(const std::string& container) const {
    std::vector<std::string> out;
    for (const auto& [labels, entries] : loki_.Streams()) {
      if (labels.at("container") != container) continue;
      for (const auto& e : entries) out.push_back(e.line);
    }
    return out;
  }

  // What dockerd itself has for the container: the ground truth.
  static std::vector<std::string> DockerLogs(const std::string& container) {
    auto r = e2e::Docker({"logs", container});
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  // Bytes on disk in one consistent look: the agent drops and starts segments while this walks
  // the directory, and a walk that saw the file set change could count a dropped segment and its
  // successor together, more than was ever on disk. Such a walk is taken again.
  uint64_t SegmentBytes() const {
    for (;;) {
      std::vector<std::string> before, after;
      uint64_t total = 0;
      std::error_code ec;
      for (fs::recursive_directory_iterator it(buffer_dir_, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        const uintmax_t size = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
        if (!size_ec) total += size;
        before.push_back(it->path().string());
      }
      for (fs::recursive_directory_iterator it(buffer_dir_, ec), end; !ec && it != end; it.increment(ec)) {
        after.push_back(it->path().string());
      }
      if (before == after) return total;
    }
  }

  std::vector<fs::path> Segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(buffer_dir_ / "logs")) {
      if (e.path().extension() == ".seg") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  e2e::TempDir dir_;
  fs::path buffer_dir_ = dir_.path() / "buffer";
  e2e::LokiReceiver loki_{e2e::FreePort()};
  e2e::AgentProcess agent_{(dir_.path() / "agent.yaml").string()};
  e2e::TestContainers containers_{"fwd-fault"};
};

TEST_F(ForwardFaultTest, OutageWithAgentKilledAndRestartedLosesAndDuplicatesNothing) {
  e2e::PrometheusReceiver prometheus((dir_.path() / "prom").string());
  loki_.Start();
  WriteConfig(prometheus.WriteUrl(), "256Mi");
  std::vector<std::string> names;
  for (int c = 0; c < 5; ++c) {
    names.push_back(containers_.Run("i=0; while true; do i=$((i+1)); echo c" + std::to_string(c) +
                                    "-line-$i; usleep 20000; done"));
  }
  agent_.Start();
  const std::string series = "node_time_seconds{instance=\"fault-host\",job=\"fleet-agent\"}";
  ASSERT_TRUE(e2e::WaitFor([&] {
    return !prometheus.Query(series).empty() &&
           std::all_of(names.begin(), names.end(), [&](const auto& n) { return !Received(n).empty(); });
  }, 30s)) << agent_.Log();

  const auto outage_start = std::chrono::system_clock::now();
  loki_.Stop();
  prometheus.Stop();
  std::this_thread::sleep_for(20s);
  agent_.Kill();
  agent_.Start();
  ASSERT_TRUE(agent_.Running()) << agent_.Log();
  std::this_thread::sleep_for(40s);
  const auto outage_end = std::chrono::system_clock::now();
  loki_.Start();
  prometheus.Start();
  std::this_thread::sleep_for(3s);
  for (const auto& n : names) e2e::Docker({"kill", n});

  for (const auto& n : names) {
    const auto want = DockerLogs(n);
    ASSERT_GT(want.size(), 2000u);  // up to 50 lines/s for over a minute
    EXPECT_TRUE(e2e::WaitFor([&] { return Received(n).size() >= want.size(); }, 60s))
        << n << ": " << Received(n).size() << " of " << want.size();
    // Nothing left in the buffers to send (again): a duplicate would be among what was received.
    EXPECT_TRUE(e2e::WaitFor([&] { return agent_.Metric("fleet_agent_buffer_pending_bytes") == 0; }, 30s));
    EXPECT_EQ(Received(n), want) << n;
  }
  EXPECT_EQ(loki_.Errors(), std::vector<std::string>{});

  // The series has a sample every scrape interval through the outage; the only gap allowed is
  // the agent's own restart (it cannot collect while it is not running).
  ASSERT_TRUE(e2e::WaitFor([&] {
    auto r = prometheus.Query("timestamp(" + series + ")");
    return !r.empty() && std::stod(r[0]["value"][1].get<std::string>()) >
                             std::chrono::duration<double>(outage_end.time_since_epoch()).count();
  }, 30s));
  auto samples = prometheus.Query(series + "[10m]");
  ASSERT_EQ(samples.size(), 1u);
  std::vector<double> times;
  for (const auto& v : samples[0]["values"]) times.push_back(v[0].get<double>());
  const double start = std::chrono::duration<double>(outage_start.time_since_epoch()).count();
  const double end = std::chrono::duration<double>(outage_end.time_since_epoch()).count();
  ASSERT_LT(times.front(), start);
  ASSERT_GT(times.back(), end);
  double max_gap = 0;
  for (size_t i = 1; i < times.size(); ++i) max_gap = std::max(max_gap, times[i] - times[i - 1]);
  EXPECT_LE(max_gap, 3.5) << "scrape interval 1s; restart takes well under 2s";
  EXPECT_GE(times.size(), static_cast<size_t>((end - start) * 0.9));
}

TEST_F(ForwardFaultTest, DamagedSegmentsAreSkippedCountedAndTheAgentKeepsRunning) {
  WriteConfig("", "8Mi");  // 1 MiB segments
  for (int c = 0; c < 3; ++c) {
    containers_.Run("i=0; while true; do i=$((i+1)); echo flood-" + std::to_string(c) +
                    "-$i-0123456789012345678901234567890123456789012345678901234567890123456789; done");
  }
  agent_.Start();  // Loki is down: everything stays in the buffer
  ASSERT_TRUE(e2e::WaitFor([&] { return Segments().size() >= 4; }, 60s)) << agent_.Log();
  agent_.Kill();
  const auto segments = Segments();
  {
    std::fstream f(segments[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(segments[0]) / 2));
    f.write("\xde\xad\xbe\xef", 4);
  }
  fs::resize_file(segments[1], fs::file_size(segments[1]) - 100);

  loki_.Start();
  agent_.Start();
  ASSERT_TRUE(e2e::WaitFor([&] { return agent_.Metric("fleet_agent_buffer_corrupt_segments_total") >= 2; }, 30s))
      << agent_.Metric("fleet_agent_buffer_corrupt_segments_total") << agent_.Log();
  EXPECT_GT(agent_.Metric("fleet_agent_buffer_corrupt_bytes_total"), 0);
  const size_t before = loki_.EntryCount();
  ASSERT_TRUE(e2e::WaitFor([&] { return loki_.EntryCount() > before + 1000; }, 30s));
  EXPECT_TRUE(agent_.Running());
  EXPECT_EQ(loki_.Errors(), std::vector<std::string>{});
}

TEST_F(ForwardFaultTest, CapHoldsWithReceiversDownUnderALogFloodAndDropsAreCounted) {
  const uint64_t cap = 2 << 20;
  WriteConfig("", "2Mi");
  for (int c = 0; c < 3; ++c) {
    containers_.Run("i=0; while true; do i=$((i+1)); echo flood-" + std::to_string(c) +
                    "-$i-0123456789012345678901234567890123456789012345678901234567890123456789; done");
  }
  agent_.Start();
  uint64_t peak = 0;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    peak = std::max(peak, SegmentBytes());
    std::this_thread::sleep_for(100ms);
  }
  const double dropped = agent_.Metric("fleet_agent_buffer_dropped_records_total");
  EXPECT_GT(dropped, 0) << agent_.Log();
  // Segments are capped; the positions and ack files (a few hundred bytes) come on top.
  EXPECT_LE(peak, cap + 16 * 1024);
  EXPECT_GT(peak, cap / 2);  // it did fill up
  std::this_thread::sleep_for(2s);
  EXPECT_GT(agent_.Metric("fleet_agent_buffer_dropped_records_total"), dropped);  // still counting
  EXPECT_TRUE(agent_.Running());
}

}  // namespace
