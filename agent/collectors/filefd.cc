// node_filefd_allocated / node_filefd_maximum from /proc/sys/fs/file-nr.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class FilefdCollector : public Collector {
 public:
  explicit FilefdCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("sys/fs/file-nr"));
    if (!text.ok()) return text.status();
    auto f = Fields(*text);
    uint64_t allocated = 0, maximum = 0;
    if (f.size() != 3 || !ParseU64(f[0], &allocated) || !ParseU64(f[2], &maximum)) {
      return fleet::Status::Invalid("unexpected /proc/sys/fs/file-nr: " + *text);
    }
    out->push_back(Single(Type::kGauge, "node_filefd_allocated",
                          "File descriptor statistics: allocated.", double(allocated)));
    out->push_back(Single(Type::kGauge, "node_filefd_maximum",
                          "File descriptor statistics: maximum.", double(maximum)));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
};

}  // namespace

std::unique_ptr<Collector> NewFilefdCollector(const CollectorOptions& o) {
  return std::make_unique<FilefdCollector>(o.paths);
}

}  // namespace agent
