// node_network_{receive,transmit}_*_total per interface: the kernel's rtnl_link_stats64 counters,
// over rtnetlink as node_exporter 1.5.0 reads them (one round trip for all devices), or from
// <sysfs>/class/net/*/statistics when paths.sysfs points elsewhere than /sys (a host /sys
// mounted into a container, or a fixture tree).
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>

#include "agent/collectors/collectors.h"
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
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return fleet::Status::Unavailable(std::string("netlink: ") + std::strerror(errno));
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  if (::send(fd, &request, sizeof request, 0) < 0) {
    ::close(fd);
    return fleet::Status::Unavailable(std::string("netlink send: ") + std::strerror(errno));
  }
  DeviceStats out;
  alignas(nlmsghdr) char buf[32768];
  bool done = false;
  while (!done) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fleet::Status::Unavailable(std::string("netlink recv: ") + std::strerror(errno));
    }
    // Signed: NLMSG_NEXT takes a message's aligned length off it, which NLMSG_OK must see go
    // negative rather than wrap. NLMSG_OK compares it with the unsigned nlmsg_len, which clang
    // reports in the macro's expansion here.
    int len = static_cast<int>(n);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
#pragma GCC diagnostic pop
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = true;
        break;
      }
      if (h->nlmsg_type != RTM_NEWLINK) continue;
      auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(h));
      int attr_len = static_cast<int>(IFLA_PAYLOAD(h));
      std::string name;
      rtnl_link_stats64 stats{};
      bool has_stats = false;
      for (auto* a = IFLA_RTA(info); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type == IFLA_IFNAME) name = static_cast<const char*>(RTA_DATA(a));
        if (a->rta_type == IFLA_STATS64) {
          std::memcpy(&stats, RTA_DATA(a), std::min<size_t>(sizeof stats, RTA_PAYLOAD(a)));
          has_stats = true;
        }
      }
      if (!name.empty() && has_stats) out[name] = stats;
    }
  }
  ::close(fd);
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
