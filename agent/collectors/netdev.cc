// node_network_{receive,transmit}_*_total per interface from /sys/class/net/*/statistics — the
// same kernel counters node_exporter 1.5.0 reads over rtnetlink, under the same names.
#include <regex>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct NetdevStat {
  const char* metric;  // node_network_<metric>_total
  const char* file;    // statistics/<file>
};

// In node_exporter's name order (which the Go client sorts anyway).
const NetdevStat kNetdevStats[] = {
    {"receive_bytes", "rx_bytes"},
    {"receive_compressed", "rx_compressed"},
    {"receive_drop", "rx_dropped"},
    {"receive_errs", "rx_errors"},
    {"receive_fifo", "rx_fifo_errors"},
    {"receive_frame", "rx_frame_errors"},
    {"receive_multicast", "multicast"},
    {"receive_nohandler", "rx_nohandler"},
    {"receive_packets", "rx_packets"},
    {"transmit_bytes", "tx_bytes"},
    {"transmit_carrier", "tx_carrier_errors"},
    {"transmit_colls", "collisions"},
    {"transmit_compressed", "tx_compressed"},
    {"transmit_drop", "tx_dropped"},
    {"transmit_errs", "tx_errors"},
    {"transmit_fifo", "tx_fifo_errors"},
    {"transmit_packets", "tx_packets"},
};

class NetdevCollector : public Collector {
 public:
  NetdevCollector(HostPaths paths, const std::string& exclude)
      : paths_(std::move(paths)), exclude_(exclude) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string base = paths_.Sys("class/net");
    std::vector<Family> families;
    for (const NetdevStat& s : kNetdevStats) {
      families.push_back({std::string("node_network_") + s.metric + "_total",
                          std::string("Network device statistic ") + s.metric + ".",
                          Type::kCounter,
                          {}});
    }
    for (const std::string& dev : ListDir(base)) {
      if (std::regex_search(dev, exclude_)) continue;
      for (size_t i = 0; i < std::size(kNetdevStats); ++i) {
        uint64_t v = 0;
        if (!ParseU64(ReadTrimmed(base + "/" + dev + "/statistics/" + kNetdevStats[i].file), &v)) {
          continue;
        }
        families[i].samples.push_back({"", {{"device", dev}}, static_cast<double>(v)});
      }
    }
    for (Family& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  std::regex exclude_;
};

}  // namespace

std::unique_ptr<Collector> NewNetdevCollector(const CollectorOptions& o) {
  return std::make_unique<NetdevCollector>(o.paths, o.netdev_device_exclude);
}

}  // namespace agent
