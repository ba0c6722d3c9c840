// The agent's status API and page with a full pipeline (host and container collectors, Docker
// log source, remote write to a real Prometheus, Loki push to the test receiver, both buffers):
//  - /api/v1/status lists every component with health, counters and rates;
//  - the page, rendered by real headless chromium, shows every component (its DOM after the
//    script ran), and a screenshot lands in the build tree;
//  - the live view shows samples / log lines / requests of a watched component, bounded, and is
//    off unless the config enables it;
//  - /metrics has the agent's own metrics issue 8 lists and promtool accepts it;
//  - `fleet-agent status` prints every component and exits 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/loki_receiver.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const char kChromium[] = "/usr/bin/chromium";

class AgentStatusPageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string output;
    ASSERT_TRUE(e2e::EnsureDockerd(&output)) << output;
  }

  void StartAgent(bool live_view) {
    loki_.Start();
    dir_.Write("agent.yaml",
               "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: status-host\nrevision: rev-1\n"
               "scrapeInterval: 1s\ncollectors: {enabled: [cpu, loadavg, time, uname]}\n"
               "http: {listen: \"127.0.0.1:" + std::to_string(agent_.port()) + "\"}\n"
               "debug: {liveView: " + (live_view ? "true" : "false") + ", liveViewEntries: 20}\n"
               "remoteWrite: {url: \"" + prometheus_.WriteUrl() + "\", queue: {batchSendDeadline: 500ms}}\n"
               "loki: {url: \"http://127.0.0.1:" + std::to_string(loki_.port()) + "/loki/api/v1/push\", "
               "batchWait: 200ms}\n"
               "buffer: {dir: \"" + (dir_.path() / "buffer").string() + "\"}\n"
               // Other containers on the host's Docker may be labelled for scraping: each would
               // be a component of its own, and this test lists them all.
               "scrapeLabelledContainers: {enabled: false}\n");
    containers_.Run("i=0; while true; do i=$((i+1)); echo status-line-$i; usleep 100000; done");
    agent_.Start();
  }

  json Status() {
    auto r = e2e::Http("GET", agent_.port(), "/api/v1/status");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    return json::parse(r.body, nullptr, false);
  }

  static json Find(const json& status, const std::string& name) {
    for (const auto& c : status["components"]) {
      if (c["name"] == name) return c;
    }
    return json();
  }

  e2e::TempDir dir_;
  e2e::PrometheusReceiver prometheus_{(dir_.path() / "prom").string()};
  e2e::LokiReceiver loki_{e2e::FreePort()};
  e2e::AgentProcess agent_{(dir_.path() / "agent.yaml").string()};
  e2e::TestContainers containers_{"status-page"};
};

const std::vector<std::string> kComponents = {
    "collector/cpu", "collector/loadavg", "collector/time", "collector/uname", "collector/container",
    "collector/machine",
    "source/docker_logs", "sink/remote_write", "sink/loki", "buffer/metrics", "buffer/logs", "http"};

