// node_entropy_available_bits / node_entropy_pool_size_bits from /proc/sys/kernel/random.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class EntropyCollector : public Collector {
 public:
  explicit EntropyCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const struct {
      const char* file;
      const char* name;
      const char* help;
    } kFiles[] = {
        {"sys/kernel/random/entropy_avail", "node_entropy_available_bits",
         "Bits of available entropy."},
        {"sys/kernel/random/poolsize", "node_entropy_pool_size_bits", "Bits of entropy pool."},
    };
    for (const auto& f : kFiles) {
      auto text = files_.Read(paths_.Proc(f.file));
      if (!text.ok()) return text.status();
      auto fields = Fields(*text);
      uint64_t bits = 0;
      if (fields.size() != 1 || !ParseU64(fields[0], &bits)) {
        return fleet::Status::Invalid(std::string("unexpected /proc/") + f.file);
      }
      out->push_back(Single(Type::kGauge, f.name, f.help, double(bits)));
    }
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewEntropyCollector(const CollectorOptions& o) {
  return std::make_unique<EntropyCollector>(o.paths);
}

}  // namespace agent
