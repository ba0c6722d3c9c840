// node_infiniband_*{device, port} per InfiniBand HCA port (/sys/class/infiniband/<device>/ports/N),
// as node_exporter 1.5's infiniband collector reads them through procfs'
// sysfs.InfiniBandClass: node_infiniband_info{board_id, firmware_version, hca_type}, the port's
// state and physical state ids, its rate in bytes per second, and each counter the port has in
// counters/ and counters_ext/ (data counters count 4-byte words: times 4 for bytes). A counter
// a port does not have, or that reads "N/A (no PMA)", is left out.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct Counter {
  const char* dir;   // counters | counters_ext
  const char* file;
  const char* metric;  // node_infiniband_<metric>
  const char* help;
  uint64_t scale;      // 4 for the data counters
};

constexpr Counter kCounters[] = {
    {"counters_ext", "port_multicast_rcv_packets", "legacy_multicast_packets_received_total", "Number of multicast packets received", 1},
    {"counters_ext", "port_multicast_xmit_packets", "legacy_multicast_packets_transmitted_total", "Number of multicast packets transmitted", 1},
    {"counters_ext", "port_rcv_data_64", "legacy_data_received_bytes_total", "Number of data octets received on all links", 4},
    {"counters_ext", "port_rcv_packets_64", "legacy_packets_received_total", "Number of data packets received on all links", 1},
    {"counters_ext", "port_unicast_rcv_packets", "legacy_unicast_packets_received_total", "Number of unicast packets received", 1},
    {"counters_ext", "port_unicast_xmit_packets", "legacy_unicast_packets_transmitted_total", "Number of unicast packets transmitted", 1},
    {"counters_ext", "port_xmit_data_64", "legacy_data_transmitted_bytes_total", "Number of data octets transmitted on all links", 4},
    {"counters_ext", "port_xmit_packets_64", "legacy_packets_transmitted_total", "Number of data packets received on all links", 1},
    {"counters", "excessive_buffer_overrun_errors", "excessive_buffer_overrun_errors_total",
     "Number of times that OverrunErrors consecutive flow control update periods occurred, each having at least one overrun error.", 1},
    {"counters", "link_downed", "link_downed_total", "Number of times the link failed to recover from an error state and went down", 1},
    {"counters", "link_error_recovery", "link_error_recovery_total", "Number of times the link successfully recovered from an error state", 1},
    {"counters", "local_link_integrity_errors", "local_link_integrity_errors_total",
     "Number of times that the count of local physical errors exceeded the threshold specified by LocalPhyErrors.", 1},
    {"counters", "multicast_rcv_packets", "multicast_packets_received_total", "Number of multicast packets received (including errors)", 1},
    {"counters", "multicast_xmit_packets", "multicast_packets_transmitted_total", "Number of multicast packets transmitted (including errors)", 1},
    {"counters", "port_rcv_constraint_errors", "port_constraint_errors_received_total", "Number of packets received on the switch physical port that are discarded", 1},
    {"counters", "port_xmit_constraint_errors", "port_constraint_errors_transmitted_total", "Number of packets not transmitted from the switch physical port", 1},
    {"counters", "port_rcv_data", "port_data_received_bytes_total", "Number of data octets received on all links", 4},
    {"counters", "port_xmit_data", "port_data_transmitted_bytes_total", "Number of data octets transmitted on all links", 4},
    {"counters", "port_rcv_discards", "port_discards_received_total", "Number of inbound packets discarded by the port because the port is down or congested", 1},
    {"counters", "port_xmit_discards", "port_discards_transmitted_total", "Number of outbound packets discarded by the port because the port is down or congested", 1},
    {"counters", "port_rcv_errors", "port_errors_received_total", "Number of packets containing an error that were received on this port", 1},
    {"counters", "port_rcv_packets", "port_packets_received_total", "Number of packets received on all VLs by this port (including errors)", 1},
    {"counters", "port_xmit_packets", "port_packets_transmitted_total", "Number of packets transmitted on all VLs from this port (including errors)", 1},
    {"counters", "port_xmit_wait", "port_transmit_wait_total", "Number of ticks during which the port had data to transmit but no data was sent during the entire tick", 1},
    {"counters", "unicast_rcv_packets", "unicast_packets_received_total", "Number of unicast packets received (including errors)", 1},
    {"counters", "unicast_xmit_packets", "unicast_packets_transmitted_total", "Number of unicast packets transmitted (including errors)", 1},
    {"counters", "port_rcv_remote_physical_errors", "port_receive_remote_physical_errors_total",
     "Number of packets marked with the EBP (End of Bad Packet) delimiter received on the port.", 1},
    {"counters", "port_rcv_switch_relay_errors", "port_receive_switch_relay_errors_total", "Number of packets that could not be forwarded by the switch.", 1},
    {"counters", "symbol_error", "symbol_error_total", "Number of minor link errors detected on one or more physical lanes.", 1},
    {"counters", "VL15_dropped", "vl15_dropped_total", "Number of incoming VL15 packets dropped due to resource limitations.", 1},
};

// "4: ACTIVE" -> 4, as procfs' parseState.
std::optional<uint64_t> StateId(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos) return std::nullopt;
  uint64_t id = 0;
  if (!ParseU64(TrimSpace(std::string_view(text).substr(0, colon)), &id) || id > UINT32_MAX) return std::nullopt;
  return id;
}