TEST_F(AgentStatusPageTest, ApiListsEveryComponentHealthyWithCountersAndRates) {
  StartAgent(false);
  ASSERT_TRUE(e2e::WaitFor([&] {
    json s = Status();
    for (const char* name : {"sink/remote_write", "sink/loki", "source/docker_logs"}) {
      if (Find(s, name).is_null() || Find(s, name)["health"] != "ok") return false;
    }
    return Find(s, "sink/loki")["rates"]["lines"].get<double>() > 0;
  }, 40s)) << Status().dump(2) << agent_.Log();
  json s = Status();
  EXPECT_EQ(s["instance"], "status-host");
  EXPECT_EQ(s["config"]["revision"], "rev-1");
  EXPECT_EQ(s["version"].get<std::string>(), VPSFLEET_VERSION);
  EXPECT_GT(s["uptimeSeconds"].get<double>(), 0);
  EXPECT_FALSE(s["liveView"].get<bool>());
  std::vector<std::string> names;
  for (const auto& c : s["components"]) names.push_back(c["name"]);
  for (const auto& want : kComponents) {
    json c = Find(s, want);
    ASSERT_FALSE(c.is_null()) << want << " missing from " << s.dump(2);
    EXPECT_EQ(c["health"], "ok") << c.dump(2);
    EXPECT_TRUE(c["lastSuccessTime"].is_string()) << c.dump(2);
  }
  EXPECT_EQ(names.size(), kComponents.size()) << s.dump(2);
  EXPECT_GT(Find(s, "sink/remote_write")["counters"]["samples"].get<uint64_t>(), 0u);
  EXPECT_GT(Find(s, "source/docker_logs")["counters"]["lines"].get<uint64_t>(), 0u);
  EXPECT_GT(Find(s, "collector/cpu")["values"]["durationSeconds"].get<double>(), 0);
  EXPECT_TRUE(Find(s, "buffer/logs")["values"].contains("pendingBytes"));

  // `fleet-agent status` reads the listen address from the same config file.
  e2e::CommandResult cli =
      e2e::Run({e2e::Bin("fleet-agent"), "status", "--config", (dir_.path() / "agent.yaml").string()});
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  for (const auto& want : kComponents) EXPECT_NE(cli.out.find(want), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("revision rev-1"), std::string::npos) << cli.out;

  // Live view off: the endpoint says how to turn it on.
  auto live = e2e::Http("GET", agent_.port(), "/api/v1/live?component=collector/time");
  EXPECT_EQ(live.status, 404);
  EXPECT_NE(live.body.find("debug.liveView"), std::string::npos) << live.body;
}

TEST_F(AgentStatusPageTest, MetricsHaveTheOwnMetricsAndPassPromtool) {
  StartAgent(false);
  e2e::HttpResponse m;
  ASSERT_TRUE(e2e::WaitFor([&] {  // both sinks delivered at least once
    m = e2e::Http("GET", agent_.port(), "/metrics");
    return m.body.find("\nfleet_agent_sink_items_sent_total{sink=\"remote_write\"}") != std::string::npos &&
           m.body.find("\nfleet_agent_sink_items_sent_total{sink=\"loki\"}") != std::string::npos;
  }, 40s)) << agent_.Log();
  ASSERT_EQ(m.status, 200);
  for (const char* family :
       {"fleet_agent_buffer_pending_bytes{buffer=\"logs\"}", "fleet_agent_buffer_pending_bytes{buffer=\"metrics\"}",
        "fleet_agent_buffer_bytes{buffer=\"logs\"}", "fleet_agent_sink_items_sent_total{sink=\"loki\"}",
        "fleet_agent_sink_items_sent_total{sink=\"remote_write\"}",
        "fleet_agent_sink_requests_total{sink=\"loki\",outcome=\"delivered\"}",
        "fleet_agent_buffer_dropped_records_total{buffer=\"logs\"}",
        "node_scrape_collector_duration_seconds{collector=\"cpu\"}", "process_resident_memory_bytes ",
        "process_cpu_seconds_total ", "fleet_agent_build_info{version=",
        "fleet_agent_component_healthy{component=\"sink/loki\",kind=\"sink\"} 1",
        "fleet_agent_config_last_reload_successful 1", "fleet_agent_config_info{revision=\"rev-1\"",
        "fleet_agent_config_reloads_total{result=\"failure\"} 0"}) {
    EXPECT_NE(m.body.find(std::string("\n") + family), std::string::npos) << family;
  }
  // The container collector inherits cAdvisor's container_memory_failcnt (no _total); nothing else
  // may draw a promtool remark.
  e2e::CommandResult r = e2e::Run({"promtool", "check", "metrics"}, m.body);
  std::istringstream lines(r.out + r.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.rfind("container_memory_failcnt counter metrics should have", 0) == 0) continue;
    ADD_FAILURE() << "promtool: " << line;
  }
}

