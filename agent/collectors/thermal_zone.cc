// node_thermal_zone_temp per /sys/class/thermal/thermal_zoneN (millidegrees in the file, degrees
// Celsius out) and node_cooling_device_{cur,max}_state per cooling_deviceN. A zone whose sensor
// has no reading (ENODATA) is left out, as node_exporter does.
#include <cerrno>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

fleet::Status ReadInt(const std::string& path, int64_t* out) {
  auto text = fleet::ReadKernelFile(path);
  if (!text.ok()) return text.status();
  auto f = Fields(*text);
  if (f.size() != 1 || !ParseI64(f[0], out)) return fleet::Status::Invalid("unexpected " + path);
  return fleet::Status::Ok();
}

class ThermalZoneCollector : public Collector {
 public:
  explicit ThermalZoneCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/thermal/");
    Family temp{"node_thermal_zone_temp", "Zone temperature in Celsius", Type::kGauge, {}};
    for (const std::string& zone : Glob(root + "thermal_zone[0-9]*")) {
      const std::string type = ReadTrimmed(zone + "/type", "\n");
      if (type == "\n") return fleet::Status::NotFound(zone + "/type");
      int64_t millidegrees = 0;
      if (auto s = ReadInt(zone + "/temp", &millidegrees); !s.ok()) {
        if (s.message().find(std::strerror(ENODATA)) != std::string::npos) continue;
        return s;
      }
      temp.samples.push_back({"",
                              {{"type", fleet::ValidUtf8(type)},
                               {"zone", zone.substr(zone.rfind("thermal_zone") + 12)}},
                              double(millidegrees) / 1000.0});
    }
    Family cur{"node_cooling_device_cur_state",
               "Current throttle state of the cooling device",
               Type::kGauge,
               {}};
    Family max{"node_cooling_device_max_state",
               "Maximum throttle state of the cooling device",
               Type::kGauge,
               {}};
    for (const std::string& device : Glob(root + "cooling_device[0-9]*")) {
      const std::string type = ReadTrimmed(device + "/type", "\n");
      if (type == "\n") return fleet::Status::NotFound(device + "/type");
      int64_t cur_state = 0, max_state = 0;
      if (auto s = ReadInt(device + "/cur_state", &cur_state); !s.ok()) return s;
      if (auto s = ReadInt(device + "/max_state", &max_state); !s.ok()) return s;
      const fleet::metrics::Labels labels = {
          {"name", device.substr(device.rfind("cooling_device") + 14)},
          {"type", fleet::ValidUtf8(type)}};
      cur.samples.push_back({"", labels, double(cur_state)});
      max.samples.push_back({"", labels, double(max_state)});
    }
    out->push_back(std::move(cur));
    out->push_back(std::move(max));
    out->push_back(std::move(temp));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewThermalZoneCollector(const CollectorOptions& o) {
  return std::make_unique<ThermalZoneCollector>(o.paths);
}

}  // namespace agent