// "40 Gb/sec (4X QDR)" -> bytes per second, as procfs' parseRate (Gb/s times 125000000, the
// number read as a float32).
std::optional<uint64_t> Rate(const std::string& text) {
  const size_t space = text.find(' ');
  if (space == std::string::npos) return std::nullopt;
  double gbits = 0;
  if (!ParseDouble(TrimSpace(std::string_view(text).substr(0, space)), &gbits)) return std::nullopt;
  return uint64_t(double(float(gbits)) * 125000000);
}

class InfiniBandCollector : public Collector {
 public:
  explicit InfiniBandCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/infiniband");
    if (::access(root.c_str(), F_OK) != 0) return NoData(root);
    Family info{"node_infiniband_info", "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.",
                Type::kGauge, {}};
    Family state{"node_infiniband_state_id",
                 "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: active, 5: act defer)",
                 Type::kGauge, {}};
    Family phys{"node_infiniband_physical_state_id",
                "Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: disable, 4: shift, 5: "
                "link up, 6: link error recover, 7: phytest)",
                Type::kGauge, {}};
    Family rate{"node_infiniband_rate_bytes_per_second", "Maximum signal transfer rate", Type::kGauge, {}};
    std::vector<Family> counters;
    for (const Counter& c : kCounters) counters.push_back({std::string("node_infiniband_") + c.metric, c.help, Type::kCounter, {}});
    for (const std::string& device : ListDir(root)) {
      const std::string dir = root + "/" + device;
      std::map<std::string, std::string> attributes;
      for (const char* file : {"board_id", "fw_ver", "hca_type"}) {
        std::string text;
        if (const int error = SysReadFile(dir + "/" + file, &text); error != 0) {
          if (error == ENOENT && std::string_view(file) == "hca_type") continue;
          return fleet::Status::Unavailable("reading " + dir + "/" + file + ": " + std::strerror(error));
        }
        attributes[file] = fleet::ValidUtf8(TrimSpace(text));
      }
      const std::string device_label = fleet::ValidUtf8(device);
      info.samples.push_back({"",
                              {{"device", device_label},
                               {"board_id", attributes["board_id"]},
                               {"firmware_version", attributes["fw_ver"]},
                               {"hca_type", attributes["hca_type"]}},
                              1});
      const std::string ports = dir + "/ports";
      if (::access(ports.c_str(), F_OK) != 0) {
        return fleet::Status::Unavailable("listing InfiniBand ports at " + ports + ": " + std::strerror(errno));
      }
      for (const std::string& port : ListDir(ports)) {
        uint64_t number = 0;
        if (!ParseU64(port, &number) || number > UINT32_MAX) return fleet::Status::Invalid(ports + "/" + port + ": not a port number");
        const std::string port_dir = ports + "/" + port;
        const fleet::metrics::Labels labels = {{"device", device_label}, {"port", std::to_string(number)}};
        auto state_text = fleet::ReadKernelFile(port_dir + "/state");
        if (!state_text.ok()) return state_text.status();
        auto phys_text = fleet::ReadKernelFile(port_dir + "/phys_state");
        if (!phys_text.ok()) return phys_text.status();
        auto rate_text = fleet::ReadKernelFile(port_dir + "/rate");
        if (!rate_text.ok()) return rate_text.status();
        const auto state_id = StateId(*state_text), phys_id = StateId(*phys_text);
        const auto bytes_per_second = Rate(*rate_text);
        if (!state_id || !phys_id || !bytes_per_second) return fleet::Status::Invalid("could not parse the state, phys_state or rate in " + port_dir);
        state.samples.push_back({"", labels, double(*state_id)});
        phys.samples.push_back({"", labels, double(*phys_id)});
        rate.samples.push_back({"", labels, double(*bytes_per_second)});
        if (auto st = AddCounters(port_dir, labels, &counters); !st.ok()) return st;
      }
    }
    out->push_back(std::move(info));
    out->push_back(std::move(state));
    out->push_back(std::move(phys));
    out->push_back(std::move(rate));
    for (auto& f : counters) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  static fleet::Status AddCounters(const std::string& port_dir, const fleet::metrics::Labels& labels,
                                   std::vector<Family>* counters) {
    if (::access((port_dir + "/counters").c_str(), F_OK) != 0) {
      return fleet::Status::Unavailable("reading " + port_dir + "/counters: " + std::strerror(errno));
    }
    for (size_t i = 0; i < std::size(kCounters); ++i) {
      const std::string path = port_dir + "/" + kCounters[i].dir + "/" + kCounters[i].file;
      if (!IsRegularFile(path)) continue;
      std::string text;
      if (const int error = SysReadFile(path, &text); error != 0) {
        if (IsUnsupportedAttribute(error) || error == EACCES || error == EPERM) continue;
        return fleet::Status::Unavailable("reading " + path + ": " + std::strerror(error));
      }
      uint64_t value = 0;
      if (!ParseU64(TrimSpace(text), &value, 0)) {
        if (text.find("N/A (no PMA)") != std::string::npos) continue;
        return fleet::Status::Invalid(path + ": not a counter");
      }
      (*counters)[i].samples.push_back({"", labels, double(value * kCounters[i].scale)});
    }
    return fleet::Status::Ok();
  }

  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewInfiniBandCollector(const CollectorOptions& o) {
  return std::make_unique<InfiniBandCollector>(o.paths);
}

}  // namespace agent
