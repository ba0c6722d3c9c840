// node_selinux_enabled, and when SELinux is on node_selinux_current_mode (the selinuxfs enforce
// file: 1 enforcing, 0 permissive) and node_selinux_config_mode (SELINUX= in /etc/selinux/config:
// 1 enforcing, 0 permissive, -1 disabled), as node_exporter 1.5 reports them through
// opencontainers/selinux. SELinux counts as enabled when selinuxfs is mounted at <sysfs>/fs/selinux
// and the agent's own context is not the bare "kernel" one. Paths follow the agent's procfs, sysfs
// and rootfs settings, so an agent in a container reads the host's.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Type;

// SELINUX= of the config file: enforcing 1, permissive 0, anything else (disabled, absent) -1.
int ConfiguredMode(const std::string& config_path) {
  auto text = fleet::ReadFileText(config_path, 64 * 1024);
  if (!text.ok()) return -1;
  for (std::string_view line : Lines(*text)) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.starts_with("SELINUX=")) continue;
    std::string_view mode = line.substr(8);
    while (!mode.empty() && (mode.back() == ' ' || mode.back() == '\t' || mode.back() == '\r')) mode.remove_suffix(1);
    if (mode == "enforcing") return 1;
    if (mode == "permissive") return 0;
    return -1;
  }
  return -1;
}

class SelinuxCollector : public Collector {
 public:
  explicit SelinuxCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<fleet::metrics::Family>* out) override {
    const std::string enforce = ReadTrimmed(paths_.Sys("fs/selinux/enforce"), "");
    std::string context = ReadTrimmed(paths_.Proc("self/attr/current"), "kernel");
    if (const size_t nul = context.find('\0'); nul != std::string::npos) context.resize(nul);
    const bool enabled = !enforce.empty() && context != "kernel";
    out->push_back(Single(Type::kGauge, "node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false",
                          enabled ? 1 : 0));
    if (!enabled) return fleet::Status::Ok();
    const std::string root = paths_.rootfs == "/" ? "" : paths_.rootfs;
    out->push_back(Single(Type::kGauge, "node_selinux_config_mode", "Configured SELinux enforcement mode",
                          ConfiguredMode(root + "/etc/selinux/config")));
    out->push_back(Single(Type::kGauge, "node_selinux_current_mode", "Current SELinux enforcement mode",
                          enforce == "1" ? 1 : 0));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewSelinuxCollector(const CollectorOptions& o) {
  return std::make_unique<SelinuxCollector>(o.paths);
}

}  // namespace agent
