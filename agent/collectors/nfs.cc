// node_nfs_* from /proc/net/rpc/nfs (the NFS client's RPC counters), as node_exporter 1.5's nfs
// collector reads it through procfs' nfs.ClientRPCStats: packets by transport, connections, RPCs,
// retransmissions, authentication refreshes, and node_nfs_requests_total{proto, method} for every
// NFSv2, v3 and v4 procedure, named as procfs names them (all of them, 0 when the kernel has no
// such line). A line procfs does not know, or with the wrong number of values, fails the scrape:
// the file's layout changed and the counters would be misattributed.
#include <array>
#include <string_view>

#include "agent/collectors/collectors.h"
#include "agent/collectors/nfs_rpc.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

constexpr std::array<std::string_view, 59> kV4 = {
    "Null",          "Read",           "Write",           "Commit",          "Open",
    "OpenConfirm",   "OpenNoattr",     "OpenDowngrade",   "Close",           "Setattr",
    "FsInfo",        "Renew",          "SetClientID",     "SetClientIDConfirm", "Lock",
    "Lockt",         "Locku",          "Access",          "Getattr",         "Lookup",
    "LookupRoot",    "Remove",         "Rename",          "Link",            "Symlink",
    "Create",        "Pathconf",       "StatFs",          "ReadLink",        "ReadDir",
    "ServerCaps",    "DelegReturn",    "GetACL",          "SetACL",          "FsLocations",
    "ReleaseLockowner", "Secinfo",     "FsidPresent",     "ExchangeID",      "CreateSession",
    "DestroySession", "Sequence",      "GetLeaseTime",    "ReclaimComplete", "LayoutGet",
    "GetDeviceInfo", "LayoutCommit",   "LayoutReturn",    "SecinfoNoName",   "TestStateID",
    "FreeStateID",   "GetDeviceList",  "BindConnToSession", "DestroyClientID", "Seek",
    "Allocate",      "DeAllocate",     "LayoutStats",     "Clone"};

struct ClientStats {
  std::array<uint64_t, 4> net{};  // packets, udp, tcp, tcp connections
  std::array<uint64_t, 3> rpc{};  // calls, retransmissions, auth refreshes
  NfsV2V3Counts v2v3;
  std::array<uint64_t, kV4.size()> v4{};
};

fleet::Result<ClientStats> ParseClientStats(std::string_view text) {
  auto lines = ParseRpcStats(text);
  if (!lines.ok()) return lines.status();
  ClientStats s;
  for (const auto& [key, values] : *lines) {
    bool ok = false;
    if (key == "net") {
      ok = TakeExactly(values, &s.net);
    } else if (key == "rpc") {
      ok = TakeExactly(values, &s.rpc);
    } else if (const auto v2v3 = TakeV2V3Line(key, values, &s.v2v3)) {
      ok = *v2v3;
    } else if (key == "proc4") {
      ok = IsProcedureLine(values, 0);
      if (ok) TakeProcedures(values, &s.v4);
    } else {
      return fleet::Status::Invalid("unknown NFS metric line \"" + std::string(key) + "\"");
    }
    if (!ok) return fleet::Status::Invalid("invalid NFS " + std::string(key) + " line");
  }
  return s;
}

class NfsCollector : public Collector {
 public:
  explicit NfsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string path = paths_.Proc("net/rpc/nfs");
    auto text = fleet::ReadKernelFile(path);
    if (!text.ok()) return NoDataIfAbsent(text.status(), path);
    auto stats = ParseClientStats(*text);
    if (!stats.ok()) return stats.status().WithContext(path);
    Family packets{"node_nfs_packets_total", "Total NFSd network packets (sent+received) by protocol type.",
                   Type::kCounter, {}};
    packets.samples.push_back({"", {{"protocol", "udp"}}, double(stats->net[1])});
    packets.samples.push_back({"", {{"protocol", "tcp"}}, double(stats->net[2])});
    out->push_back(std::move(packets));
    out->push_back(Single(Type::kCounter, "node_nfs_connections_total", "Total number of NFSd TCP connections.",
                          double(stats->net[3])));
    out->push_back(Single(Type::kCounter, "node_nfs_rpcs_total", "Total number of RPCs performed.",
                          double(stats->rpc[0])));
    out->push_back(Single(Type::kCounter, "node_nfs_rpc_retransmissions_total",
                          "Number of RPC transmissions performed.", double(stats->rpc[1])));
    out->push_back(Single(Type::kCounter, "node_nfs_rpc_authentication_refreshes_total",
                          "Number of RPC authentication refreshes performed.", double(stats->rpc[2])));
    Family requests{"node_nfs_requests_total", "Number of NFS procedures invoked.", Type::kCounter, {}};
    AddProcedureSamples("2", kNfsV2Procedures, stats->v2v3.v2, 0, &requests);
    AddProcedureSamples("3", kNfsV3Procedures, stats->v2v3.v3, 0, &requests);
    AddProcedureSamples("4", kV4, stats->v4, 0, &requests);
    out->push_back(std::move(requests));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewNfsCollector(const CollectorOptions& o) { return std::make_unique<NfsCollector>(o.paths); }

}  // namespace agent
