// node_time_seconds, the local time zone offset, and the clocksources from sysfs.
#include <sys/time.h>

#include <ctime>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class TimeCollector : public Collector {
 public:
  explicit TimeCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    out->push_back(Single(Type::kGauge, "node_time_seconds",
                          "System time in seconds since epoch (1970).",
                          static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6));
    tm local{};
    ::localtime_r(&tv.tv_sec, &local);
    out->push_back(Single(Type::kGauge, "node_time_zone_offset_seconds",
                          "System time zone offset in seconds.",
                          static_cast<double>(local.tm_gmtoff),
                          {{"time_zone", local.tm_zone ? local.tm_zone : ""}}));

    Family available{"node_time_clocksource_available_info",
                     "Available clocksources read from '/sys/devices/system/clocksource'.",
                     Type::kGauge, {}};
    Family current{"node_time_clocksource_current_info",
                   "Current clocksource read from '/sys/devices/system/clocksource'.",
                   Type::kGauge, {}};
    const std::string base = paths_.Sys("devices/system/clocksource");
    for (const std::string& entry : ListDir(base)) {
      if (entry.rfind("clocksource", 0) != 0) continue;
      const std::string device = entry.substr(std::string("clocksource").size());
      const std::string names = ReadTrimmed(base + "/" + entry + "/available_clocksource");
      for (std::string_view name : Fields(names)) {
        available.samples.push_back(
            {"", {{"clocksource", std::string(name)}, {"device", device}}, 1});
      }
      const std::string cur = ReadTrimmed(base + "/" + entry + "/current_clocksource");
      if (!cur.empty()) {
        current.samples.push_back({"", {{"clocksource", cur}, {"device", device}}, 1});
      }
    }
    out->push_back(std::move(available));
    out->push_back(std::move(current));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewTimeCollector(const CollectorOptions& o) {
  return std::make_unique<TimeCollector>(o.paths);
}

}  // namespace agent
