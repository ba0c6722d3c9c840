// Config reload of the real fleet-agent: SIGHUP with a valid changed config makes the new
// revision active without losing what sat in the on-disk buffer (real dockerd container logs,
// Loki receiver down across the reload); an invalid config is refused with its field path, the old
// one keeps running and the refusal shows in /api/v1/status, /metrics and `fleet-agent status`;
// an edited file is picked up without a signal, and a changed http.listen moves the listener.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/loki_receiver.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json Status(int port) {
  auto r = e2e::Http("GET", port, "/api/v1/status");
  if (r.status != 200) return json();
  return json::parse(r.body, nullptr, false);
}

std::string Revision(int port) {
  json s = Status(port);
  return s.is_object() ? s["config"].value("revision", "") : "";
}

bool HasComponent(const json& status, const std::string& name) {
  if (!status.is_object()) return false;
  for (const auto& c : status["components"]) {
    if (c.value("name", "") == name) return true;
  }
  return false;
}

std::string Config(const std::string& revision, int port, const std::string& rest) {
  return "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: reload-host\nrevision: " +
         revision + "\nscrapeInterval: 1s\nhttp: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n" + rest;
}

TEST(AgentReload, SighupSwapsToTheNewRevisionAndBufferedLinesSurvive) {
  std::string output;
  ASSERT_TRUE(e2e::EnsureDockerd(&output)) << output;
  e2e::TempDir dir;
  e2e::LokiReceiver loki(e2e::FreePort());
  loki.Start();
  const std::string path = (dir.path() / "agent.yaml").string();
  e2e::AgentProcess agent(path);
  const std::string sections =
      "loki: {url: \"http://127.0.0.1:" + std::to_string(loki.port()) + "/loki/api/v1/push\", "
      "batchWait: 200ms, minBackoff: 100ms, maxBackoff: 1s}\n"
      "buffer: {dir: \"" + (dir.path() / "buffer").string() + "\"}\n";
  dir.Write("agent.yaml", Config("r1", agent.port(),
                                 "collectors: {enabled: [time], container: {enabled: false}}\n" + sections));
  e2e::TestContainers containers("reload");
  const std::string name =
      containers.Run("i=0; while true; do i=$((i+1)); echo line-$i; usleep 10000; done");
  agent.Start();
  auto received = [&] {
    std::vector<std::string> out;
    for (const auto& [labels, entries] : loki.Streams()) {
      if (labels.at("container") != name) continue;
      for (const auto& e : entries) out.push_back(e.line);
    }
    return out;
  };
  ASSERT_TRUE(e2e::WaitFor([&] { return !received().empty(); }, 30s)) << agent.Log();
  EXPECT_EQ(Revision(agent.port()), "r1");

  // Receiver down: lines pile up in the buffer; the reload happens while they are there.
  loki.Stop();
  std::this_thread::sleep_for(2s);
  dir.Write("agent.yaml", Config("r2", agent.port(),
                                 "collectors: {enabled: [time, loadavg], container: {enabled: false}}\n" +
                                     sections));
  ASSERT_EQ(::kill(agent.pid(), SIGHUP), 0);
  ASSERT_TRUE(e2e::WaitFor([&] { return Revision(agent.port()) == "r2"; }, 20s)) << agent.Log();
  json s = Status(agent.port());
  EXPECT_TRUE(s["config"]["lastReload"]["successful"].get<bool>()) << s.dump(2);
  EXPECT_EQ(s["config"]["lastReload"]["trigger"], "SIGHUP");
  EXPECT_TRUE(HasComponent(s, "collector/loadavg")) << s.dump(2);
  EXPECT_TRUE(HasComponent(s, "sink/loki")) << s.dump(2);
  EXPECT_EQ(agent.Metric("fleet_agent_config_last_reload_successful"), 1);
  std::this_thread::sleep_for(2s);
  loki.Start();
  std::this_thread::sleep_for(2s);
  // Enough lines to span the outage and the reload; a loaded machine runs the loop slower.
  auto logged = [&] {
    std::vector<std::string> lines;
    std::istringstream in(e2e::Docker({"logs", name}).out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  EXPECT_TRUE(e2e::WaitFor([&] { return logged().size() > 300; }, 30s));
  e2e::Docker({"kill", name});
  const std::vector<std::string> want = logged();
  ASSERT_GT(want.size(), 300u);
  EXPECT_TRUE(e2e::WaitFor([&] { return received().size() >= want.size(); }, 60s))
      << received().size() << " of " << want.size() << "\n" << agent.Log();
  // Nothing left in the buffer to send (again): a duplicate would be among what was received.
  EXPECT_TRUE(e2e::WaitFor([&] { return agent.Metric("fleet_agent_buffer_pending_bytes") == 0; }, 30s));
  EXPECT_EQ(received(), want);
  EXPECT_EQ(loki.Errors(), std::vector<std::string>{});
  EXPECT_NE(agent.Log().find("config reloaded (SIGHUP): revision r1 -> r2"), std::string::npos) << agent.Log();
}

TEST(AgentReload, InvalidConfigIsRefusedThenAnEditedFileReloadsWithoutASignal) {
  e2e::TempDir dir;
  const std::string path = (dir.path() / "agent.yaml").string();
  e2e::AgentProcess agent(path, {"--config.check-interval", "1"});
  const std::string collectors = "collectors: {enabled: [time], container: {enabled: false}}\n";
  dir.Write("agent.yaml", Config("r1", agent.port(), collectors));
  agent.Start();
  ASSERT_EQ(Revision(agent.port()), "r1") << agent.Log();

  dir.Write("agent.yaml", Config("r2", agent.port(), collectors + "logging: {level: loud}\n"));
  ASSERT_EQ(::kill(agent.pid(), SIGHUP), 0);
  ASSERT_TRUE(e2e::WaitFor([&] {
    json s = Status(agent.port());
    return s.is_object() && s["config"]["lastReload"].is_object();
  }, 20s)) << agent.Log();
  json s = Status(agent.port());
  EXPECT_EQ(s["config"]["revision"], "r1");
  EXPECT_FALSE(s["config"]["lastReload"]["successful"].get<bool>());
  EXPECT_NE(s["config"]["lastReload"]["error"].get<std::string>().find("logging.level: must be one of"),
            std::string::npos) << s.dump(2);
  EXPECT_FALSE(s["healthy"].get<bool>());
  EXPECT_TRUE(HasComponent(s, "collector/time"));
  EXPECT_NE(agent.Log().find("logging.level: must be one of"), std::string::npos) << agent.Log();
  // The old config still collects and serves.
  EXPECT_GT(agent.Metric("node_time_seconds"), 0);
  EXPECT_EQ(agent.Metric("fleet_agent_config_last_reload_successful"), 0);
  auto failures = e2e::Http("GET", agent.port(), "/metrics").body;
  EXPECT_NE(failures.find("fleet_agent_config_reloads_total{result=\"failure\"} 1\n"), std::string::npos);
  e2e::CommandResult cli = e2e::Run({e2e::Bin("fleet-agent"), "status", "--config", path});
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("REFUSED"), std::string::npos) << cli.out;

  // The same invalid bytes are not retried by the file watcher; a fixed file is picked up
  // without a signal, and its new listen address moves the listener.
  const int new_port = e2e::FreePort();
  dir.Write("agent.yaml", Config("r3", new_port, collectors));
  ASSERT_TRUE(e2e::WaitFor([&] { return Revision(new_port) == "r3"; }, 20s)) << agent.Log();
  s = Status(new_port);
  EXPECT_TRUE(s["config"]["lastReload"]["successful"].get<bool>()) << s.dump(2);
  EXPECT_EQ(s["config"]["lastReload"]["trigger"], "file changed");
  EXPECT_EQ(s["config"]["reloads"]["failure"], 1);
  EXPECT_EQ(s["config"]["reloads"]["success"], 1);
  EXPECT_TRUE(s["healthy"].get<bool>()) << s.dump(2);
  EXPECT_EQ(e2e::Http("GET", agent.port(), "/-/healthy", "", {}, 2s).status, 0) << "old listener still open";
  cli = e2e::Run({e2e::Bin("fleet-agent"), "status", "--config", path});
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
}

TEST(AgentStatusCli, UnreachableAgentExitsTwo) {
  const int port = e2e::FreePort();
  e2e::CommandResult r = e2e::Run({e2e::Bin("fleet-agent"), "status", "--address",
                                   "127.0.0.1:" + std::to_string(port), "--timeout", "2"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("unreachable"), std::string::npos) << r.err;
}

}  // namespace
