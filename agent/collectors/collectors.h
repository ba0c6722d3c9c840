// Factories of the host collectors; the table in registry.cc lists them by name.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/collector.h"
#include "agent/link_changes.h"

namespace agent {

std::unique_ptr<Collector> NewArpCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewBcacheCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewBondingCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewBtrfsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewConntrackCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewCpuCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewCpufreqCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewDiskstatsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewDmiCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewEdacCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewEntropyCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewFibreChannelCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewFilefdCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewFilesystemCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewHwmonCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewInfiniBandCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewIpvsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewLoadavgCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewMdadmCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewMeminfoCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNetclassCollector(const CollectorOptions& o);
// What lets netclass serve its last read again (agent/collectors/netclass.cc); NewNetclassCollector
// uses rtnetlink's, tests their own. Without changes (or link_names) every scrape reads.
struct NetclassCache {
  std::unique_ptr<LinkChanges> changes;
  std::function<std::optional<std::vector<std::string>>()> link_names;
  std::chrono::steady_clock::duration max_age{};
};
inline constexpr std::chrono::seconds kNetclassMaxCacheAge{60};
std::unique_ptr<Collector> NewNetclassCollectorWithCache(const CollectorOptions& o, NetclassCache cache);
std::unique_ptr<Collector> NewNetdevCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNetstatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNfsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNfsdCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNvmeCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewOsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewPowerSupplyClassCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewPressureCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewRaplCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewSchedstatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewSelinuxCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewSockstatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewSoftnetCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewStatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewTapestatsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewTextfileCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewThermalZoneCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewTimeCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewTimexCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewUdpQueuesCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewUnameCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewVmstatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewXfsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewZfsCollector(const CollectorOptions& o);

}  // namespace agent
