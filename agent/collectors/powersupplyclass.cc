// node_power_supply_* per /sys/class/power_supply/<name>, as node_exporter 1.5's powersupplyclass
// collector reads it through procfs' sysfs.PowerSupplyClass: each regular attribute file read
// with SysReadFile and trimmed; numbers in µA/µV/µW/µWh/µAh become base units (/1e6),
// temperatures in tenths of a degree become degrees; text attributes go on
// node_power_supply_info. An attribute the driver cannot report (ENOENT, EOPNOTSUPP, EINVAL) is
// left out; one that is not a number fails the scrape, as procfs fails the whole class.
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

struct Numeric {
  const char* file;    // the sysfs attribute
  const char* metric;  // node_power_supply_<metric>
  double divisor;
};

// node_exporter's three tables (as-is, /1e6, /10), by attribute.
constexpr Numeric kNumeric[] = {
    {"authentic", "authentic", 1},
    {"calibrate", "calibrate", 1},
    {"capacity", "capacity", 1},
    {"capacity_alert_max", "capacity_alert_max", 1},
    {"capacity_alert_min", "capacity_alert_min", 1},
    {"cycle_count", "cyclecount", 1},
    {"online", "online", 1},
    {"present", "present", 1},
    {"time_to_empty_now", "time_to_empty_seconds", 1},
    {"time_to_full_now", "time_to_full_seconds", 1},
    {"current_boot", "current_boot", 1e6},
    {"current_max", "current_max", 1e6},
    {"current_now", "current_ampere", 1e6},
    {"energy_empty", "energy_empty", 1e6},
    {"energy_empty_design", "energy_empty_design", 1e6},
    {"energy_full", "energy_full", 1e6},
    {"energy_full_design", "energy_full_design", 1e6},
    {"energy_now", "energy_watthour", 1e6},
    {"voltage_boot", "voltage_boot", 1e6},
    {"voltage_max", "voltage_max", 1e6},
    {"voltage_max_design", "voltage_max_design", 1e6},
    {"voltage_min", "voltage_min", 1e6},
    {"voltage_min_design", "voltage_min_design", 1e6},
    {"voltage_now", "voltage_volt", 1e6},
    {"voltage_ocv", "voltage_ocv", 1e6},
    {"charge_control_limit", "charge_control_limit", 1e6},
    {"charge_control_limit_max", "charge_control_limit_max", 1e6},
    {"charge_counter", "charge_counter", 1e6},
    {"charge_empty", "charge_empty", 1e6},
    {"charge_empty_design", "charge_empty_design", 1e6},
    {"charge_full", "charge_full", 1e6},
    {"charge_full_design", "charge_full_design", 1e6},
    {"charge_now", "charge_ampere", 1e6},
    {"charge_term_current", "charge_term_current", 1e6},
    {"constant_charge_current", "constant_charge_current", 1e6},
    {"constant_charge_current_max", "constant_charge_current_max", 1e6},
    {"constant_charge_voltage", "constant_charge_voltage", 1e6},
    {"constant_charge_voltage_max", "constant_charge_voltage_max", 1e6},
    {"precharge_current", "precharge_current", 1e6},
    {"input_current_limit", "input_current_limit", 1e6},
    {"power_now", "power_watt", 1e6},
    {"temp", "temp_celsius", 10},
    {"temp_alert_max", "temp_alert_max_celsius", 10},
    {"temp_alert_min", "temp_alert_min_celsius", 10},
    {"temp_ambient", "temp_ambient_celsius", 10},
    {"temp_ambient_max", "temp_ambient_max_celsius", 10},
    {"temp_ambient_min", "temp_ambient_min_celsius", 10},
    {"temp_max", "temp_max_celsius", 10},
    {"temp_min", "temp_min_celsius", 10},
};

// Text attributes, each a label of node_power_supply_info when not empty.
constexpr const char* kInfo[] = {"capacity_level", "charge_type", "health",     "manufacturer",
                                 "model_name",     "serial_number", "status",  "technology",
                                 "type",           "usb_type",      "scope"};

class PowerSupplyClassCollector : public Collector {
 public:
  explicit PowerSupplyClassCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/power_supply");
    if (::access(root.c_str(), F_OK) != 0) return NoData(root);
    FamiliesByName families;
    auto add = [&](const std::string& metric, const std::string& help, fleet::metrics::Labels labels, double v) {
      families.Add("node_power_supply_" + metric, help, Type::kGauge, std::move(labels), v);
    };
    for (const std::string& supply : ListDir(root)) {
      std::map<std::string, std::string> attributes;
      for (const std::string& file : ListDir(root + "/" + supply)) {
        const std::string path = root + "/" + supply + "/" + file;
        if (!IsRegularFile(path)) continue;
        std::string text;
        if (const int error = SysReadFile(path, &text); error != 0) {
          if (IsUnsupportedAttribute(error)) continue;
          return fleet::Status::Unavailable("reading " + path + ": " + std::strerror(error));
        }
        attributes[file] = TrimSpace(text);
      }
      const std::string name = fleet::GoValidUtf8(supply);
      for (const Numeric& n : kNumeric) {
        const auto it = attributes.find(n.file);
        if (it == attributes.end()) continue;
        int64_t value = 0;
        if (!ParseI64(it->second, &value, 0)) {
          return fleet::Status::Invalid(root + "/" + supply + "/" + n.file + ": not an integer");
        }
        add(n.metric, std::string(n.metric) + " value of /sys/class/power_supply/<power_supply>.",
            {{"power_supply", name}}, double(value) / n.divisor);
      }
      fleet::metrics::Labels info = {{"power_supply", name}};
      for (const char* key : kInfo) {
        const auto it = attributes.find(key);
        if (it != attributes.end() && !it->second.empty()) info.push_back({key, fleet::GoValidUtf8(it->second)});
      }
      add("info", "info of /sys/class/power_supply/<power_supply>.", std::move(info), 1);
    }
    families.MoveTo(out);
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewPowerSupplyClassCollector(const CollectorOptions& o) {
  return std::make_unique<PowerSupplyClassCollector>(o.paths);
}

}  // namespace agent
