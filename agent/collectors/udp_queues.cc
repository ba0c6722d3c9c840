// node_udp_queues{ip,queue}: bytes queued to UDP sockets, summed over /proc/net/udp and udp6
// (the tx_queue:rx_queue column, hex). A host without IPv6 has no udp6 and no v6 samples.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class UdpQueuesCollector : public Collector {
 public:
  explicit UdpQueuesCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    Family queues{"node_udp_queues",
                  "Number of allocated memory in the kernel for UDP datagrams in bytes.",
                  Type::kGauge,
                  {}};
    for (const char* ip : {"v4", "v6"}) {
      const std::string file = ip == std::string("v4") ? "net/udp" : "net/udp6";
      auto text = files_.Read(paths_.Proc(file));
      if (!text.ok()) {
        if (text.status().code() == fleet::Code::kNotFound) continue;
        return text.status();
      }
      uint64_t tx = 0, rx = 0;
      const auto lines = Lines(*text);
      for (size_t i = 1; i < lines.size(); ++i) {  // the first line is the header
        const auto f = Fields(lines[i]);
        const size_t colon = f.size() > 4 ? f[4].find(':') : std::string_view::npos;
        uint64_t t = 0, r = 0;
        if (colon == std::string_view::npos || !ParseU64(f[4].substr(0, colon), &t, 16) ||
            !ParseU64(f[4].substr(colon + 1), &r, 16)) {
          return fleet::Status::Invalid("unexpected /proc/" + file + " line");
        }
        tx += t;
        rx += r;
      }
      queues.samples.push_back({"", {{"ip", ip}, {"queue", "rx"}}, double(rx)});
      queues.samples.push_back({"", {{"ip", ip}, {"queue", "tx"}}, double(tx)});
    }
    if (queues.samples.empty()) return fleet::Status::NotFound(paths_.Proc("net/udp"));
    out->push_back(std::move(queues));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewUdpQueuesCollector(const CollectorOptions& o) {
  return std::make_unique<UdpQueuesCollector>(o.paths);
}

}  // namespace agent
