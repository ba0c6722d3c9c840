// Service discovery for scrape targets: what a scrape config's static list or Docker discovery
// yields before target relabeling, as Prometheus' discovery.Discoverer yields target groups. Each
// target is one label set holding __address__ (host:port) and the discoverer's __meta_* labels;
// the scrape manager applies the scrape config's relabelConfigs to it, then fills in
// __scheme__/__metrics_path__/job/instance as Prometheus' PopulateLabels does.
#pragma once

#include <vector>

#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent::scrape {

using DiscoveredTarget = fleet::metrics::Labels;  // sorted by name, names unique

class Discoverer {
 public:
  virtual ~Discoverer() = default;
  // The targets as of now. An error leaves the caller with the last list that succeeded (as
  // Prometheus keeps a target group when a refresh fails); the message says why, for the status
  // page. Called from one thread at a time, every refresh interval of the discoverer.
  virtual fleet::Result<std::vector<DiscoveredTarget>> Discover() = 0;
};

}  // namespace agent::scrape
