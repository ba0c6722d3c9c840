// node_arp_entries{device} from /proc/net/arp: the neighbour table's rows counted per device.
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class ArpCollector : public Collector {
 public:
  explicit ArpCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("net/arp"));
    if (!text.ok()) return text.status();
    std::map<std::string_view, uint64_t> per_device;
    const auto lines = Lines(*text);
    for (size_t i = 1; i < lines.size(); ++i) {  // the first line is the header
      const auto f = Fields(lines[i]);
      if (f.size() != 6) return fleet::Status::Invalid("unexpected /proc/net/arp line");
      ++per_device[f[5]];
    }
    Family entries{"node_arp_entries", "ARP entries by device", Type::kGauge, {}};
    for (const auto& [device, count] : per_device) {
      entries.samples.push_back({"", {{"device", std::string(device)}}, double(count)});
    }
    out->push_back(std::move(entries));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewArpCollector(const CollectorOptions& o) {
  return std::make_unique<ArpCollector>(o.paths);
}

}  // namespace agent
