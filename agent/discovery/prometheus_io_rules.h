// The de-facto "prometheus.io/*" convention (Prometheus's kubernetes example config uses it as pod
// annotations; Docker users put the same keys on containers) as target relabel rules for Docker
// discovery, so that a container labelled for scraping is scraped with no other config:
//   prometheus.io/scrape=true   the container's targets are kept; every other target is dropped
//   prometheus.io/port=<port>   __address__'s port becomes <port> (its host is kept; a host with
//                               no port, as host networking's, gets this one)
//   prometheus.io/path=<path>   __metrics_path__ (the scrape's default /metrics otherwise)
//   prometheus.io/scheme=http|https  __scheme__ (any other value is ignored)
// Labels reach the rules as __meta_docker_container_label_prometheus_io_<key> (SanitizeLabelName).
// A container with several ports is one target per port; with prometheus.io/port they end with
// the same address and, once the __meta_ labels are gone, the same labels: the scrape manager
// keeps one of targets whose labels are equal, as Prometheus's scrape pool does.
#pragma once

#include <vector>

#include "agent/relabel/relabel.h"

namespace agent::discovery {

std::vector<relabel::Rule> PrometheusIoDockerRules();

}  // namespace agent::discovery
