// cAdvisor's container_* families for every running Docker container: accounting from the
// container's cgroup, names/images/labels from the lister, network from the container's netns.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/collector.h"
#include "agent/container/cgroups.h"
#include "agent/container/container_lister.h"

namespace agent {

struct ContainerCollectorOptions {
  HostPaths paths;          // procfs for /proc/<pid>/net/dev, sysfs for block device names
  bool docker_labels = true;  // add container_label_<name> labels
  // Docker is asked for the running containers when the set of container cgroups changes, and
  // at least this often: a `docker rename` changes no cgroup.
  std::chrono::seconds relist_interval{60};
  // Also serve the root cgroup (id="/") and the systemd units' (/system.slice/...), as cAdvisor
  // does by default.
  bool system_cgroups = true;
  // How often container_fs_usage_bytes is measured off the scrape path (cAdvisor: 1m); 0 = never.
  std::chrono::milliseconds fs_usage_period{std::chrono::minutes(1)};
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

std::unique_ptr<Collector> NewContainerCollector(std::unique_ptr<ContainerLister> lister,
                                                 std::unique_ptr<Cgroups> cgroups,
                                                 ContainerCollectorOptions options);

// "container_label_" + the Docker label name with characters invalid in a Prometheus label name
// replaced by '_', as cAdvisor does.
std::string ContainerLabelName(const std::string& docker_label);

}  // namespace agent