TEST_F(AgentStatusPageTest, LiveViewShowsWhatPassesThroughAWatchedComponent) {
  StartAgent(true);
  auto live = [&](const std::string& component) {
    auto r = e2e::Http("GET", agent_.port(), "/api/v1/live?component=" + component);
    return r.status == 200 ? json::parse(r.body) : json();
  };
  // Watching starts with the first request; entries come as data passes.
  for (const char* c : {"collector/time", "source/docker_logs", "sink/loki", "buffer/metrics", "http"}) {
    live(c);
  }
  auto has = [&](const std::string& component, const std::string& needle) {
    json j = live(component);
    if (j.is_null()) return false;
    EXPECT_LE(j["entries"].size(), 20u) << "liveViewEntries caps the view";
    for (const auto& e : j["entries"]) {
      if (e["text"].get<std::string>().find(needle) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(e2e::WaitFor([&] { return has("collector/time", "node_time_seconds "); }, 20s));
  EXPECT_TRUE(e2e::WaitFor([&] { return has("source/docker_logs", "status-line-"); }, 20s));
  EXPECT_TRUE(e2e::WaitFor([&] { return has("sink/loki", "-> HTTP 2"); }, 20s))
      << live("sink/loki").dump(2);
  EXPECT_TRUE(e2e::WaitFor([&] { return has("buffer/metrics", "samples"); }, 20s));
  EXPECT_TRUE(e2e::WaitFor([&] { return has("http", "GET /api/v1/live -> 200"); }, 20s));
  EXPECT_EQ(e2e::Http("GET", agent_.port(), "/api/v1/live?component=nope").status, 404);
  EXPECT_EQ(e2e::Http("GET", agent_.port(), "/api/v1/live").status, 400);
}

TEST_F(AgentStatusPageTest, HeadlessChromiumRendersEveryComponentAndTakesAScreenshot) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (scripts/install-deps.sh)";
  StartAgent(true);
  ASSERT_TRUE(e2e::WaitFor([&] {
    json s = Status();
    return !Find(s, "sink/loki").is_null() && Find(s, "sink/loki")["health"] == "ok" &&
           Find(s, "sink/remote_write")["health"] == "ok";
  }, 40s)) << agent_.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(agent_.port()) + "/";
  auto page = e2e::Http("GET", agent_.port(), "/");
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.body.find("src=\"http"), std::string::npos) << "the page loads nothing from elsewhere";
  EXPECT_EQ(e2e::Http("GET", agent_.port(), "/status").body, page.body);

  // Chromium wants a writable home for its profile; the scratch dir gives it one.
  const std::map<std::string, std::string> env = {{"HOME", dir_.path().string()}};
  const std::vector<std::string> common = {kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                                           "--disable-dev-shm-usage", "--no-first-run",
                                           "--user-data-dir=" + (dir_.path() / "chromium").string(),
                                           "--virtual-time-budget=4000"};
  std::vector<std::string> dump = common;
  dump.insert(dump.end(), {"--dump-dom", url});
  e2e::CommandResult dom = e2e::Run(dump, "", env, 90s);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  for (const auto& want : kComponents) {
    EXPECT_NE(dom.out.find("data-component=\"" + want + "\""), std::string::npos)
        << want << " not rendered:\n" << dom.out;
  }
  EXPECT_NE(dom.out.find("revision rev-1"), std::string::npos);
  EXPECT_NE(dom.out.find("<div id=\"problem\"></div>"), std::string::npos) << "the page reached the API";

  const fs::path shots = fs::path(e2e::BinaryDir()) / "test-output";
  fs::create_directories(shots);
  const fs::path png = shots / "agent-status-page.png";
  fs::remove(png);
  std::vector<std::string> shot = common;
  shot.insert(shot.end(), {"--window-size=1400,900", "--screenshot=" + png.string(), url});
  e2e::CommandResult r = e2e::Run(shot, "", env, 90s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(png)) << r.err;
  EXPECT_GT(fs::file_size(png), 10000u);
  EXPECT_EQ(e2e::ReadFile(png.string()).substr(0, 8), "\x89PNG\r\n\x1a\n");
  std::cout << "status page screenshot: " << png.string() << std::endl;
}

}  // namespace
