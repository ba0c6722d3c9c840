// A scrape job's discoverer (static targets beside Docker daemons) and the built-in job of
// scrapeLabelledContainers, without a daemon.
#include "agent/discovery/job_discovery.h"

#include <gtest/gtest.h>

#include <map>

#include "agent/scrape/target_labels.h"

namespace agent::discovery {
namespace {

std::map<std::string, std::string> AsMap(const fleet::metrics::Labels& labels) {
  std::map<std::string, std::string> m;
  for (const auto& l : labels) m[l.name] = l.value;
  return m;
}

// A target as Docker discovery gives it, with the container's labels.
scrape::DiscoveredTarget Container(const std::string& name, const std::string& address,
                                   const std::map<std::string, std::string>& container_labels) {
  scrape::DiscoveredTarget t = {{"__address__", address}, {"__meta_docker_container_name", "/" + name}};
  for (const auto& [k, v] : container_labels) t.push_back({"__meta_docker_container_label_" + k, v});
  std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return t;
}

TEST(LabelledContainersJob, ScrapesOnlyLabelledContainersWhereTheirLabelsSay) {
  AgentConfig config;
  config.scrape_interval = std::chrono::seconds(5);
  const auto job = LabelledContainersJob(config);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->job_name, "containers");
  EXPECT_EQ(job->scrape_interval, std::chrono::seconds(5));
  EXPECT_EQ(job->scrape_timeout, std::chrono::seconds(5));
  ASSERT_EQ(job->docker_sd_configs.size(), 1u);
  EXPECT_TRUE(job->docker_sd_configs[0].host.empty()) << "the agent's docker.socket";

  const struct {
    const char* name;
    scrape::DiscoveredTarget discovered;
    std::optional<std::map<std::string, std::string>> want;  // nullopt: not scraped
  } cases[] = {
      {"unlabelled", Container("db", "172.17.0.3:5432", {}), std::nullopt},
      {"scrape=false", Container("db", "172.17.0.3:5432", {{"prometheus_io_scrape", "false"}}), std::nullopt},
      {"defaults",
       Container("web", "172.17.0.2:8080", {{"prometheus_io_scrape", "true"}}),
       std::map<std::string, std::string>{{"container", "web"}, {"instance", "172.17.0.2:8080"}, {"job", "containers"}}},
      {"port, path and scheme",
       Container("api", "172.17.0.4:80",
                 {{"prometheus_io_scrape", "true"}, {"prometheus_io_port", "9102"},
                  {"prometheus_io_path", "/internal/metrics"}, {"prometheus_io_scheme", "https"}}),
       std::map<std::string, std::string>{{"container", "api"}, {"instance", "172.17.0.4:9102"}, {"job", "containers"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto target = scrape::PopulateTargetLabels(c.discovered, *job);
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    ASSERT_EQ(target->has_value(), c.want.has_value());
    if (!c.want) continue;
    EXPECT_EQ(AsMap((*target)->public_labels), *c.want);
  }
  auto api = scrape::PopulateTargetLabels(cases[3].discovered, *job);
  EXPECT_EQ((*api)->url, "https://172.17.0.4:9102/internal/metrics");

  config.scrape_labelled_containers.enabled = false;
  EXPECT_FALSE(LabelledContainersJob(config).has_value());
}

TEST(JobDiscoverer, StaticTargetsStayWhenADockerDaemonDoesNotAnswer) {
  ScrapeConfig job;
  job.job_name = "app";
  job.static_configs.push_back({{"127.0.0.1:9100", "127.0.0.1:9200"}, {{"env", "test"}}});
  job.docker_sd_configs.push_back(DockerSdConfig{});
  auto discoverer = JobDiscoverer(job, "/nonexistent/docker.sock");
  for (int round = 0; round < 2; ++round) {
    auto targets = discoverer->Discover();
    ASSERT_TRUE(targets.ok()) << targets.status().ToString();
    ASSERT_EQ(targets->size(), 2u);
    EXPECT_EQ(AsMap((*targets)[0]).at("__address__"), "127.0.0.1:9100");
    EXPECT_EQ(AsMap((*targets)[1]).at("env"), "test");
  }
}

}  // namespace
}  // namespace agent::discovery
