// node_vmstat_<field> from /proc/vmstat, limited to node_exporter's default field set.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class VmstatCollector : public Collector {
 public:
  explicit VmstatCollector(HostPaths paths)
      : paths_(std::move(paths)), fields_("^(oom_kill|pgpg|pswp|pg.*fault).*") {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("vmstat"));
    if (!text.ok()) return text.status();
    for (std::string_view line : Lines(*text)) {
      auto f = Fields(line);
      double v = 0;
      if (f.size() != 2 || !ParseDouble(f[1], &v)) continue;
      const std::string key(f[0]);
      if (!fields_.Matches(key)) continue;
      out->push_back(Single(Type::kUntyped, "node_vmstat_" + key,
                            "/proc/vmstat information field " + key + ".", v));
    }
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
  RegexFilter fields_;
};

}  // namespace

std::unique_ptr<Collector> NewVmstatCollector(const CollectorOptions& o) {
  return std::make_unique<VmstatCollector>(o.paths);
}

}  // namespace agent
