// Prometheus's metric and label name grammar (the legacy one, which remote write, Loki and every
// exporter the agent meets use): one definition for the agent's relabeling, scraping and config
// checks and for the controller's checks of profile labels.
#pragma once

#include <string>
#include <string_view>

namespace fleet::metrics {

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLabelName(std::string_view name);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsMetricName(std::string_view name);

// name with every character outside [a-zA-Z0-9_] replaced by '_', as Prometheus's
// strutil.SanitizeLabelName (a Go regexp replace, so per character: a multi-byte UTF-8 character
// is one '_', and so is each byte of an invalid sequence). A leading digit stays: the result is a
// label name only after a prefix (__meta_docker_container_label_ + name), as upstream uses it.
std::string SanitizeLabelName(std::string_view name);

}  // namespace fleet::metrics
