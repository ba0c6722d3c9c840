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
  // Defaults as node_exporter 1.5.0's flags (the config's are the same), for tests that build
  // options directly.
  std::string arp_device_exclude;
  std::string diskstats_device_exclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
  std::string netclass_ignored_devices = "^$";
  bool netclass_ignore_invalid_speed = false;
  std::string netdev_device_exclude;
  std::string textfile_directory;
};

// node_exporter's ErrNoData: what a collector reads does not exist on this host (no bonding
// module, no md arrays, no NVMe, no RAPL, no DMI, a kernel without schedstats). The scrape serves
// node_scrape_collector_success 0 for it, as node_exporter does, but it is not a failure: it is
// logged at debug only and the collector's component stays healthy, so a VPS without the
// hardware is not reported unhealthy to the controller.
inline constexpr const char* kNoDataReason = "NoData";
inline fleet::Status NoData(const std::string& what) {
  return fleet::Status(fleet::Code::kNotFound, what + ": not on this host",
                       {fleet::Cause{kNoDataReason, "", what + ": not on this host"}});
}
// A failed read of the file a collector starts from: no data when the file does not exist.
inline fleet::Status NoDataIfAbsent(const fleet::Status& read_error, const std::string& path) {
  return read_error.code() == fleet::Code::kNotFound ? NoData(path) : read_error;
}
inline bool IsNoData(const fleet::Status& status) {
  return status.code() == fleet::Code::kNotFound && !status.causes().empty() &&
         status.causes().front().reason == kNoDataReason;
}

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
