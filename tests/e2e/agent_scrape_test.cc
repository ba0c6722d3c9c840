// Application targets scraped by the real fleet-agent (scrapeConfigs) and pushed by remote write
// to a real Prometheus: the series arrive with the target's job and instance, metricRelabelConfigs
// rename one and drop another, up and scrape_samples_* are right, a series the app stops serving
// goes stale, and a stopped app is up 0. Hostile targets (a body over bodySizeLimit, an endless
// streamed body, an endless line, invalid UTF-8) are up 0 with their error kind on /api/v1/status
// while the agent serves on, healthy. The app is the agent's own HTTP server, in this process.
#include <gtest/gtest.h>

#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "agent/http_server.h"
#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// An app's /metrics on a free loopback port, serving what the test sets.
class App {
 public:
  App() : port_(e2e::FreePort()) {
    agent::HttpConfig http;
    http.listen = "127.0.0.1:" + std::to_string(port_);
    server_ = std::make_unique<agent::HttpServer>(http);
    server_->Route("/metrics", [this](const agent::HttpRequest&) {
      std::lock_guard lock(mu_);
      return agent::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", body_};
    });
  }
  agent::HttpServer& server() { return *server_; }
  bool Start() { return server_->Start().ok(); }
  void Stop() { server_->Stop(); }
  void Serve(std::string body) {
    std::lock_guard lock(mu_);
    body_ = std::move(body);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  const int port_;
  std::unique_ptr<agent::HttpServer> server_;
  std::mutex mu_;
  std::string body_;
};

// labelled_containers: the scrapeLabelledContainers line. Off unless a test is about it: the
// host's Docker may run other containers labelled for scraping (a benchmark's, a developer's),
// whose series would reach this test's Prometheus.
std::string AgentConfig(const e2e::TempDir& dir, const e2e::AgentProcess& agent,
                        const e2e::PrometheusReceiver& prometheus, const std::string& scrape_configs,
                        const std::string& labelled_containers = "scrapeLabelledContainers: {enabled: false}\n") {
  return "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: scrape-host\nscrapeInterval: 1s\n"
         "collectors: {enabled: [time], container: {enabled: false}}\n"
         "http: {listen: \"127.0.0.1:" + std::to_string(agent.port()) + "\"}\n"
         "remoteWrite: {url: \"" + prometheus.WriteUrl() + "\", queue: {batchSendDeadline: 200ms, minBackoff: 50ms}}\n"
         "buffer: {dir: \"" + (dir.path() / "buffer").string() + "\"}\n" + labelled_containers +
         "scrapeConfigs:\n" + scrape_configs;
}

// The single value of an instant query, or nullopt when it has no (or several) results.
std::optional<std::string> Value(const e2e::PrometheusReceiver& prometheus, const std::string& query) {
  const json result = prometheus.Query(query);
  if (result.size() != 1) return std::nullopt;
  return result[0]["value"][1].get<std::string>();
}

json Component(int port, const std::string& name) {
  auto r = e2e::Http("GET", port, "/api/v1/status");
  if (r.status != 200) return json();
  const json status = json::parse(r.body, nullptr, false);
  if (!status.is_object()) return json();
  for (const auto& c : status["components"]) {
    if (c.value("name", "") == name) return c;
  }
  return json();
}

TEST(AgentScrape, RelabeledSeriesArriveWithTargetLabelsGoStaleAndUpFollowsTheApp) {
  e2e::TempDir dir;
  e2e::PrometheusReceiver prometheus(dir.path() / "prom");
  App app;
  app.Serve(
      "# TYPE app_requests_total counter\n"
      "app_requests_total{code=\"200\"} 10\n"
      "app_debug_gauge 1\n"
      "app_temp_celsius 21.5\n");
  ASSERT_TRUE(app.Start());
  const std::string path = (dir.path() / "agent.yaml").string();
  e2e::AgentProcess agent(path);
  dir.Write("agent.yaml",
            AgentConfig(dir, agent, prometheus,
                        "  - jobName: app\n"
                        "    scrapeInterval: 500ms\n"
                        "    staticConfigs: [{targets: [\"" + app.address() + "\"], labels: {env: test}}]\n"
                        "    metricRelabelConfigs:\n"
                        "      - {sourceLabels: [__name__], regex: app_requests_total, targetLabel: __name__, replacement: app_http_requests_total}\n"
                        "      - {action: drop, sourceLabels: [__name__], regex: app_debug_gauge}\n"));
  agent.Start();

  ASSERT_TRUE(e2e::WaitFor([&] { return Value(prometheus, "app_http_requests_total").has_value(); }, 30s))
      << agent.Log();
  const json renamed = prometheus.Query("app_http_requests_total");
  ASSERT_EQ(renamed.size(), 1u) << renamed.dump();
  EXPECT_EQ(renamed[0]["metric"]["job"], "app");
  EXPECT_EQ(renamed[0]["metric"]["instance"], app.address());
  EXPECT_EQ(renamed[0]["metric"]["env"], "test");
  EXPECT_EQ(renamed[0]["metric"]["code"], "200");
  EXPECT_EQ(renamed[0]["value"][1], "10");
  EXPECT_EQ(Value(prometheus, "up{job=\"app\"}"), "1");
  EXPECT_EQ(Value(prometheus, "scrape_samples_scraped{job=\"app\"}"), "3");
  EXPECT_EQ(Value(prometheus, "scrape_samples_post_metric_relabeling{job=\"app\"}"), "2");
  EXPECT_EQ(Value(prometheus, "app_temp_celsius{job=\"app\"}"), "21.5");
  // Neither the dropped series nor the old name ever arrives, over any range.
  EXPECT_TRUE(prometheus.Query("count_over_time(app_debug_gauge[1h])").empty());
  EXPECT_TRUE(prometheus.Query("count_over_time(app_requests_total[1h])").empty());

  // The app stops serving a series: its stale marker ends it in Prometheus at once.
  app.Serve("# TYPE app_requests_total counter\napp_requests_total{code=\"200\"} 11\n");
  EXPECT_TRUE(e2e::WaitFor([&] { return !Value(prometheus, "app_temp_celsius{job=\"app\"}").has_value(); }, 20s))
      << prometheus.Query("app_temp_celsius").dump();
  EXPECT_TRUE(e2e::WaitFor([&] { return Value(prometheus, "app_http_requests_total") == "11"; }, 20s));

  // The app goes away: up 0, its series stale, the target's error on the status page, and the
  // agent itself still healthy.
  app.Stop();
  EXPECT_TRUE(e2e::WaitFor([&] { return Value(prometheus, "up{job=\"app\"}") == "0"; }, 20s))
      << prometheus.Query("up").dump();
  EXPECT_TRUE(e2e::WaitFor([&] { return !Value(prometheus, "app_http_requests_total").has_value(); }, 20s));
  const json target = Component(agent.port(), "scrape/app/" + app.address());
  EXPECT_EQ(target.value("kind", ""), "target") << target.dump();
  EXPECT_EQ(target.value("health", ""), "error") << target.dump();
  EXPECT_EQ(target.value("lastError", "").rfind("fetch: ", 0), 0u) << target.dump();
  const auto status = json::parse(e2e::Http("GET", agent.port(), "/api/v1/status").body, nullptr, false);
  EXPECT_TRUE(status.value("healthy", false)) << "a down app is not the agent's failure";
  EXPECT_GE(agent.Metric("fleet_agent_scrape_failures_total"), 1);
}

TEST(AgentScrape, HostileTargetsAreDownWithTheirErrorKindAndTheAgentServesOn) {
  e2e::TempDir dir;
  e2e::PrometheusReceiver prometheus(dir.path() / "prom");
  App app;
  // 2 MiB with a Content-Length: refused at the header.
  app.server().Route("/big", [](const agent::HttpRequest&) {
    return agent::HttpResponse{200, "text/plain; version=0.0.4", "big 1\n" + std::string(2 << 20, '#')};
  });
  // A body that does not end as far as the agent is concerned (64 MiB of one line, streamed and
  // gzipped): read up to bodySizeLimit inflated, no further.
  app.server().RouteSlow("/endless", [](const agent::HttpRequest&) {
    agent::HttpResponse resp;
    resp.content_type = "text/plain; version=0.0.4";
    resp.writer = [sent = size_t{0}](std::string* piece) mutable {
      piece->assign(64 << 10, 'a');
      sent += piece->size();
      return sent < (size_t{64} << 20);
    };
    return resp;
  });
  app.server().Route("/longline", [](const agent::HttpRequest&) {
    return agent::HttpResponse{200, "text/plain; version=0.0.4", "long_line{a=\"" + std::string(100 << 10, 'x') + "\"} 1\n"};
  });
  app.server().Route("/badutf8", [](const agent::HttpRequest&) {
    return agent::HttpResponse{200, "text/plain; version=0.0.4", "ok 1\nbad_utf8{a=\"\xff\xfe\"} 1\n"};
  });
  ASSERT_TRUE(app.Start());
  const std::string path = (dir.path() / "agent.yaml").string();
  e2e::AgentProcess agent(path);
  std::string jobs;
  for (const char* job : {"big", "endless", "longline", "badutf8"}) {
    jobs += std::string("  - {jobName: ") + job + ", metricsPath: /" + job +
            ", scrapeInterval: 1s, bodySizeLimit: 1Mi, staticConfigs: [{targets: [\"" + app.address() + "\"]}]}\n";
  }
  dir.Write("agent.yaml", AgentConfig(dir, agent, prometheus, jobs));
  agent.Start();

  // post_relabeling counts what the body gave before it failed, as Prometheus' report of a
  // failed append does; none of it is stored.
  const struct {
    const char* job;
    const char* want_error_prefix;
    const char* want_post_relabeling;
  } cases[] = {
      {"big", "body_too_large: the answer is larger than 1 MiB", "0"},
      {"endless", "body_too_large: the answer is larger than 1 MiB inflated", "0"},
      {"longline", "parse (line_too_long, line 1): ", "0"},
      {"badutf8", "parse (invalid_utf8, line 2): ", "1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.job);
    const std::string up = std::string("up{job=\"") + c.job + "\"}";
    EXPECT_TRUE(e2e::WaitFor([&] { return Value(prometheus, up) == "0"; }, 30s)) << prometheus.Query("up").dump();
    const json target = Component(agent.port(), std::string("scrape/") + c.job + "/" + app.address());
    EXPECT_EQ(target.value("lastError", "").rfind(c.want_error_prefix, 0), 0u) << target.dump();
    EXPECT_EQ(Value(prometheus, std::string("scrape_samples_post_metric_relabeling{job=\"") + c.job + "\"}"),
              c.want_post_relabeling);
  }
  EXPECT_TRUE(prometheus.Query("count_over_time(ok[1h])").empty()) << "nothing of a failed scrape is stored";
  EXPECT_EQ(e2e::Http("GET", agent.port(), "/-/healthy").status, 200);
  const auto status = json::parse(e2e::Http("GET", agent.port(), "/api/v1/status").body, nullptr, false);
  EXPECT_TRUE(status.value("healthy", false)) << status.dump();
  EXPECT_TRUE(agent.Running());
  EXPECT_GE(agent.Metric("fleet_agent_scrape_failures_total"), 4);
  app.Stop();
}

// The issue's own case: an app container labelled for scraping, found by Docker discovery, its
// series renamed and one dropped by metricRelabelConfigs, arriving in a real Prometheus; and the
// same container scraped with no config at all by scrapeLabelledContainers.
TEST(AgentScrapeDocker, ALabelledContainerIsDiscoveredRelabeledAndScraped) {
  std::string dockerd;
  ASSERT_TRUE(e2e::EnsureDockerd(&dockerd)) << dockerd;
  e2e::TempDir dir;
  e2e::PrometheusReceiver prometheus(dir.path() / "prom");
  e2e::TestContainers containers("vpsfleet-scrape");
  const std::string tag = "scrape-" + std::to_string(::getpid());
  // busybox's httpd serves the app's metrics on the container's own address: /metrics without a
// Content-Type (read by the shop job's fallbackScrapeProtocol, as Prometheus 3 needs), and
// /metrics.txt as text/plain (for the labelled job, which has no fallback).
  const std::string name = containers.Run(
      "mkdir -p /www && printf '# TYPE shop_orders_total counter\\nshop_orders_total 7\\nshop_debug 1\\n"
      "shop_queue_depth 3\\n' > /www/metrics && cp /www/metrics /www/metrics.txt && exec httpd -f -p 8080 -h /www",
      {"--expose", "8080", "--label", "prometheus.io/scrape=true", "--label", "prometheus.io/port=8080",
       "--label", "prometheus.io/path=/metrics.txt",
       "--label", "vpsfleet.test=" + tag});
  ASSERT_FALSE(name.empty());
  const std::string path = (dir.path() / "agent.yaml").string();
  e2e::AgentProcess agent(path);
  dir.Write("agent.yaml",
            AgentConfig(dir, agent, prometheus,
                        "  - jobName: shop\n"
                        "    scrapeInterval: 500ms\n"
                        "    fallbackScrapeProtocol: PrometheusText0.0.4\n"
                        "    dockerSdConfigs: [{refreshInterval: 1s, filters: [{name: label, values: [\"vpsfleet.test=" + tag + "\"]}]}]\n"
                        "    relabelConfigs:\n"
                        "      - {action: keep, sourceLabels: [__meta_docker_container_label_prometheus_io_scrape], regex: \"true\"}\n"
                        "      - {sourceLabels: [__meta_docker_container_name], regex: \"/(.+)\", targetLabel: container}\n"
                        "    metricRelabelConfigs:\n"
                        "      - {sourceLabels: [__name__], regex: shop_orders_total, targetLabel: __name__, replacement: shop_orders_placed_total}\n"
                        "      - {action: drop, sourceLabels: [__name__], regex: shop_debug}\n",
                        "scrapeLabelledContainers: {jobName: labelled}\n"));
  agent.Start();

  ASSERT_TRUE(e2e::WaitFor([&] { return Value(prometheus, "shop_orders_placed_total").has_value(); }, 60s))
      << agent.Log() << prometheus.Query("up").dump() << e2e::Http("GET", agent.port(), "/api/v1/status").body;
  const json renamed = prometheus.Query("shop_orders_placed_total");
  ASSERT_EQ(renamed.size(), 1u) << renamed.dump();
  EXPECT_EQ(renamed[0]["metric"]["job"], "shop");
  EXPECT_EQ(renamed[0]["metric"]["container"], name);
  const std::string ip = e2e::Docker({"inspect", "-f", "{{.NetworkSettings.IPAddress}}", name}).out;
  EXPECT_EQ(renamed[0]["metric"]["instance"], ip.substr(0, ip.find_last_not_of("\n") + 1) + ":8080");
  EXPECT_EQ(renamed[0]["value"][1], "7");
  EXPECT_EQ(Value(prometheus, "shop_queue_depth{job=\"shop\"}"), "3");
  EXPECT_EQ(Value(prometheus, "up{job=\"shop\"}"), "1");
  EXPECT_TRUE(prometheus.Query("count_over_time(shop_debug{job=\"shop\"}[1h])").empty());
  EXPECT_TRUE(prometheus.Query("count_over_time(shop_orders_total{job=\"shop\"}[1h])").empty());

  // scrapeLabelledContainers scrapes the same container with no scrapeConfigs entry, unrenamed.
  EXPECT_TRUE(e2e::WaitFor(
      [&] { return Value(prometheus, "shop_orders_total{job=\"labelled\",container=\"" + name + "\"}") == "7"; }, 90s))
      << prometheus.Query("up").dump();

  // The container goes: discovery drops the target and its series end with stale markers.
  e2e::Docker({"rm", "-f", name});
  EXPECT_TRUE(e2e::WaitFor([&] { return !Value(prometheus, "shop_orders_placed_total").has_value(); }, 30s))
      << prometheus.Query("shop_orders_placed_total").dump();
  EXPECT_TRUE(agent.Running());
}

}  // namespace
