// node_nvme_info per NVMe controller in /sys/class/nvme: firmware revision, model, serial and
// state as labels.
#include <filesystem>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class NvmeCollector : public Collector {
 public:
  explicit NvmeCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("class/nvme");
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
      return NoData(root);  // no NVMe driver, as in node_exporter
    }
    const std::vector<std::string> names = ListDir(root);
    Family info{"node_nvme_info",
                "Non-numeric data from /sys/class/nvme/<device>, value is always 1.",
                Type::kGauge,
                {}};
    for (const std::string& name : names) {
      fleet::metrics::Labels labels = {{"device", fleet::ValidUtf8(name)}};
      const std::pair<const char*, const char*> kFiles[] = {{"firmware_revision", "firmware_rev"},
                                                            {"model", "model"},
                                                            {"serial", "serial"},
                                                            {"state", "state"}};
      for (const auto& [label, file] : kFiles) {
        const std::string path = root + "/" + name + "/" + file;
        const std::string value = ReadTrimmed(path, "\n");
        if (value == "\n") return fleet::Status::NotFound(path);
        labels.push_back({label, fleet::ValidUtf8(value)});
      }
      info.samples.push_back({"", std::move(labels), 1});
    }
    out->push_back(std::move(info));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewNvmeCollector(const CollectorOptions& o) {
  return std::make_unique<NvmeCollector>(o.paths);
}

}  // namespace agent
