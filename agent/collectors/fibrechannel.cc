// node_fibrechannel_* per Fibre Channel host adapter (/sys/class/fc_host/<host>), as
// node_exporter 1.5's fibrechannel collector reads them through procfs' sysfs.FibreChannelClass:
// node_fibrechannel_info with the port's attributes, and the statistics/ counters, leaving out a
// counter the HBA firmware does not implement (it reads all ones).
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
  const char* file;    // statistics/<file>
  const char* metric;  // node_fibrechannel_<metric>
  const char* help;
};

constexpr Counter kCounters[] = {
    {"dumped_frames", "dumped_frames_total", "Number of dumped frames"},
    {"error_frames", "error_frames_total", "Number of errors in frames"},
    {"invalid_crc_count", "invalid_crc_total", "Invalid Cyclic Redundancy Check count"},
    {"rx_frames", "rx_frames_total", "Number of frames received"},
    {"rx_words", "rx_words_total", "Number of words received by host port"},
    {"tx_frames", "tx_frames_total", "Number of frames transmitted by host port"},
    {"tx_words", "tx_words_total", "Number of words transmitted by host port"},
    {"seconds_since_last_reset", "seconds_since_last_reset_total", "Number of seconds since last host port reset"},
    {"invalid_tx_word_count", "invalid_tx_words_total", "Number of invalid words transmitted by host port"},
    {"link_failure_count", "link_failure_total", "Number of times the host port link has failed"},
    {"loss_of_sync_count", "loss_of_sync_total", "Number of failures on either bit or transmission word boundaries"},
    {"loss_of_signal_count", "loss_of_signal_total", "Number of times signal has been lost"},
    {"nos_count", "nos_total", "Number Not_Operational Primitive Sequence received by host port"},
    {"fcp_packet_aborts", "fcp_packet_aborts_total", "Number of aborted packets"},
};

// The attributes on node_fibrechannel_info, by label; those marked drop the "0x" of a hex name.
constexpr struct {
  const char* label;
  const char* file;
  bool hex;
} kInfo[] = {{"speed", "speed", false},
             {"port_state", "port_state", false},
             {"port_type", "port_type", false},
             {"port_id", "port_id", true},
             {"port_name", "port_name", true},
             {"fabric_name", "fabric_name", true},
             {"symbolic_name", "symbolic_name", false},
             {"supported_classes", "supported_classes", false},
             {"supported_speeds", "supported_speeds", false},
             {"dev_loss_tmo", "dev_loss_tmo", false}};

class FibreChannelCollector : public Collector {
 public:
  explicit FibreChannelCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/fc_host");
    if (::access(root.c_str(), F_OK) != 0) return NoData(root);
    Family info{"node_fibrechannel_info", "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.",
                Type::kGauge, {}};
    std::vector<Family> counters;
    for (const Counter& c : kCounters) counters.push_back({std::string("node_fibrechannel_") + c.metric, c.help, Type::kCounter, {}});
    for (const std::string& host : ListDir(root)) {
      const std::string dir = root + "/" + host + "/";
      fleet::metrics::Labels labels = {{"fc_host", fleet::ValidUtf8(host)}};
      for (const auto& attribute : kInfo) {
        std::string text;
        if (const int error = SysReadFile(dir + attribute.file, &text); error != 0) {
          return fleet::Status::Unavailable("reading " + dir + attribute.file + ": " + std::strerror(error));
        }
        text = TrimSpace(text);
        if (attribute.hex && text.size() > 2) text = text.substr(2);
        labels.push_back({attribute.label, fleet::ValidUtf8(text)});
      }
      info.samples.push_back({"", std::move(labels), 1});
      std::map<std::string, uint64_t> values;  // 0 unless a file says otherwise
      const std::string stats = dir + "statistics/";
      if (::access(stats.c_str(), F_OK) != 0) {
        return fleet::Status::Unavailable("reading " + stats + ": " + std::strerror(errno));
      }
      for (const std::string& file : ListDir(stats)) {
        if (file == "reset_statistics" || !IsRegularFile(stats + file)) continue;
        std::string text;
        if (const int error = SysReadFile(stats + file, &text); error != 0) {
          if (IsUnsupportedAttribute(error)) continue;  // write-only files
          return fleet::Status::Unavailable("reading " + stats + file + ": " + std::strerror(error));
        }
        uint64_t value = 0;
        if (!ParseU64(TrimSpace(text), &value, 0)) return fleet::Status::Invalid(stats + file + ": not a counter");
        values[file] = value;
      }
      for (size_t i = 0; i < std::size(kCounters); ++i) {
        const uint64_t v = values[kCounters[i].file];
        if (v == UINT64_MAX) continue;  // not implemented by the firmware
        counters[i].samples.push_back({"", {{"fc_host", fleet::ValidUtf8(host)}}, double(v)});
      }
    }
    out->push_back(std::move(info));
    for (auto& f : counters) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewFibreChannelCollector(const CollectorOptions& o) {
  return std::make_unique<FibreChannelCollector>(o.paths);
}

}  // namespace agent
