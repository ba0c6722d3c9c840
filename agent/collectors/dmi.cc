// node_dmi_info: the firmware's DMI identification from /sys/class/dmi/id, one label per file the
// kernel provides (serials and product_uuid only root may read; unreadable ones are left out).
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// Label name and its file (they differ only for system_vendor), in label order.
constexpr std::pair<const char*, const char*> kFields[] = {
    {"bios_date", "bios_date"},
    {"bios_release", "bios_release"},
    {"bios_vendor", "bios_vendor"},
    {"bios_version", "bios_version"},
    {"board_asset_tag", "board_asset_tag"},
    {"board_name", "board_name"},
    {"board_serial", "board_serial"},
    {"board_vendor", "board_vendor"},
    {"board_version", "board_version"},
    {"chassis_asset_tag", "chassis_asset_tag"},
    {"chassis_serial", "chassis_serial"},
    {"chassis_vendor", "chassis_vendor"},
    {"chassis_version", "chassis_version"},
    {"product_family", "product_family"},
    {"product_name", "product_name"},
    {"product_serial", "product_serial"},
    {"product_sku", "product_sku"},
    {"product_uuid", "product_uuid"},
    {"product_version", "product_version"},
    {"system_vendor", "sys_vendor"},
};

class DmiCollector : public Collector {
 public:
  explicit DmiCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string dir = paths_.Sys("class/dmi/id/");
    fleet::metrics::Labels labels;
    for (const auto& [label, file] : kFields) {
      // DMI strings are at most 64 bytes; a sysfs attribute at most a page.
      auto text = fleet::ReadFileText(dir + file, 4096, fleet::FileKind::kKernel);
      if (!text.ok()) continue;
      std::string value = std::move(*text);
      const size_t end = value.find_last_not_of(" \t\n\r");
      value.erase(end == std::string::npos ? 0 : end + 1);
      const size_t start = value.find_first_not_of(" \t\n\r");
      value.erase(0, start == std::string::npos ? value.size() : start);
      labels.push_back({label, fleet::ValidUtf8(value)});
    }
    // A platform without DMI (most ARM boards, some VMs): no data, as in node_exporter.
    if (labels.empty()) return NoData(dir);
    out->push_back(Single(Type::kGauge, "node_dmi_info",
                          "A metric with a constant '1' value labeled by bios_date, bios_release, "
                          "bios_vendor, bios_version, board_asset_tag, board_name, board_serial, "
                          "board_vendor, board_version, chassis_asset_tag, chassis_serial, "
                          "chassis_vendor, chassis_version, product_family, product_name, "
                          "product_serial, product_sku, product_uuid, product_version, "
                          "system_vendor if provided by DMI.",
                          1, std::move(labels)));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewDmiCollector(const CollectorOptions& o) {
  return std::make_unique<DmiCollector>(o.paths);
}

}  // namespace agent
