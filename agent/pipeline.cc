#include "agent/pipeline.h"

#include <spdlog/spdlog.h>

#include "agent/container/container_collector.h"
#include "agent/container/machine_collector.h"
#include "agent/discovery/job_discovery.h"

namespace agent {

fleet::Result<std::vector<NamedCollector>> BuildCollectors(const AgentConfig& config) {
  const CollectorOptions options = OptionsFromConfig(config);
  auto collectors = BuildHostCollectors(config.collectors, options);
  if (!collectors.ok() || !config.collectors.container_enabled) return collectors;
  auto cgroups = DetectCgroups(options.paths.Sys("fs/cgroup"), options.paths.procfs);
  spdlog::debug("container collector: cgroup v{}", cgroups->version());
  ContainerCollectorOptions container;
  container.paths = options.paths;
  container.docker_labels = config.collectors.container_docker_labels;
  container.system_cgroups = config.collectors.container_system_cgroups;
  container.fs_usage_period = config.collectors.container_fs_usage_interval;
  collectors->push_back({"container", NewContainerCollector(NewDockerLister(config.docker.socket),
                                                            std::move(cgroups), container)});
  collectors->push_back({"machine", NewMachineCollector({options.paths})});
  return collectors;
}

fleet::Result<std::unique_ptr<Pipeline>> Pipeline::Create(const AgentConfig& config,
                                                           status::Registry& registry,
                                                           std::shared_ptr<ForwardMetrics> forward_metrics,
                                                           const SelfMetrics& self,
                                                           std::shared_ptr<scrape::ScrapeMetrics> scrape_metrics) {
  auto collectors = BuildCollectors(config);
  if (!collectors.ok()) return collectors.status();
  std::unique_ptr<Pipeline> pipeline(
      new Pipeline(std::move(*collectors), config.metric_relabel,
                   Forwarder::Create(config, &registry, std::move(forward_metrics)), registry, self));
  std::vector<ScrapeConfig> jobs = config.scrape_configs;
  if (auto labelled = discovery::LabelledContainersJob(config); labelled && config.forward.remote_write) {
    jobs.push_back(std::move(*labelled));
  }
  if (!jobs.empty()) {
    if (!config.forward.remote_write) {
      spdlog::warn("scrapeConfigs: no remoteWrite, so the {} scrape job(s) are not scraped", jobs.size());
    } else {
      scrape::ScrapeManagerOptions options;
      options.configs = std::move(jobs);
      options.discoverer = [socket = config.docker.socket](const ScrapeConfig& job) {
        return discovery::JobDiscoverer(job, socket);
      };
      Forwarder* forwarder = pipeline->forwarder_.get();
      options.sink = [forwarder](const std::vector<fleet::metrics::Family>& families, int64_t timestamp_ms) {
        forwarder->BufferScrape(families, timestamp_ms);
      };
      options.registry = &registry;
      options.metrics = std::move(scrape_metrics);
      pipeline->scrapes_ = std::make_unique<scrape::ScrapeManager>(std::move(options));
    }
  }
  return pipeline;
}

Pipeline::Pipeline(std::vector<NamedCollector> collectors, relabel::CompiledRules metric_relabel,
                   std::unique_ptr<Forwarder> forwarder, status::Registry& registry,
                   const SelfMetrics& self)
    : scraper_(std::move(collectors), &registry, std::move(metric_relabel)),
      forwarder_(std::move(forwarder)), self_(self) {}

Pipeline::~Pipeline() { Stop(); }

fleet::Status Pipeline::Start() {
  FLEET_RETURN_IF_ERROR(forwarder_->Start([this] { return Gather(); }));
  if (scrapes_) scrapes_->Start();  // after the forwarder: its buffer takes the scrapes
  return fleet::Status::Ok();
}

void Pipeline::Stop() {
  if (scrapes_) scrapes_->Stop();  // first: the targets' stale markers go to the buffer
  forwarder_->Stop();
}

std::vector<fleet::metrics::Family> Pipeline::Gather() {
  // metricRelabelConfigs apply inside the scrape; the agent's own process_* and forwarding series
  // below are not relabeled, as Prometheus never relabels its up and scrape_* series: they are
  // how the agent's health is seen, whatever the rules do to the collected series.
  std::vector<fleet::metrics::Family> families = scraper_.Scrape();
  self_.Gather(&families);
  forwarder_->Collect(&families);
  if (scrapes_) scrapes_->Collect(&families);
  SortAndMerge(&families);
  return families;
}

std::vector<std::string> Pipeline::ComponentNames() const {
  std::vector<std::string> names = scraper_.ComponentNames();
  for (std::string& n : forwarder_->ComponentNames()) names.push_back(std::move(n));
  if (scrapes_) {
    for (std::string& n : scrapes_->ComponentNames()) names.push_back(std::move(n));
  }
  return names;
}

}  // namespace agent
