// What a scrape job's targets come from, as the pipeline hands it to the scrape manager: the
// job's staticConfigs and each of its dockerSdConfigs, as one list; and the built-in job of
// scrapeLabelledContainers.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "agent/config/agent_config.h"
#include "agent/scrape/discovery.h"

namespace agent::discovery {

// One Discoverer over the job's static targets and its Docker daemons. Each Docker daemon is
// listed at most once per its refreshInterval (the scrape manager asks every few seconds); a
// daemon that fails keeps its last targets, as Prometheus keeps a provider's last target groups,
// while the other providers' targets go on. `docker_socket` is the agent's docker.socket, for a
// dockerSdConfig without a host.
std::unique_ptr<scrape::Discoverer> JobDiscoverer(const ScrapeConfig& job, const std::string& docker_socket);

// scrapeLabelledContainers as a scrape job: Docker discovery on docker.socket with the
// prometheus.io/* rules (prometheus_io_rules.h), the container's name as the container label,
// the agent's scrapeInterval; nullopt when it is off.
std::optional<ScrapeConfig> LabelledContainersJob(const AgentConfig& config);

}  // namespace agent::discovery
