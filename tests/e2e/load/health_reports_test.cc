// Health reports while the CPU is saturated: thousands of reports from several threads, each
// through the agent's own HealthReporter and HttpClient, to the real fleet-controller while busy
// loops take every core. Every report must be answered 200; failures are counted by message.
// (On a loaded 2-core machine, agents' reports failed with "body limit exceeded" whenever the
// controller's header and body reached the agent in separate reads.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "agent/health_reporter.h"
#include "fleet/core/crypto.h"
#include "tests/e2e/harness.h"

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST(HealthReportsUnderLoad, FiveThousandReportsFromEightThreadsAreAllAnswered) {
  constexpr int kThreads = 8;
  constexpr int kReportsPerThread = 625;
  e2e::TempDir tmp;
  e2e::Controller controller(tmp.path(), {"--agent-bundle", e2e::BinaryDir() + "/agent-bundle"});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  // A paused host is never delivered to: the test plays its agent, with a token of its own.
  const std::string fleet =
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec: {}\n---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: vps-load}\n"
      "spec: {address: 127.0.0.1, profile: standard, paused: true}\n";
  auto applied = controller.Fleetctl({"apply", "-f", "-"}, fleet);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string token = fleet::RandomHex(32);
  auto status = e2e::Http("PUT", controller.port(), "/apis/vpsfleet.io/v1alpha1/hosts/vps-load/status",
                          Json{{"status", {{"tokenHash", fleet::Sha256Hex(token)}}}}.dump(),
                          {{"Authorization", "Bearer " + controller.token()},
                           {"Content-Type", "application/json"}});
  ASSERT_EQ(status.status, 200) << status.body;

  agent::AgentConfig config;
  config.instance = "vps-load";
  config.revision = "r1";
  config.controller.url = controller.url();
  config.controller.token_file = tmp.Write("agent/token", token, 0600);
  agent::HealthReporter reporter(
      config, [] { return std::vector<agent::ComponentHealth>{{"collector/loadavg", true, ""}}; },
      [] { return agent::MemoryUse{}; });

  // A busy loop per core; `timeout` ends them should this test die before it stops them.
  const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<e2e::Process>> busy_loops;
  for (unsigned i = 0; i < cores; ++i) {
    busy_loops.push_back(std::make_unique<e2e::Process>(
        std::vector<std::string>{"timeout", "60", "sh", "-c", "while :; do :; done"}));
  }
  std::mutex mu;
  std::map<std::string, int> failures;  // by message
  const auto start = Clock::now();
  std::vector<std::thread> agents;
  for (int t = 0; t < kThreads; ++t) {
    agents.emplace_back([&] {
      for (int i = 0; i < kReportsPerThread; ++i) {
        const fleet::Status st = reporter.SendOnce();
        if (st.ok()) continue;
        std::lock_guard lock(mu);
        ++failures[st.message()];
      }
    });
  }
  for (auto& a : agents) a.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  busy_loops.clear();

  int failed = 0;
  std::string by_message;
  for (const auto& [message, n] : failures) {
    failed += n;
    by_message += "  " + std::to_string(n) + " x " + message + "\n";
  }
  std::printf("%d reports from %d threads in %.1f s beside %u busy loops: %d failed\n%s",
              kThreads * kReportsPerThread, kThreads, seconds, cores, failed, by_message.c_str());
  EXPECT_EQ(failed, 0) << by_message;
}

}  // namespace
