// Everything the agent builds from one config: the collectors (a Scraper), the forwarder
// (buffers, sinks, Docker log source) and, when remote write is configured, the scrape manager of
// the scrapeConfigs' application targets, whose scrapes go to the forwarder's metrics buffer. A config reload stops one pipeline and starts the next;
// the on-disk buffers carry undelivered data across, and the status components and forwarding
// counters, which live outside, keep counting.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/scrape/scrape_manager.h"
#include "agent/scraper.h"
#include "agent/self_metrics.h"
#include "agent/sinks/forwarder.h"
#include "agent/status/component_status.h"

namespace agent {

class Pipeline {
 public:
  // Builds (without starting) from a validated config. Errors name the config field.
  static fleet::Result<std::unique_ptr<Pipeline>> Create(const AgentConfig& config,
                                                         status::Registry& registry,
                                                         std::shared_ptr<ForwardMetrics> forward_metrics,
                                                         const SelfMetrics& self,
                                                         std::shared_ptr<scrape::ScrapeMetrics> scrape_metrics = nullptr);
  ~Pipeline();  // stops

  fleet::Status Start();
  void Stop();
  // One collection: what /metrics serves and what remote write ships. Thread-safe.
  std::vector<fleet::metrics::Family> Gather();
  std::vector<std::string> CollectorNames() const { return scraper_.Names(); }
  // The status components this pipeline reports to.
  std::vector<std::string> ComponentNames() const;
  const MemoryGuard& memory() const { return forwarder_->memory(); }

 private:
  Pipeline(std::vector<NamedCollector> collectors, relabel::CompiledRules metric_relabel,
           std::unique_ptr<Forwarder> forwarder, status::Registry& registry, const SelfMetrics& self);

  Scraper scraper_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<scrape::ScrapeManager> scrapes_;  // null: no scrapeConfigs, or no remoteWrite
  const SelfMetrics& self_;
};

// The collectors the config selects: host collectors plus the container collector.
fleet::Result<std::vector<NamedCollector>> BuildCollectors(const AgentConfig& config);

}  // namespace agent
