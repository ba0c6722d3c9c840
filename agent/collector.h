// One collector reads one area of the host (or the containers) and returns metric families.
// Host collectors are listed in one table (collectors/registry.cc), as node_exporter does.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent {

// Where the host's filesystems are; the agent may run in a container with them mounted elsewhere.
struct HostPaths {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
  std::string udev_data = "/run/udev/data";
  std::string Proc(const std::string& relative) const { return procfs + "/" + relative; }
  std::string Sys(const std::string& relative) const { return sysfs + "/" + relative; }
};

// Everything a collector may be configured with (built from AgentConfig by the daemon, directly
// by tests).
struct CollectorOptions {
  HostPaths paths;
  std::string filesystem_mount_points_exclude;
  std::string filesystem_fs_types_exclude;
  std::chrono::milliseconds filesystem_mount_timeout{std::chrono::seconds(5)};
  std::string netdev_device_exclude;
  std::string textfile_directory;
  std::string diskstats_device_exclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
};

class Collector {
 public:
  virtual ~Collector() = default;
  // Appends this collector's families to *out. A non-ok status marks the collector failed for
  // this scrape (node_scrape_collector_success 0); whatever it appended is still served.
  virtual fleet::Status Collect(std::vector<fleet::metrics::Family>* out) = 0;
};

struct CollectorEntry {
  const char* name;
  bool enabled_by_default;
  std::unique_ptr<Collector> (*make)(const CollectorOptions& options);
};

// The host collector table, in name order.
const std::vector<CollectorEntry>& HostCollectors();

}  // namespace agent
