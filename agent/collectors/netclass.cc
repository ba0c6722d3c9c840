// node_network_* properties of every interface in /sys/class/net (node_exporter's netclass
// collector): node_network_info and node_network_up from the text attributes, one gauge or
// counter per numeric attribute. An attribute the kernel refuses to read for this interface
// (speed of a link that is down: EINVAL) is left out, as node_exporter does. Devices the
// ignored-devices regex matches are not read; a speed of -1 (unknown) is served as -125000, or
// left out with ignore-invalid-speed, as node_exporter 1.5's flags say.
//
// Reading every attribute of every interface was most of the host collectors' cost on a host
// with containers (a veth each; bench/agent_metrics.sh with 20 containers: 25 interfaces x 22
// files, and the host collectors' CPU per scrape went from 6.0 to 3.3 ms without it). What is
// read is kept and served again while nothing says it changed: the kernel notifies every change
// of these properties over rtnetlink (agent/link_changes.h), and the interface list is read each
// scrape anyway. A change the kernel does not notify (netdev_group, or a driver's speed written
// without a carrier change) shows within kNetclassMaxCacheAge. The cache is used only where
// rtnetlink and the sysfs tree describe the same interfaces (the tree is /sys and a dump of the
// links names the same ones): a host's /sys bind-mounted into a container with a network
// namespace of its own does not.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "agent/collectors/collectors.h"
#include "agent/link_changes.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct Attribute {
  const char* file;
  const char* metric;
  Type type;
};
// In node_exporter's output order.
constexpr Attribute kAttributes[] = {
    {"addr_assign_type", "address_assign_type", Type::kGauge},
    {"carrier", "carrier", Type::kGauge},
    {"carrier_changes", "carrier_changes_total", Type::kCounter},
    {"carrier_up_count", "carrier_up_changes_total", Type::kCounter},
    {"carrier_down_count", "carrier_down_changes_total", Type::kCounter},
    {"dev_id", "device_id", Type::kGauge},
    {"dormant", "dormant", Type::kGauge},
    {"flags", "flags", Type::kGauge},
    {"ifindex", "iface_id", Type::kGauge},
    {"iflink", "iface_link", Type::kGauge},
    {"link_mode", "iface_link_mode", Type::kGauge},
    {"mtu", "mtu_bytes", Type::kGauge},
    {"name_assign_type", "name_assign_type", Type::kGauge},
    {"netdev_group", "net_dev_group", Type::kGauge},
    {"speed", "speed_bytes", Type::kGauge},  // Mbit/s in the file
    {"tx_queue_len", "transmit_queue_length", Type::kGauge},
    {"type", "protocol_type", Type::kGauge},
};

class NetclassCollector : public Collector {
 public:
  NetclassCollector(HostPaths paths, const std::string& ignored_devices, bool ignore_invalid_speed,
                    NetclassCache cache)
      : paths_(std::move(paths)),
        ignored_devices_(ignored_devices),
        ignore_invalid_speed_(ignore_invalid_speed),
        cache_(std::move(cache)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/net");
    auto devices = Devices(root);
    if (!devices.ok()) return devices.status();
    // Asked first: a change during the read below is reported next time, and read then.
    const bool changed = !cache_.changes || cache_.changes->Changed();
    const auto now = std::chrono::steady_clock::now();
    if (changed || !cached_valid_ || *devices != known_devices_ || now - read_at_ >= cache_.max_age) {
      // The files of interfaces that are gone are closed (a container's veth goes with it).
      for (const std::string& gone : known_devices_) {
        if (!std::binary_search(devices->begin(), devices->end(), gone)) {
          files_.ForgetContaining(root + "/" + gone + "/");
        }
      }
      known_devices_ = *devices;
      cached_ = Read(root, *devices);
      read_at_ = now;
      cached_valid_ = cache_.changes && cache_.link_names && cache_.link_names() == *devices;
    }
    out->insert(out->end(), cached_.begin(), cached_.end());
    return fleet::Status::Ok();
  }

