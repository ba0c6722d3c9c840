// node_hwmon_* per chip under /sys/class/hwmon, as node_exporter 1.5's hwmon collector (like
// lm-sensors): every <type><N>_<property> file of a known sensor type, in the chip's directory
// and in its device/ directory, becomes node_hwmon_<type>[_<property>]<unit>{chip, sensor}, with
// the unit and scale node_exporter gives that type (millivolts to volts, millidegrees to degrees
// Celsius, microwatts to watts, ...); node_hwmon_chip_names and node_hwmon_sensor_label carry the
// chip's and the sensors' human-readable names.
//
// The chip label is node_exporter's stable name: <bus>_<device> from the device symlink (the
// hwmonN numbering follows module load order, so it changes across boots), else the name file,
// else hwmonN. Each value file is read with SysReadFile (one read(2)), as node_exporter reads it.
#include <re2/re2.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

// The sensor types node_exporter reads; other files (name, uevent, device, subsystem) are not
// sensors.
constexpr std::string_view kSensorTypes[] = {"vrm",   "beep_enable", "update_interval", "in",
                                             "cpu",   "fan",         "pwm",             "temp",
                                             "curr",  "power",       "energy",          "humidity",
                                             "intrusion"};

bool IsSensorType(std::string_view type) {
  for (std::string_view t : kSensorTypes) {
    if (t == type) return true;
  }
  return false;
}

// node_exporter's cleanMetricName: lower case, every character outside [a-z0-9:_] becomes '_',
// then '_' trimmed from both ends.
std::string CleanName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const char lower = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ||
                      lower == ':' || lower == '_';
    out += keep ? lower : '_';
  }
  const size_t first = out.find_first_not_of('_');
  if (first == std::string::npos) return "";
  return out.substr(first, out.find_last_not_of('_') + 1 - first);
}

struct SensorFile {
  std::string type;
  int number = 0;
  std::string property;
};

// <type><N>_<property> with node_exporter's pattern, matched as Go matches it (leftmost-first,
// which RE2 shares): "temp1_crit_alarm" is temp, 1, crit_alarm; "pwm1" is pwm, 1, "".
std::optional<SensorFile> SplitSensorFile(const std::string& filename) {
  static const RE2 kPattern(R"(([^0-9]+)([0-9]*)?(_(.+))?)");
  SensorFile f;
  std::string number;
  if (!RE2::FullMatch(filename, kPattern, &f.type, &number, nullptr, &f.property)) return std::nullopt;
  if (!number.empty()) {
    int64_t n = 0;
    if (!ParseI64(number, &n) || n > INT32_MAX) return std::nullopt;
    f.number = int(n);
  }
  return f;
}

// The attribute's text, newlines trimmed from both ends (not spaces: "Left side  " is a label).
std::optional<std::string> ReadValueFile(const std::string& path) {
  std::string text;
  if (SysReadFile(path, &text) != 0) return std::nullopt;
  const size_t first = text.find_first_not_of('\n');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of('\n') + 1 - first);
}

// sensor ("temp1") -> property ("input", "" for the bare file) -> the file's text.
using SensorData = std::map<std::string, std::map<std::string, std::string>>;

void ReadSensorFiles(const std::string& dir, SensorData* data) {
  for (const std::string& name : ListDir(dir)) {
    const auto file = SplitSensorFile(name);
    if (!file || !IsSensorType(file->type)) continue;
    if (auto value = ReadValueFile(dir + "/" + name)) {
      (*data)[file->type + std::to_string(file->number)][file->property] = std::move(*value);
    }
  }
}

// The last element of a path, and the one before it.
std::pair<std::string, std::string> LastTwo(const std::filesystem::path& path) {
  return {path.parent_path().filename().string(), path.filename().string()};
}

// node_exporter's hwmonName: <bus>_<device> of the resolved device link, else the name file,
// else the last element of the resolved hwmonN directory.
fleet::Result<std::string> ChipName(const std::string& dir) {
  std::error_code ec;
  const auto device = std::filesystem::canonical(dir + "/device", ec);
  if (!ec) {
    const auto [bus, name] = LastTwo(device);
    const std::string clean_bus = CleanName(bus), clean_name = CleanName(name);
    if (!clean_bus.empty() && !clean_name.empty()) return clean_bus + "_" + clean_name;
    if (!clean_name.empty()) return clean_name;
  }
  if (auto name = fleet::ReadKernelFile(dir + "/name"); name.ok() && !name->empty()) {
    if (std::string clean = CleanName(*name); !clean.empty()) return clean;
  }
  const auto real = std::filesystem::canonical(dir, ec);
  if (ec) return fleet::Status::NotFound(dir + ": " + ec.message());
  if (std::string clean = CleanName(real.filename().string()); !clean.empty()) return clean;
  return fleet::Status::Invalid("could not derive a monitoring name for " + dir);
}

// Go's strconv.ParseFloat as far as sysfs values go: a decimal number, nothing around it.
std::optional<double> ParseValue(const std::string& text) {
  double v = 0;
  if (!ParseDouble(text, &v)) return std::nullopt;
  return v;
}

