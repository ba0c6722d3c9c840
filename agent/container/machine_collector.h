// cAdvisor's machine_* families: the machine's logical and physical cores, sockets, memory and
// swap, labelled with its boot_id, machine_id and system_uuid, as cAdvisor serves them beside the
// container_* families (dashboards divide container CPU and memory by them).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "agent/collector.h"

namespace agent {

struct MachineCollectorOptions {
  HostPaths paths;  // procfs (meminfo, boot_id), sysfs (cpu topology, DMI uuid), rootfs (machine-id)
  // The machine is read at the first scrape and again after this long, as cAdvisor refreshes its
  // machine info (--update_machine_info_interval, 5m): CPUs and memory change only by hotplug.
  std::chrono::seconds refresh_interval{300};
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

std::unique_ptr<Collector> NewMachineCollector(MachineCollectorOptions options);

}  // namespace agent
