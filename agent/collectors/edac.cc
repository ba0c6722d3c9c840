// node_edac_* memory error counters per EDAC memory controller (/sys/devices/system/edac/mc/mcN)
// and per chip-select row (csrowN); the controller's "noinfo" counts are the row "unknown".
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

fleet::Status ReadCount(const std::string& path, double* out) {
  auto text = fleet::ReadKernelFile(path);
  if (!text.ok()) return text.status();
  auto f = Fields(*text);
  uint64_t v = 0;
  if (f.size() != 1 || !ParseU64(f[0], &v)) return fleet::Status::Invalid("unexpected " + path);
  *out = double(v);
  return fleet::Status::Ok();
}

class EdacCollector : public Collector {
 public:
  explicit EdacCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    Family ce{"node_edac_correctable_errors_total",
              "Total correctable memory errors.",
              Type::kCounter,
              {}};
    Family ue{"node_edac_uncorrectable_errors_total",
              "Total uncorrectable memory errors.",
              Type::kCounter,
              {}};
    Family row_ce{"node_edac_csrow_correctable_errors_total",
                  "Total correctable memory errors for this csrow.",
                  Type::kCounter,
                  {}};
    Family row_ue{"node_edac_csrow_uncorrectable_errors_total",
                  "Total uncorrectable memory errors for this csrow.",
                  Type::kCounter,
                  {}};
    const std::string prefix = paths_.Sys("devices/system/edac/mc/mc");
    for (const std::string& mc : Glob(prefix + "[0-9]*")) {
      const std::string controller = mc.substr(prefix.size());
      double v = 0;
      // The controller's counts of errors it could not place on a row go to csrow="unknown".
      const std::pair<const char*, Family*> kController[] = {{"/ce_count", &ce},
                                                             {"/ce_noinfo_count", &row_ce},
                                                             {"/ue_count", &ue},
                                                             {"/ue_noinfo_count", &row_ue}};
      for (const auto& [file, family] : kController) {
        if (auto s = ReadCount(mc + file, &v); !s.ok()) return s;
        fleet::metrics::Labels labels = {{"controller", controller}};
        if (family == &row_ce || family == &row_ue) labels.push_back({"csrow", "unknown"});
        family->samples.push_back({"", std::move(labels), v});
      }
      const std::string row_prefix = mc + "/csrow";
      for (const std::string& row : Glob(row_prefix + "[0-9]*")) {
        const fleet::metrics::Labels labels = {{"controller", controller},
                                               {"csrow", row.substr(row_prefix.size())}};
        if (auto s = ReadCount(row + "/ce_count", &v); !s.ok()) return s;
        row_ce.samples.push_back({"", labels, v});
        if (auto s = ReadCount(row + "/ue_count", &v); !s.ok()) return s;
        row_ue.samples.push_back({"", labels, v});
      }
    }
    out->push_back(std::move(ce));
    out->push_back(std::move(row_ce));
    out->push_back(std::move(row_ue));
    out->push_back(std::move(ue));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewEdacCollector(const CollectorOptions& o) {
  return std::make_unique<EdacCollector>(o.paths);
}

}  // namespace agent
