#include "agent/discovery/job_discovery.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "agent/discovery/docker_discovery.h"
#include "agent/discovery/prometheus_io_rules.h"
#include "agent/scrape/scrape_manager.h"
#include "fleet/core/text.h"

namespace agent::discovery {
namespace {

using Clock = std::chrono::steady_clock;

DockerDiscoveryOptions OptionsOf(const DockerSdConfig& config, const std::string& docker_socket) {
  DockerDiscoveryOptions o;
  o.host = config.host.empty() ? docker_socket : config.host;
  o.port = config.port;
  o.host_networking_host = config.host_networking_host;
  for (const auto& [name, values] : config.filters) o.filters.push_back({name, values});
  o.match_first_network = config.match_first_network;
  o.refresh_interval = config.refresh_interval;
  return o;
}

class CombinedDiscoverer : public scrape::Discoverer {
 public:
  void Add(std::unique_ptr<scrape::Discoverer> discoverer, std::chrono::milliseconds refresh_interval) {
    providers_.push_back({std::move(discoverer), refresh_interval, std::nullopt, {}, {}});
  }

  fleet::Result<std::vector<scrape::DiscoveredTarget>> Discover() override {
    std::vector<scrape::DiscoveredTarget> all;
    const Clock::time_point now = Clock::now();
    for (Provider& p : providers_) {
      if (!p.listed || now - *p.listed >= p.refresh_interval) {
        auto targets = p.discoverer->Discover();
        if (targets.ok()) {
          p.last = std::move(*targets);
          p.listed = now;
          p.last_error.clear();
        } else if (targets.status().message() != p.last_error) {
          // Asked again at the next round; said once until the error changes.
          p.last_error = targets.status().message();
          spdlog::warn("scrape discovery failed, keeping its last {} targets: {}", p.last.size(),
                       fleet::ForeignText(p.last_error, 1024));
        }
      }
      all.insert(all.end(), p.last.begin(), p.last.end());
    }
    return all;
  }

 private:
  struct Provider {
    std::unique_ptr<scrape::Discoverer> discoverer;
    std::chrono::milliseconds refresh_interval;
    std::optional<Clock::time_point> listed;  // the last successful Discover
    std::vector<scrape::DiscoveredTarget> last;
    std::string last_error;
  };
  std::vector<Provider> providers_;
};

}  // namespace

std::unique_ptr<scrape::Discoverer> JobDiscoverer(const ScrapeConfig& job, const std::string& docker_socket) {
  auto combined = std::make_unique<CombinedDiscoverer>();
  // Static targets do not change: listed once.
  combined->Add(std::make_unique<scrape::StaticDiscoverer>(job.static_configs), std::chrono::milliseconds::max());
  for (const DockerSdConfig& docker : job.docker_sd_configs) {
    combined->Add(std::make_unique<DockerDiscoverer>(OptionsOf(docker, docker_socket)), docker.refresh_interval);
  }
  return combined;
}

std::optional<ScrapeConfig> LabelledContainersJob(const AgentConfig& config) {
  if (!config.scrape_labelled_containers.enabled) return std::nullopt;
  ScrapeConfig job;
  job.job_name = config.scrape_labelled_containers.job_name;
  job.scrape_interval = config.scrape_interval;
  job.scrape_timeout = std::min(kDefaultScrapeTimeout, job.scrape_interval);
  job.docker_sd_configs.push_back(DockerSdConfig{});
  std::vector<relabel::Rule> rules = PrometheusIoDockerRules();
  // The name Docker lists, without its leading slash: the label the agent's container logs and
  // cAdvisor-named container metrics carry too.
  relabel::Rule container;
  container.source_labels = {"__meta_docker_container_name"};
  container.regex = "/?(.+)";
  container.target_label = "container";
  rules.push_back(std::move(container));
  auto compiled = relabel::CompiledRules::Compile(std::move(rules));
  if (!compiled.ok()) {  // fixed rules: a failure here is a bug in them, caught by the unit tests
    spdlog::error("scrapeLabelledContainers: {}", compiled.status().ToString());
    return std::nullopt;
  }
  job.relabel = std::move(*compiled);
  return job;
}

}  // namespace agent::discovery
