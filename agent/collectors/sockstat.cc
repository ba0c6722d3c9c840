// node_sockstat_<PROTO>_<field> from /proc/net/sockstat and sockstat6; "mem" (pages) also as
// mem_bytes, as node_exporter does.
#include <unistd.h>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class SockstatCollector : public Collector {
 public:
  explicit SockstatCollector(HostPaths paths)
      : paths_(std::move(paths)), page_size_(static_cast<double>(::sysconf(_SC_PAGESIZE))) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto v4 = files_.Read(paths_.Proc("net/sockstat"));
    if (!v4.ok()) return v4.status();
    Parse(*v4, out);
    // Absent without IPv6, which node_exporter tolerates.
    if (auto v6 = files_.Read(paths_.Proc("net/sockstat6")); v6.ok()) Parse(*v6, out);
    return fleet::Status::Ok();
  }

 private:
  void Parse(const std::string& text, std::vector<Family>* out) const {
    for (std::string_view line : Lines(text)) {
      auto f = Fields(line);
      if (f.size() < 3 || f[0].back() != ':') continue;
      const std::string proto(f[0].substr(0, f[0].size() - 1));
      for (size_t i = 1; i + 1 < f.size(); i += 2) {
        double v = 0;
        if (!ParseDouble(f[i + 1], &v)) continue;
        const std::string key(f[i]);
        if (proto == "sockets" && key == "used") {
          out->push_back(Single(Type::kGauge, "node_sockstat_sockets_used",
                                "Number of IPv4 sockets in use.", v));
          continue;
        }
        Emit(proto, key, v, out);
        if (key == "mem") Emit(proto, "mem_bytes", v * page_size_, out);
      }
    }
  }

  static void Emit(const std::string& proto, const std::string& key, double v,
                   std::vector<Family>* out) {
    out->push_back(Single(Type::kGauge, "node_sockstat_" + proto + "_" + key,
                          "Number of " + proto + " sockets in state " + key + ".", v));
  }

  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
  double page_size_;
};

}  // namespace

std::unique_ptr<Collector> NewSockstatCollector(const CollectorOptions& o) {
  return std::make_unique<SockstatCollector>(o.paths);
}

}  // namespace agent
