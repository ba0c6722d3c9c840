// The component status registry, the agent status document and the `fleet-agent status` table.
#include <gtest/gtest.h>

#include <thread>

#include "agent/status/agent_status.h"
#include "agent/status/component_status.h"
#include "agent/status/status_client.h"

namespace agent::status {
namespace {

using namespace std::chrono_literals;

TEST(Component, HealthFollowsTheLastAttemptAndKeepsTheLastError) {
  Component c("sink/loki", "sink", {"lines", "retries"});
  EXPECT_EQ(c.Snapshot().health, Health::kUnknown);
  c.Succeeded();
  EXPECT_EQ(c.Snapshot().health, Health::kOk);
  c.Failed("HTTP 503: overloaded");
  ComponentSnapshot s = c.Snapshot();
  EXPECT_EQ(s.health, Health::kError);
  EXPECT_EQ(s.last_error, "HTTP 503: overloaded");
  ASSERT_TRUE(s.last_error_time.has_value());
  c.Succeeded();
  s = c.Snapshot();
  EXPECT_EQ(s.health, Health::kOk);
  EXPECT_EQ(s.last_error, "HTTP 503: overloaded") << "the last error stays visible after recovery";
  fleet::Json j = ToJson(s);
  EXPECT_EQ(j["health"], "ok");
  EXPECT_TRUE(j["healthy"].get<bool>());
  EXPECT_TRUE(j["lastSuccessTime"].is_string());
}

TEST(Component, CountersAndRates) {
  Component c("collector/cpu", "collector", {"samples", "drops"});
  c.Add("samples", 100);
  c.Add("samples", 50);
  c.Set("drops", 7);
  c.Add("no-such-counter", 1);  // ignored
  std::this_thread::sleep_for(100ms);
  ComponentSnapshot s = c.Snapshot(0s);
  ASSERT_EQ(s.counters.size(), 2u);
  EXPECT_EQ(s.counters[0], (std::pair<std::string, uint64_t>{"samples", 150}));
  EXPECT_EQ(s.counters[1], (std::pair<std::string, uint64_t>{"drops", 7}));
  EXPECT_GT(s.rates["samples"], 0);
  EXPECT_LE(s.rates["samples"], 150 / 0.1);
  // A window not yet over keeps the previous rates.
  c.Add("samples", 1000);
  EXPECT_EQ(c.Snapshot(1h).rates["samples"], s.rates["samples"]);
  // A total set from elsewhere that restarted lower gives no negative rate.
  c.Set("drops", 0);
  EXPECT_EQ(c.Snapshot(0s).rates["drops"], 0);
}

TEST(Component, ProbeRefreshesFromTheOwnersStateUntilCleared) {
  Component c("buffer/logs", "buffer", {"drops"});
  uint64_t drops = 3;
  c.SetProbe([&](Component& self) {
    self.Set("drops", drops);
    self.SetValue("bytesOnDisk", 4096);
  });
  ComponentSnapshot s = c.Snapshot();
  EXPECT_EQ(s.counters[0].second, 3u);
  EXPECT_EQ(s.values["bytesOnDisk"], 4096);
  c.SetProbe(nullptr);
  drops = 9;
  EXPECT_EQ(c.Snapshot().counters[0].second, 3u);
}

TEST(Registry, ComponentsOutliveAReloadUntilNotRetained) {
  Registry r;
  auto a = r.Get("collector/cpu", "collector", {"samples"});
  a->Add("samples", 5);
  auto again = r.Get("collector/cpu", "collector", {"samples"});
  EXPECT_EQ(a, again);
  r.Get("collector/time", "collector", {"samples"});
  r.Retain({"collector/time"});
  ASSERT_EQ(r.Components().size(), 1u);
  EXPECT_EQ(r.Components()[0]->name(), "collector/time");
  EXPECT_EQ(r.Watch("collector/cpu"), nullptr);
}

TEST(Registry, LiveViewIsOffUnlessEnabledAndBoundedWhenWatched) {
  Registry r;
  auto c = r.Get("source/docker_logs", "source", {"lines"});
  EXPECT_FALSE(c->Watched());
  r.Watch("source/docker_logs");
  EXPECT_FALSE(c->Watched()) << "off by default";
  c->Observe("dropped: capacity 0 while off");
  EXPECT_TRUE(c->Live().empty());

  r.ConfigureLive(true, 3);
  EXPECT_FALSE(c->Watched()) << "nobody asked yet";
  r.Watch("source/docker_logs");
  EXPECT_TRUE(c->Watched());
  for (int i = 0; i < 5; ++i) c->Observe("line " + std::to_string(i));
  auto live = c->Live();
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live.front().text, "line 2");
  EXPECT_EQ(live.back().text, "line 4");
  c->Observe(std::string(10000, 'x'));
  EXPECT_LT(c->Live().back().text.size(), 2100u) << "entries are cut, so memory is bounded";
  // Components created later get the same setting.
  EXPECT_TRUE(r.live_enabled());
  auto later = r.Get("http", "server", {});
  r.Watch("http");
  EXPECT_TRUE(later->Watched());

