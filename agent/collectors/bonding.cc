// node_bonding_slaves / node_bonding_active per bonding master: the masters listed in
// /sys/class/net/bonding_masters, their slaves, and how many of those have MII status "up".
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class BondingCollector : public Collector {
 public:
  explicit BondingCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/net/");
    // Without the bonding module the file does not exist: no data, as in node_exporter.
    auto masters = fleet::ReadKernelFile(root + "bonding_masters");
    if (!masters.ok()) return NoDataIfAbsent(masters.status(), root + "bonding_masters");
    Family slaves{"node_bonding_slaves",
                  "Number of configured slaves per bonding interface.",
                  Type::kGauge,
                  {}};
    Family active{
        "node_bonding_active", "Number of active slaves per bonding interface.", Type::kGauge, {}};
    for (std::string_view master : Fields(*masters)) {
      const std::string dir = root + std::string(master) + "/";
      auto list = fleet::ReadKernelFile(dir + "bonding/slaves");
      if (!list.ok()) return list.status();
      uint64_t configured = 0, up = 0;
      for (std::string_view slave : Fields(*list)) {
        // "lower_<slave>" since Linux 4.x; "slave_<slave>" before.
        std::string state =
            ReadTrimmed(dir + "lower_" + std::string(slave) + "/bonding_slave/mii_status", "\n");
        if (state == "\n") {
          state =
              ReadTrimmed(dir + "slave_" + std::string(slave) + "/bonding_slave/mii_status", "\n");
        }
        if (state == "\n") {
          return fleet::Status::NotFound(dir + ": no MII status for slave " +
                                         fleet::ForeignText(slave, 64));
        }
        ++configured;
        if (state == "up") ++up;
      }
      const fleet::metrics::Labels labels = {{"master", fleet::ValidUtf8(master)}};
      slaves.samples.push_back({"", labels, double(configured)});
      active.samples.push_back({"", labels, double(up)});
    }
    out->push_back(std::move(active));
    out->push_back(std::move(slaves));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewBondingCollector(const CollectorOptions& o) {
  return std::make_unique<BondingCollector>(o.paths);
}

}  // namespace agent
