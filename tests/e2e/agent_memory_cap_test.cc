// The memory cap end to end: the agent bundle runs in a Docker container limited to 30 MiB (swap
// included), follows a container that logs as fast as it can, and ships to a Loki receiver that
// is down for a while and then comes back. The agent must find the limit in its own cgroup, keep
// its batches under the budget and shed (counted) rather than be OOM-killed, and deliver the
// backlog once the receiver is back.
//
// The config asks for what would not fit without the cap: 256 MiB Loki batches in the JSON format
// (several times a batch's size while it is encoded) — once a backlog is on disk, one such batch
// outgrows the container's limit (an agent that does not see its limit is OOM-killed within two
// seconds of the receiver's return). The budget is 0.4 of the limit, 12 MiB, so that pressure
// (shedding above 90% of it, 10.8 MiB) is sure to act while the backlog is delivered and not
// before: idle, the agent holds about 9 MiB, following the flood about 10.5, and delivering the
// backlog through batches capped at a 15 MiB budget it reached 12.2 to 13.8 MiB. At half the limit
// (15 MiB) pressure acted only in the runs that reached 13.5, so the shedding went untested in the
// others (a CI run saw 13.3 MiB and no shedding).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>

#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/loki_receiver.h"

namespace e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLimitMiB = 30;
constexpr double kLimitFraction = 0.4;

TEST(AgentMemoryCap, LogFloodWithTheReceiverDownShedsInsteadOfBeingOomKilled) {
  std::string output;
  ASSERT_TRUE(EnsureDockerd(&output)) << output;
  const std::string bundle = BinaryDir() + "/agent-bundle";
  ASSERT_TRUE(std::filesystem::exists(bundle + "/MANIFEST")) << "build fleet-agent-bundle";

  LokiReceiver receiver(FreePort());  // not started: the receiver is down
  const int port = FreePort();
  TempDir dir;
  dir.Write("agent.yaml",
            "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: memcap\n"
            "http: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n"
            "collectors: {container: {enabled: false}}\n"
            "loki: {url: \"http://127.0.0.1:" + std::to_string(receiver.port()) +
            "/loki/api/v1/push\", format: json, batchSize: 256Mi, batchWait: 500ms, "
            "minBackoff: 100ms, maxBackoff: 500ms}\n"
            "buffer: {dir: /var/lib/fleet-agent/buffer, maxBytes: 512Mi, fsync: never}\n"
            "memory: {limitFraction: " + std::to_string(kLimitFraction) + ", checkInterval: 100ms}\n");

  TestContainers containers("vpsfleet-memcap");
  const std::string agent = containers.Run(
      "exec /opt/fleet-agent/bin/fleet-agent --config /etc/fleet/agent.yaml",
      {"--memory", std::to_string(kLimitMiB) + "m", "--memory-swap", std::to_string(kLimitMiB) + "m",
       "--network", "host", "-v", bundle + ":/opt/fleet-agent:ro", "-v",
       dir.path().string() + ":/etc/fleet:ro", "-v", "/var/run/docker.sock:/var/run/docker.sock"});
  auto agent_log = [&] { return Docker({"logs", "--tail", "40", agent}).err; };
  ASSERT_TRUE(WaitFor([&] { return Http("GET", port, "/-/ready").status == 200; }, 30s)) << agent_log();
  // The limit was found in the container's own cgroup (v1 here): the fraction of it.
  const double budget = std::floor(kLimitMiB * 1048576.0 * kLimitFraction);
  EXPECT_EQ(AgentMetric(port, "fleet_agent_memory_budget_bytes"), budget);

  // OOMKilled stays false and the agent keeps running; checked all along.
  std::string state;
  auto alive = [&] {
    state = Docker({"inspect", "-f", "{{.State.OOMKilled}} {{.State.Running}}", agent}).out;
    return state == "false true\n";
  };
  double max_rss = 0;
  auto watch = [&](std::chrono::milliseconds how_long, const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
      if (!alive()) return false;
      max_rss = std::max(max_rss, AgentMetric(port, "process_resident_memory_bytes"));
      if (done && done()) return true;
      std::this_thread::sleep_for(200ms);
    }
    return !done;
  };

  // 200-byte lines, as fast as one core lets busybox write them. Docker's log file must not
  // rotate under a reader that is paused: dockerd's follow can stall there (its business, not
  // the agent's), so it gets room for the whole run.
  const double idle_rss = AgentMetric(port, "process_resident_memory_bytes");
  const std::string flood = containers.Run(
      "yes 'flood 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
      "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef'",
      {"--cpus", "1", "--log-opt", "max-size=2g"});
  ASSERT_TRUE(watch(15s, nullptr)) << state << agent_log();
  const double backlog = AgentMetric(port, "fleet_agent_buffer_bytes");
  const double flood_rss = max_rss;
  max_rss = 0;  // from here on: while the backlog is delivered
  EXPECT_GT(backlog, 5 << 20) << "the flood should have left a backlog (many capped batches) in the disk buffer";

  receiver.Start();
  auto flood_lines = [&] {
    size_t n = 0;
    for (const auto& [labels, entries] : receiver.Streams()) {
      if (labels.count("container") && labels.at("container") == flood) n += entries.size();
    }
    return n;
  };
  // The backlog flows: far more lines than one capped batch (640 KiB, about 3000 lines) holds.
  EXPECT_TRUE(watch(30s, [&] { return flood_lines() > 50000; }))
      << state << " received " << flood_lines() << "\n" << agent_log();
  EXPECT_TRUE(alive()) << state << agent_log();
  EXPECT_TRUE(receiver.Errors().empty()) << receiver.Errors().front();

  // A counter no component has added to yet is not exposed (AgentMetric: -1).
  const double shed = std::max(0.0, AgentMetric(port, "fleet_agent_memory_shed_total"));
  const double pauses = std::max(0.0, AgentMetric(port, "fleet_agent_memory_pauses_total"));
  EXPECT_GT(shed + pauses, 0) << "memory pressure never acted (RSS up to " << max_rss / 1048576 << " MiB)";
  std::printf("memory cap: limit %d MiB, budget %.1f MiB, RSS idle %.1f MiB, following the flood "
              "up to %.1f, delivering up to %.1f; backlog %.1f MiB, shed %g, pauses %g, lines "
              "received %zu\n",
              kLimitMiB, budget / 1048576, idle_rss / 1048576, flood_rss / 1048576,
              max_rss / 1048576, backlog / 1048576, shed, pauses, flood_lines());
}

}  // namespace
}  // namespace e2e