 private:
  // Every family, from the attribute files of every device not ignored.
  std::vector<Family> Read(const std::string& root, const std::vector<std::string>& devices) {
    std::vector<Family> out;

    Family info{"node_network_info",
                "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                Type::kGauge,
                {}};
    Family up{"node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", Type::kGauge, {}};
    std::vector<Family> numeric;
    for (const Attribute& a : kAttributes) {
      numeric.push_back({std::string("node_network_") + a.metric,
                         std::string("Network device property: ") + a.metric,
                         a.type,
                         {}});
    }
    for (const std::string& device : devices) {
      if (ignored_devices_.Matches(device)) continue;
      const std::string dir = root + "/" + device + "/";
      // Text attributes become label values: ifalias is whatever root set, so UTF-8 is enforced.
      auto text = [&](const char* file) { return fleet::ValidUtf8(files_.Trimmed(dir + file)); };
      const std::string operstate = text("operstate");
      info.samples.push_back({"",
                              {{"device", device},
                               {"address", text("address")},
                               {"broadcast", text("broadcast")},
                               {"duplex", text("duplex")},
                               {"operstate", operstate},
                               {"ifalias", text("ifalias")}},
                              1});
      up.samples.push_back({"", {{"device", device}}, operstate == "up" ? 1.0 : 0.0});
      for (size_t i = 0; i < std::size(kAttributes); ++i) {
        int64_t v = 0;
        if (!ParseI64(files_.Trimmed(dir + kAttributes[i].file), &v, /*base=*/0)) continue;
        double value = double(v);
        if (std::string_view(kAttributes[i].file) == "speed") {
          if (v < 0 && ignore_invalid_speed_) continue;
          value = double(v * 1000 * 1000 / 8);
        }
        numeric[i].samples.push_back({"", {{"device", device}}, value});
      }
    }
    out.push_back(std::move(info));
    out.push_back(std::move(up));
    for (Family& f : numeric) out.push_back(std::move(f));
    return out;
  }

  // The interfaces, sorted: the entries that are symlinks (or directories); bonding_masters is a
  // regular file. sysfs gives each entry's type with its name, so no entry is stat'ed.
  static fleet::Result<std::vector<std::string>> Devices(const std::string& root) {
    DIR* dir = ::opendir(root.c_str());
    if (dir == nullptr) return fleet::Status::NotFound(root + ": " + std::strerror(errno));
    std::vector<std::string> devices;
    while (const dirent* e = ::readdir(dir)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      bool regular = e->d_type == DT_REG;
      if (e->d_type == DT_UNKNOWN) {  // a filesystem without d_type (a test tree on some)
        struct stat st {};
        regular = ::lstat((root + "/" + e->d_name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
      }
      if (!regular) devices.emplace_back(e->d_name);
    }
    ::closedir(dir);
    std::sort(devices.begin(), devices.end());
    return devices;
  }

  HostPaths paths_;
  RegexFilter ignored_devices_;
  const bool ignore_invalid_speed_;
  NetclassCache cache_;
  OpenFiles files_{OpenFiles::OnReadError::kReopen};  // every attribute of every interface
  std::vector<std::string> known_devices_;            // sorted, as of the last read
  std::vector<Family> cached_;                        // what the last read served
  std::chrono::steady_clock::time_point read_at_;
  bool cached_valid_ = false;  // may be served again: rtnetlink sees the interfaces sysfs shows
};

}  // namespace

std::unique_ptr<Collector> NewNetclassCollector(const CollectorOptions& o) {
  NetclassCache cache;
  // rtnetlink speaks for the agent's own network namespace, which /sys (mounted in it) shows.
  if (o.paths.sysfs == "/sys") cache = {OpenLinkChanges(), LinkNames, kNetclassMaxCacheAge};
  return NewNetclassCollectorWithCache(o, std::move(cache));
}

std::unique_ptr<Collector> NewNetclassCollectorWithCache(const CollectorOptions& o, NetclassCache cache) {
  return std::make_unique<NetclassCollector>(o.paths, o.netclass_ignored_devices,
                                             o.netclass_ignore_invalid_speed, std::move(cache));
}

}  // namespace agent
