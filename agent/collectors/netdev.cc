// node_network_{receive,transmit}_*_total per interface: the kernel's rtnl_link_stats64 counters,
// over rtnetlink as node_exporter 1.5.0 reads them (one round trip for all devices), or from
// <sysfs>/class/net/*/statistics when paths.sysfs points elsewhere than /sys (a host /sys
// mounted into a container, or a fixture tree).
#include <linux/if_link.h>

#include <array>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/link_changes.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct NetdevStat {
  const char* metric;  // node_network_<metric>_total
  const char* file;    // statistics/<file> in sysfs
  __u64 rtnl_link_stats64::*field;
};

const NetdevStat kNetdevStats[] = {
    {"receive_bytes", "rx_bytes", &rtnl_link_stats64::rx_bytes},
    {"receive_compressed", "rx_compressed", &rtnl_link_stats64::rx_compressed},
    {"receive_drop", "rx_dropped", &rtnl_link_stats64::rx_dropped},
    {"receive_errs", "rx_errors", &rtnl_link_stats64::rx_errors},
    {"receive_fifo", "rx_fifo_errors", &rtnl_link_stats64::rx_fifo_errors},
    {"receive_frame", "rx_frame_errors", &rtnl_link_stats64::rx_frame_errors},
    {"receive_multicast", "multicast", &rtnl_link_stats64::multicast},
    {"receive_nohandler", "rx_nohandler", &rtnl_link_stats64::rx_nohandler},
    {"receive_packets", "rx_packets", &rtnl_link_stats64::rx_packets},
    {"transmit_bytes", "tx_bytes", &rtnl_link_stats64::tx_bytes},
    {"transmit_carrier", "tx_carrier_errors", &rtnl_link_stats64::tx_carrier_errors},
    {"transmit_colls", "collisions", &rtnl_link_stats64::collisions},
    {"transmit_compressed", "tx_compressed", &rtnl_link_stats64::tx_compressed},
    {"transmit_drop", "tx_dropped", &rtnl_link_stats64::tx_dropped},
    {"transmit_errs", "tx_errors", &rtnl_link_stats64::tx_errors},
    {"transmit_fifo", "tx_fifo_errors", &rtnl_link_stats64::tx_fifo_errors},
    {"transmit_packets", "tx_packets", &rtnl_link_stats64::tx_packets},
};

using DeviceStats = std::map<std::string, rtnl_link_stats64>;

// One RTM_GETLINK dump; IFLA_STATS64 of every link.
fleet::Result<DeviceStats> ReadNetlink() {
  auto links = DumpLinks();
  if (!links.ok()) return links.status();
  DeviceStats out;
  for (const Link& link : *links) {
    if (link.stats) out[link.name] = *link.stats;
  }
  return out;
}

DeviceStats ReadSysfs(const std::string& base) {
  DeviceStats out;
  for (const std::string& dev : ListDir(base)) {
    rtnl_link_stats64 stats{};
    for (const NetdevStat& s : kNetdevStats) {
      uint64_t v = 0;
      if (ParseU64(ReadTrimmed(base + "/" + dev + "/statistics/" + s.file), &v)) stats.*s.field = v;
    }
    out[dev] = stats;
  }
  return out;
}

class NetdevCollector : public Collector {
 public:
  NetdevCollector(HostPaths paths, const std::string& exclude)
      : paths_(std::move(paths)), exclude_(exclude, RegexFilter::EmptyPattern::kMatchesNothing) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    fleet::Result<DeviceStats> stats =
        paths_.sysfs == "/sys" ? ReadNetlink() : ReadSysfs(paths_.Sys("class/net"));
    if (!stats.ok()) return stats.status();
    std::vector<Family> families;
    for (const NetdevStat& s : kNetdevStats) {
      families.push_back({std::string("node_network_") + s.metric + "_total",
                          std::string("Network device statistic ") + s.metric + ".",
                          Type::kCounter,
                          {}});
    }
    for (const auto& [dev, st] : *stats) {
      if (exclude_.Matches(dev)) continue;
      for (size_t i = 0; i < std::size(kNetdevStats); ++i) {
        families[i].samples.push_back(
            {"", {{"device", dev}}, static_cast<double>(st.*kNetdevStats[i].field)});
      }
    }
    for (Family& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  RegexFilter exclude_;
};

}  // namespace

std::unique_ptr<Collector> NewNetdevCollector(const CollectorOptions& o) {
  return std::make_unique<NetdevCollector>(o.paths, o.netdev_device_exclude);
}

}  // namespace agent
