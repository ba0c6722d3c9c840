// A discovered target -> the target scraped: Prometheus' PopulateLabels (scrape/target.go, v3),
// pure, for the scrape manager and its tests:
//   - start from the discovered labels (__address__, a discoverer's __meta_*, a static group's
//     labels), then set job, __scrape_interval__, __scrape_timeout__, __metrics_path__ and
//     __scheme__ from the scrape config where the target has no value of its own;
//   - apply relabelConfigs: a target a rule drops is dropped (not an error);
//   - an empty __address__ is an error ("no address"), so is one with a '/'; the interval and
//     timeout labels must parse, be non-zero and timeout <= interval;
//   - __meta_* labels are deleted, instance defaults to __address__, every value must be UTF-8.
// The target's public labels (what goes on its series) are those not starting with "__"; the URL
// is __scheme__://__address____metrics_path__. Prometheus 3 adds no default port to the address.
// Not supported (no such config field): params and __param_*, the native histogram labels.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/config/agent_config.h"
#include "agent/scrape/discovery.h"
#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent::scrape {

struct ScrapeTarget {
  fleet::metrics::Labels labels;  // after relabeling, sorted by name, __ labels included
  fleet::metrics::Labels public_labels;  // labels without the "__" ones: the series' target labels
  std::string url;
  std::chrono::milliseconds interval{0}, timeout{0};
};

// nullopt: relabelConfigs dropped the target. Invalid: a target that cannot be scraped, the message
// as Prometheus words it.
fleet::Result<std::optional<ScrapeTarget>> PopulateTargetLabels(const DiscoveredTarget& discovered,
                                                                const ScrapeConfig& config);

// The label name of the target's status component: scrape/<job>/<instance>.
std::string TargetComponentName(const ScrapeTarget& target);

}  // namespace agent::scrape