  r.ConfigureLive(false, 3);
  EXPECT_FALSE(c->Watched());
  EXPECT_TRUE(c->Live().empty());
}

TEST(AgentStatus, JsonCarriesConfigReloadAndComponentHealth) {
  Registry r;
  AgentStatus status(r, "1.2.3");
  status.ConfigActive("web-1", "/etc/fleet-agent.yaml", "rev-a", "abc123", "");
  auto sink = r.Get("sink/remote_write", "sink", {"samples"});
  sink->Succeeded();
  fleet::Json j = status.Json();
  EXPECT_EQ(j["instance"], "web-1");
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_TRUE(j["healthy"].get<bool>());
  EXPECT_EQ(j["config"]["revision"], "rev-a");
  EXPECT_TRUE(j["config"]["lastReload"].is_null());
  ASSERT_EQ(j["components"].size(), 1u);
  EXPECT_EQ(j["components"][0]["name"], "sink/remote_write");

  auto target = r.Get("scrape/app/127.0.0.1:9100", std::string(kTargetKind), {"scrapes"});
  target->Failed("fetch: connection refused");
  j = status.Json();
  EXPECT_TRUE(j["healthy"].get<bool>()) << "a down application target is not the agent's failure";
  ASSERT_EQ(j["components"].size(), 2u);
  EXPECT_EQ(j["components"][0]["name"], "scrape/app/127.0.0.1:9100");
  EXPECT_EQ(j["components"][0]["health"], "error") << "but it shows";

  status.ConfigRejected("SIGHUP", "agent.yaml: logging.level: must be one of ...");
  j = status.Json();
  EXPECT_FALSE(j["healthy"].get<bool>()) << "a refused config needs fixing";
  EXPECT_EQ(j["config"]["revision"], "rev-a");
  EXPECT_FALSE(j["config"]["lastReload"]["successful"].get<bool>());
  EXPECT_EQ(j["config"]["reloads"]["failure"], 1);

  status.ConfigActive("web-1", "/etc/fleet-agent.yaml", "rev-b", "def456", "file changed");
  sink->Failed("HTTP 500");
  j = status.Json();
  EXPECT_EQ(j["config"]["revision"], "rev-b");
  EXPECT_TRUE(j["config"]["lastReload"]["successful"].get<bool>());
  EXPECT_EQ(j["config"]["reloads"]["success"], 1);
  EXPECT_FALSE(j["healthy"].get<bool>()) << "the sink failed";

  std::vector<fleet::metrics::Family> families;
  status.Collect(&families);
  std::string text;
  fleet::metrics::WriteText(families, &text);
  EXPECT_NE(text.find("fleet_agent_component_healthy{component=\"sink/remote_write\",kind=\"sink\"} 0\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("fleet_agent_config_last_reload_successful 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fleet_agent_config_reloads_total{result=\"failure\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("fleet_agent_config_info{revision=\"rev-b\",sha256=\"def456\"} 1\n"), std::string::npos);

  const std::string table = FormatStatusTable(status.Json());
  EXPECT_NE(table.find("UNHEALTHY"), std::string::npos) << table;
  EXPECT_NE(table.find("revision rev-b"), std::string::npos) << table;
  EXPECT_NE(table.find("sink/remote_write"), std::string::npos) << table;
  EXPECT_NE(table.find("HTTP 500"), std::string::npos) << table;
}

}  // namespace
}  // namespace agent::status
