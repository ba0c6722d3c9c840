// node_netstat_<Proto>_<Field> from /proc/net/netstat, /proc/net/snmp (header/value line pairs)
// and /proc/net/snmp6 (name/value lines), limited to node_exporter's default field set.
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// node_exporter 1.5.0's --collector.netstat.fields default.
const char kDefaultFields[] =
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|"
    "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"
    "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";

class NetstatCollector : public Collector {
 public:
  explicit NetstatCollector(HostPaths paths) : paths_(std::move(paths)), fields_(kDefaultFields) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    // Of ~300 fields only the ~40 that the filter keeps become samples, so each key is built in
    // one reused buffer and the value parsed only when it is kept.
    std::string key;
    auto add = [&](std::string_view proto, std::string_view field, std::string_view value) {
      key.assign(proto).append("_").append(field);
      double v = 0;
      if (!fields_.Matches(key) || !ParseDouble(value, &v)) return;
      std::string help = key;
      help.erase(help.find('_'), 1);
      out->push_back(Single(Type::kUntyped, "node_netstat_" + key, "Statistic " + help + ".", v));
    };
    for (const char* file : {"net/netstat", "net/snmp"}) {
      auto text = files_.Read(paths_.Proc(file));
      if (!text.ok()) return text.status();
      auto lines = Lines(*text);
      for (size_t i = 0; i + 1 < lines.size(); i += 2) {
        auto names = Fields(lines[i]);
        auto values = Fields(lines[i + 1]);
        if (names.empty() || names.size() != values.size() || names[0] != values[0]) {
          return fleet::Status::Invalid(std::string("mismatched lines in /proc/") + file);
        }
        const std::string_view proto = names[0].substr(0, names[0].size() - 1);  // "TcpExt:"
        for (size_t k = 1; k < names.size(); ++k) add(proto, names[k], values[k]);
      }
    }
    // snmp6 is absent when IPv6 is disabled; node_exporter skips it then, and so do we.
    if (auto text = files_.Read(paths_.Proc("net/snmp6")); text.ok()) {
      for (std::string_view line : Lines(*text)) {
        auto f = Fields(line);
        size_t six = f.size() == 2 ? f[0].find('6') : std::string_view::npos;
        if (six == std::string_view::npos) continue;
        add(f[0].substr(0, six + 1), f[0].substr(six + 1), f[1]);
      }
    }
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
  RegexFilter fields_;
};

}  // namespace

std::unique_ptr<Collector> NewNetstatCollector(const CollectorOptions& o) {
  return std::make_unique<NetstatCollector>(o.paths);
}

}  // namespace agent
