// Runs the enabled collectors for one scrape, adds node_exporter's per-collector
// node_scrape_collector_success / node_scrape_collector_duration_seconds, and applies the
// config's metricRelabelConfigs to all of it (the agent's collectors are its one scrape target).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/collector.h"
#include "agent/config/agent_config.h"
#include "agent/relabel/relabel.h"
#include "agent/status/component_status.h"

namespace agent {

struct NamedCollector {
  std::string name;
  std::unique_ptr<Collector> collector;
};

// The host collectors the config selects (defaults, minus `disabled`, or exactly `enabled`);
// an unknown name is an error naming the config field.
fleet::Result<std::vector<NamedCollector>> BuildHostCollectors(const CollectorsConfig& config,
                                                               const CollectorOptions& options);
CollectorOptions OptionsFromConfig(const AgentConfig& config);

class Scraper {
 public:
  // Each collector reports to `registry` as collector/<name> when given. `metric_relabel` (the
  // config's metricRelabelConfigs, compiled) applies to every family a scrape returns.
  explicit Scraper(std::vector<NamedCollector> collectors, status::Registry* registry = nullptr,
                   relabel::CompiledRules metric_relabel = {});
  // Runs every collector (one scrape at a time: collectors keep state between scrapes) and returns
  // their families plus the scrape families, relabeled, merged by name and sorted.
  std::vector<fleet::metrics::Family> Scrape();
  std::vector<std::string> Names() const;
  // collector/<name> for each collector: the status components it reports to.
  std::vector<std::string> ComponentNames() const;

 private:
  std::mutex mu_;
  std::vector<NamedCollector> collectors_;
  std::vector<std::shared_ptr<status::Component>> status_;  // one per collector
  const relabel::CompiledRules metric_relabel_;
};

// Sorts families by name and merges families that share a name (their samples are concatenated),
// so the output never repeats a family — which the text format forbids.
void SortAndMerge(std::vector<fleet::metrics::Family>* families);

}  // namespace agent
