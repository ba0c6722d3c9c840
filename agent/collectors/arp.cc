// node_arp_entries{device} from /proc/net/arp: the neighbour table's rows counted per device,
// but for the devices the exclude regex matches.
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class ArpCollector : public Collector {
 public:
  ArpCollector(HostPaths paths, const std::string& exclude)
      : paths_(std::move(paths)), exclude_(exclude, RegexFilter::EmptyPattern::kMatchesNothing) {}

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
      if (exclude_.Matches(std::string(device))) continue;
      entries.samples.push_back({"", {{"device", std::string(device)}}, double(count)});
    }
    out->push_back(std::move(entries));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;
  RegexFilter exclude_;
};

}  // namespace

std::unique_ptr<Collector> NewArpCollector(const CollectorOptions& o) {
  return std::make_unique<ArpCollector>(o.paths, o.arp_device_exclude);
}

}  // namespace agent
