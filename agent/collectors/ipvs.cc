// node_ipvs_* from /proc/net/ip_vs_stats (totals, in hex) and /proc/net/ip_vs (one line per
// virtual service, then one per real server), as node_exporter 1.5's ipvs collector reads them
// through procfs: connection, packet and byte totals, and per backend its active and inactive
// connections and weight, summed over backends whose labels are equal (node_exporter's default
// label set: local_address, local_port, remote_address, remote_port, proto, local_mark).
#include <arpa/inet.h>

#include <array>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

struct Endpoint {
  std::string address;  // "" for none (a firewall-mark service)
  uint16_t port = 0;
};

// procfs' parseIPPort: "C0A80016:0CEA" (IPv4 in hex) or "[2001:db8::1]:0CEA" (46 characters,
// the kernel's fixed-width IPv6); addresses as Go's net.IP prints them.
std::optional<Endpoint> ParseEndpoint(std::string_view s) {
  Endpoint e;
  if (s.size() == 13) {
    uint64_t v = 0;
    if (s[8] != ':' || !ParseU64(s.substr(0, 8), &v, 16)) return std::nullopt;
    e.address = std::to_string((v >> 24) & 0xff) + "." + std::to_string((v >> 16) & 0xff) + "." +
                std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
  } else if (s.size() == 46) {
    in6_addr a{};
    const std::string text(s.substr(1, 39));
    if (::inet_pton(AF_INET6, text.c_str(), &a) != 1) return std::nullopt;
    char out[INET6_ADDRSTRLEN];
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      ::inet_ntop(AF_INET, &a.s6_addr[12], out, sizeof out);  // Go prints a v4-mapped address as IPv4
    } else {
      ::inet_ntop(AF_INET6, &a, out, sizeof out);
    }
    e.address = out;
  } else {
    return std::nullopt;
  }
  uint64_t port = 0;
  if (!ParseU64(s.substr(s.size() - 4), &port, 16)) return std::nullopt;
  e.port = uint16_t(port);
  return e;
}

struct BackendSums {
  uint64_t active = 0, inactive = 0, weight = 0;
};
// The label values, in kBackendLabels' order.
constexpr const char* kBackendLabels[] = {"local_address", "local_port", "remote_address",
                                          "remote_port",   "proto",      "local_mark"};
using BackendKey = std::array<std::string, std::size(kBackendLabels)>;

fleet::Status ParseBackends(std::string_view text, std::map<BackendKey, BackendSums>* sums) {
  std::string proto, mark;
  Endpoint local;
  for (std::string_view line : Lines(text)) {
    const auto f = Fields(line);
    if (f.empty() || f[0] == "IP" || f[0] == "Prot" || (f.size() > 1 && f[1] == "RemoteAddress:Port")) continue;
    if ((f[0] == "TCP" || f[0] == "UDP") && f.size() >= 2) {
      auto e = ParseEndpoint(f[1]);
      if (!e) return fleet::Status::Invalid("unexpected IP:Port " + std::string(f[1]));
      proto = std::string(f[0]), mark = "", local = *e;
    } else if (f[0] == "FWM" && f.size() >= 2) {
      proto = "FWM", mark = std::string(f[1]), local = Endpoint{};
    } else if (f[0] == "->" && f.size() >= 6) {
      auto remote = ParseEndpoint(f[1]);
      if (!remote) return fleet::Status::Invalid("unexpected IP:Port " + std::string(f[1]));
      uint64_t weight = 0, active = 0, inactive = 0;
      if (!ParseU64(f[3], &weight) || !ParseU64(f[4], &active) || !ParseU64(f[5], &inactive)) {
        return fleet::Status::Invalid("invalid backend line");
      }
      BackendSums& s = (*sums)[{local.address, std::to_string(local.port), remote->address,
                                std::to_string(remote->port), proto, mark}];
      s.active += active, s.inactive += inactive, s.weight += weight;
    }
  }
  return fleet::Status::Ok();
}

class IpvsCollector : public Collector {
 public:
  explicit IpvsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string stats_path = paths_.Proc("net/ip_vs_stats");
    auto stats = fleet::ReadKernelFile(stats_path);
    if (!stats.ok()) return NoDataIfAbsent(stats.status(), stats_path);
    // The third line holds the totals: conns, in packets, out packets, in bytes, out bytes.
    const auto lines = Lines(*stats);
    if (lines.size() < 4) return fleet::Status::Invalid(stats_path + ": too short");
    const auto totals = Fields(lines[2]);
    if (totals.size() != 5) return fleet::Status::Invalid(stats_path + ": unexpected number of fields");
    uint64_t v[5];
    for (size_t i = 0; i < 5; ++i) {
      if (!ParseU64(totals[i], &v[i], 16)) return fleet::Status::Invalid(stats_path + ": invalid total");
    }
    out->push_back(Single(Type::kCounter, "node_ipvs_connections_total", "The total number of connections made.", double(v[0])));
    out->push_back(Single(Type::kCounter, "node_ipvs_incoming_packets_total", "The total number of incoming packets.", double(v[1])));
    out->push_back(Single(Type::kCounter, "node_ipvs_outgoing_packets_total", "The total number of outgoing packets.", double(v[2])));
    out->push_back(Single(Type::kCounter, "node_ipvs_incoming_bytes_total", "The total amount of incoming data.", double(v[3])));
    out->push_back(Single(Type::kCounter, "node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.", double(v[4])));

    const std::string backends_path = paths_.Proc("net/ip_vs");
    auto backends = fleet::ReadKernelFile(backends_path);
    if (!backends.ok()) return backends.status();
    std::map<BackendKey, BackendSums> sums;
    if (auto st = ParseBackends(*backends, &sums); !st.ok()) return st.WithContext(backends_path);
    Family active{"node_ipvs_backend_connections_active", "The current active connections by local and remote address.", Type::kGauge, {}};
    Family inactive{"node_ipvs_backend_connections_inactive", "The current inactive connections by local and remote address.", Type::kGauge, {}};
    Family weight{"node_ipvs_backend_weight", "The current backend weight by local and remote address.", Type::kGauge, {}};
    for (const auto& [key, s] : sums) {
      Labels labels;
      for (size_t i = 0; i < key.size(); ++i) labels.push_back({kBackendLabels[i], key[i]});
      active.samples.push_back({"", labels, double(s.active)});
      inactive.samples.push_back({"", labels, double(s.inactive)});
      weight.samples.push_back({"", labels, double(s.weight)});
    }
    out->push_back(std::move(active));
    out->push_back(std::move(inactive));
    out->push_back(std::move(weight));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewIpvsCollector(const CollectorOptions& o) { return std::make_unique<IpvsCollector>(o.paths); }

}  // namespace agent
