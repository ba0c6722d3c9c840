// Prometheus's metric and label name grammar (the legacy one, which remote write, Loki and every
// exporter the agent meets use): one definition for the agent's relabeling, scraping and config
// checks and for the controller's checks of profile labels.
#pragma once

#include <string_view>

namespace fleet::metrics {

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLabelName(std::string_view name);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsMetricName(std::string_view name);

}  // namespace fleet::metrics
