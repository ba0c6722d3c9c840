#include "agent/container/machine_collector.h"

#include <optional>
#include <set>
#include <utility>

#include "agent/procfs.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct Machine {
  double cpu_cores = 0, physical_cores = 0, sockets = 0;
  double memory_bytes = 0, swap_bytes = 0;
  fleet::metrics::Labels labels;  // boot_id, machine_id, system_uuid
};

// A small sysfs/procfs attribute without its newline; nullopt when it cannot be read.
std::optional<std::string> Attribute(const std::string& path) {
  std::string text;
  if (SysReadFile(path, &text) != 0) return std::nullopt;
  return TrimSpace(text);
}

// A one-line identifier file; "" when absent or unreadable (a VM without DMI, a container
// without /etc/machine-id), as cAdvisor leaves the label empty.
std::string Identifier(const std::string& path) {
  return fleet::GoValidUtf8(Attribute(path).value_or(""));
}

class MachineCollector : public Collector {
 public:
  explicit MachineCollector(MachineCollectorOptions options) : options_(std::move(options)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const auto now = options_.now();
    if (!read_ || now - read_at_ >= options_.refresh_interval) {
      FLEET_RETURN_IF_ERROR(Read());
      read_ = true;
      read_at_ = now;
    }
    auto family = [&](const char* name, const char* help, double value) {
      out->push_back({name, help, Type::kGauge, {{"", machine_.labels, value}}});
    };
    family("machine_cpu_cores", "Number of logical CPU cores.", machine_.cpu_cores);
    family("machine_cpu_physical_cores", "Number of physical CPU cores.", machine_.physical_cores);
    family("machine_cpu_sockets", "Number of CPU sockets.", machine_.sockets);
    family("machine_memory_bytes", "Amount of memory installed on the machine.", machine_.memory_bytes);
    family("machine_swap_bytes", "Amount of swap memory available on the machine.", machine_.swap_bytes);
    return fleet::Status::Ok();
  }

 private:
  fleet::Status Read() {
    Machine m;
    // Logical cores: the online CPUs' topology directories. Physical cores: distinct
    // (package, core) pairs; sockets: distinct packages, as cAdvisor's topology reader counts.
    std::set<std::string> packages;
    std::set<std::pair<std::string, std::string>> cores;
    for (const std::string& cpu : ListDir(options_.paths.Sys("devices/system/cpu"))) {
      if (cpu.size() < 4 || cpu.rfind("cpu", 0) != 0 ||
          cpu.find_first_not_of("0123456789", 3) != std::string::npos) {
        continue;
      }
      const std::string topology = options_.paths.Sys("devices/system/cpu/" + cpu + "/topology/");
      auto package = Attribute(topology + "physical_package_id");
      auto core = Attribute(topology + "core_id");
      if (!package || !core) continue;  // offline: no topology
      m.cpu_cores += 1;
      packages.insert(*package);
      cores.emplace(*package, *core);
    }
    m.physical_cores = static_cast<double>(cores.size());
    m.sockets = static_cast<double>(packages.size());

    auto meminfo = fleet::ReadKernelFile(options_.paths.Proc("meminfo"));
    if (!meminfo.ok()) return meminfo.status();
    uint64_t memory_kib = 0, swap_kib = 0;
    MeminfoKiB(*meminfo, {{"MemTotal", &memory_kib}, {"SwapTotal", &swap_kib}});
    m.memory_bytes = static_cast<double>(memory_kib) * 1024;
    m.swap_bytes = static_cast<double>(swap_kib) * 1024;
    m.labels = {{"boot_id", Identifier(options_.paths.Proc("sys/kernel/random/boot_id"))},
                {"machine_id", Identifier(options_.paths.rootfs + "/etc/machine-id")},
                {"system_uuid", Identifier(options_.paths.Sys("class/dmi/id/product_uuid"))}};
    machine_ = std::move(m);
    return fleet::Status::Ok();
  }

  MachineCollectorOptions options_;
  bool read_ = false;
  std::chrono::steady_clock::time_point read_at_{};
  Machine machine_;
};

}  // namespace

std::unique_ptr<Collector> NewMachineCollector(MachineCollectorOptions options) {
  return std::make_unique<MachineCollector>(std::move(options));
}

}  // namespace agent
