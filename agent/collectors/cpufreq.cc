// node_cpu_frequency_* (cpuinfo_*_freq) and node_cpu_scaling_frequency_* (scaling_*_freq) per CPU
// from /sys/devices/system/cpu/cpuN/cpufreq, kHz in the files, hertz out. A file the CPU's driver
// does not provide (or only root may read: cpuinfo_cur_freq) is left out.
#include <sys/stat.h>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct FrequencyFile {
  const char* file;
  const char* metric;
  const char* help;
};
constexpr FrequencyFile kFiles[] = {
    {"cpuinfo_cur_freq", "node_cpu_frequency_hertz", "Current cpu thread frequency in hertz."},
    {"cpuinfo_max_freq", "node_cpu_frequency_max_hertz", "Maximum cpu thread frequency in hertz."},
    {"cpuinfo_min_freq", "node_cpu_frequency_min_hertz", "Minimum cpu thread frequency in hertz."},
    {"scaling_cur_freq", "node_cpu_scaling_frequency_hertz",
     "Current scaled CPU thread frequency in hertz."},
    {"scaling_max_freq", "node_cpu_scaling_frequency_max_hertz",
     "Maximum scaled CPU thread frequency in hertz."},
    {"scaling_min_freq", "node_cpu_scaling_frequency_min_hertz",
     "Minimum scaled CPU thread frequency in hertz."},
};

class CpufreqCollector : public Collector {
 public:
  explicit CpufreqCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    std::vector<Family> families;
    for (const FrequencyFile& f : kFiles) families.push_back({f.metric, f.help, Type::kGauge, {}});
    const std::string prefix = paths_.Sys("devices/system/cpu/cpu");
    for (const std::string& cpu : Glob(prefix + "[0-9]*")) {
      const std::string dir = cpu + "/cpufreq/";
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0) continue;  // no cpufreq driver for this CPU
      const fleet::metrics::Labels labels = {{"cpu", cpu.substr(prefix.size())}};
      for (size_t i = 0; i < std::size(kFiles); ++i) {
        auto text = fleet::ReadKernelFile(dir + kFiles[i].file);
        if (!text.ok()) {
          if (text.status().code() == fleet::Code::kNotFound) continue;
          return text.status();
        }
        auto fields = Fields(*text);
        uint64_t khz = 0;
        if (fields.size() != 1 || !ParseU64(fields[0], &khz)) {
          return fleet::Status::Invalid("unexpected " + dir + kFiles[i].file);
        }
        families[i].samples.push_back({"", labels, double(khz) * 1000.0});
      }
    }
    for (Family& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewCpufreqCollector(const CollectorOptions& o) {
  return std::make_unique<CpufreqCollector>(o.paths);
}

}  // namespace agent