// The samples of one sensor's properties, named and scaled as node_exporter's updateHwmon does.
void AddSensor(const std::string& chip, const std::string& sensor,
               const std::map<std::string, std::string>& properties, FamiliesByName* out) {
  const std::string type = SplitSensorFile(sensor)->type;
  const Labels labels = {{"chip", chip}, {"sensor", sensor}};
  if (const auto label = properties.find("label"); label != properties.end()) {
    out->Add("node_hwmon_sensor_label", "Label for given chip and sensor", Type::kGauge,
             {{"chip", chip}, {"sensor", sensor}, {"label", fleet::GoValidUtf8(label->second)}}, 1);
  }
  auto bare = [&]() -> std::optional<double> {
    const auto it = properties.find("");
    return it == properties.end() ? std::nullopt : ParseValue(it->second);
  };
  if (type == "beep_enable") {
    const auto it = properties.find("");
    out->Add("node_hwmon_beep_enabled", "Hardware beep enabled", Type::kGauge, labels,
             it != properties.end() && it->second == "1" ? 1 : 0);
    return;
  }
  if (type == "vrm") {
    if (auto v = bare()) {
      out->Add("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", Type::kGauge, labels, *v);
    }
    return;
  }
  if (type == "update_interval") {
    if (auto v = bare()) {
      out->Add("node_hwmon_update_interval_seconds", "Hardware monitor update interval", Type::kGauge,
               labels, *v * 0.001);
    }
    return;
  }
  const std::string prefix = "node_hwmon_" + type;
  for (const auto& [property, text] : properties) {
    if (property == "label") continue;
    std::string element = property;
    std::string name = prefix;
    if (element == "input") {
      if (properties.count("")) name += "_input";
    } else if (!element.empty()) {
      name += "_" + CleanName(element);
    }
    const auto value = ParseValue(text);
    if (!value) continue;
    const double v = *value;
    if (element == "fault" || element == "alarm") {
      out->Add(name, "Hardware sensor " + element + " status (" + type + ")", Type::kGauge, labels, v);
    } else if (element == "beep") {
      out->Add(name + "_enabled", "Hardware monitor sensor has beeping enabled", Type::kGauge, labels, v);
    } else if (type == "in" || type == "cpu") {
      out->Add(name + "_volts", "Hardware monitor for voltage (" + element + ")", Type::kGauge, labels, v * 0.001);
    } else if (type == "temp" && element != "type") {
      if (element.empty()) element = "input";
      out->Add(name + "_celsius", "Hardware monitor for temperature (" + element + ")", Type::kGauge,
               labels, v * 0.001);
    } else if (type == "curr") {
      out->Add(name + "_amps", "Hardware monitor for current (" + element + ")", Type::kGauge, labels, v * 0.001);
    } else if (type == "energy") {
      out->Add(name + "_joule_total", "Hardware monitor for joules used so far (" + element + ")",
               Type::kCounter, labels, v / 1000000.0);
    } else if (type == "power" && element == "accuracy") {
      out->Add(name, "Hardware monitor power meter accuracy, as a ratio", Type::kGauge, labels, v / 1000000.0);
    } else if (type == "power" && (element == "average_interval" || element == "average_interval_min" ||
                                   element == "average_interval_max")) {
      out->Add(name + "_seconds", "Hardware monitor power usage update interval (" + element + ")",
               Type::kGauge, labels, v * 0.001);
    } else if (type == "power") {
      out->Add(name + "_watt", "Hardware monitor for power usage in watts (" + element + ")", Type::kGauge,
               labels, v / 1000000.0);
    } else if (type == "humidity") {
      out->Add(name,
               "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a "
               "percentage) (" + element + ")",
               Type::kGauge, labels, v / 1000000.0);
    } else if (type == "fan" && (element == "input" || element == "min" || element == "max" || element == "target")) {
      out->Add(name + "_rpm", "Hardware monitor for fan revolutions per minute (" + element + ")", Type::kGauge,
               labels, v);
    } else {
      out->Add(name, "Hardware monitor " + type + " element " + element, Type::kGauge, labels, v);
    }
  }
}

class HwmonCollector : public Collector {
 public:
  explicit HwmonCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/hwmon");
    if (::access(root.c_str(), F_OK) != 0) return NoData(root);
    FamiliesByName families;
    fleet::Status result = fleet::Status::Ok();
    for (const std::string& entry : ListDir(root)) {
      const std::string dir = root + "/" + entry;
      if (!IsDirectory(dir)) continue;
      if (auto st = CollectChip(dir, &families); !st.ok()) result = st;  // the others still count
    }
    families.MoveTo(out);
    return result;
  }

 private:
  static fleet::Status CollectChip(const std::string& dir, FamiliesByName* out) {
    auto chip = ChipName(dir);
    if (!chip.ok()) return chip.status();
    SensorData data;
    ReadSensorFiles(dir, &data);
    if (IsDirectory(dir + "/device")) ReadSensorFiles(dir + "/device", &data);
    if (auto name = fleet::ReadKernelFile(dir + "/name"); name.ok() && !name->empty()) {
      if (std::string clean = CleanName(*name); !clean.empty()) {
        out->Add("node_hwmon_chip_names", "Annotation metric for human-readable chip names", Type::kGauge,
                 {{"chip", *chip}, {"chip_name", clean}}, 1);
      }
    }
    for (const auto& [sensor, properties] : data) AddSensor(*chip, sensor, properties, out);
    return fleet::Status::Ok();
  }

  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewHwmonCollector(const CollectorOptions& o) {
  return std::make_unique<HwmonCollector>(o.paths);
}

}  // namespace agent
