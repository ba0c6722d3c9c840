// node_nfsd_* from /proc/net/rpc/nfsd (the kernel NFS server), as node_exporter 1.5's nfsd
// collector reads it through procfs' nfs.ServerRPCStats: reply cache, stale file handles, disk
// bytes, threads, read-ahead cache, packets, RPCs and RPC errors, and
// node_nfsd_requests_total{proto, method} for the NFSv2/v3 procedures (Null aside) and the NFSv4
// operations node_exporter exports. Every line procfs knows is checked as procfs checks it; an
// unknown line or a wrong count fails the scrape.
#include <array>
#include <string_view>

#include "agent/collectors/collectors.h"
#include "agent/collectors/nfs_rpc.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// proc4ops, in the kernel's order; "" marks the operations node_exporter does not export.
constexpr std::array<std::string_view, 38> kV4Ops = {
    "",       "",          "",          "Access",  "Close",       "Commit",   "Create",     "DelegPurge",
    "DelegReturn", "GetAttr", "GetFH",  "Link",    "Lock",        "Lockt",    "Locku",      "Lookup",
    "LookupRoot", "Nverify", "Open",    "OpenAttr", "OpenConfirm", "OpenDgrd", "PutFH",     "",
    "",       "Read",      "ReadDir",   "ReadLink", "Remove",     "Rename",   "Renew",      "RestoreFH",
    "SaveFH", "SecInfo",   "SetAttr",   "Verify",  "Write",       "RelLockOwner"};

struct ServerStats {
  std::array<uint64_t, 3> reply_cache{};   // hits, misses, nocache
  std::array<uint64_t, 5> file_handles{};  // stale, then four the kernel no longer counts
  std::array<uint64_t, 2> io{};            // read, written
  std::array<uint64_t, 2> threads{};       // threads, fullcnt
  std::array<uint64_t, 12> read_ahead{};   // size, 10 histogram buckets, not found
  std::array<uint64_t, 4> net{};           // packets, udp, tcp, tcp connections
  std::array<uint64_t, 5> rpc{};           // calls, bad, badfmt, badauth, badclnt
  NfsV2V3Counts v2v3;
  std::array<uint64_t, kV4Ops.size()> v4_ops{};
};

fleet::Result<ServerStats> ParseServerStats(std::string_view text) {
  auto lines = ParseRpcStats(text);
  if (!lines.ok()) return lines.status();
  ServerStats s;
  for (const auto& [key, values] : *lines) {
    bool ok = false;
    if (key == "rc") {
      ok = TakeExactly(values, &s.reply_cache);
    } else if (key == "fh") {
      ok = TakeExactly(values, &s.file_handles);
    } else if (key == "io") {
      ok = TakeExactly(values, &s.io);
    } else if (key == "th") {
      ok = TakeExactly(values, &s.threads);
    } else if (key == "ra") {
      ok = TakeExactly(values, &s.read_ahead);
    } else if (key == "net") {
      ok = TakeExactly(values, &s.net);
    } else if (key == "rpc") {
      ok = TakeExactly(values, &s.rpc);
    } else if (const auto v2v3 = TakeV2V3Line(key, values, &s.v2v3)) {
      ok = *v2v3;
    } else if (key == "proc4") {
      ok = IsProcedureLine(values, 2) && values[0] == 2;  // null, compound: not exported
    } else if (key == "proc4ops") {
      ok = IsProcedureLine(values, 39);  // procfs' minimum, though it reads the first 38
      if (ok) TakeProcedures(values, &s.v4_ops);
    } else {
      return fleet::Status::Invalid("unknown NFSd metric line \"" + std::string(key) + "\"");
    }
    if (!ok) return fleet::Status::Invalid("invalid NFSd " + std::string(key) + " line");
  }
  return s;
}

class NfsdCollector : public Collector {
 public:
  explicit NfsdCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string path = paths_.Proc("net/rpc/nfsd");
    auto text = fleet::ReadKernelFile(path);
    if (!text.ok()) return NoDataIfAbsent(text.status(), path);
    auto parsed = ParseServerStats(*text);
    if (!parsed.ok()) return parsed.status().WithContext(path);
    const ServerStats& s = *parsed;
    auto counter = [&](const char* name, const char* help, uint64_t v) {
      out->push_back(Single(Type::kCounter, std::string("node_nfsd_") + name, help, double(v)));
    };
    counter("reply_cache_hits_total", "Total number of NFSd Reply Cache hits (client lost server response).",
            s.reply_cache[0]);
    counter("reply_cache_misses_total",
            "Total number of NFSd Reply Cache an operation that requires caching (idempotent).", s.reply_cache[1]);
    counter("reply_cache_nocache_total",
            "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).", s.reply_cache[2]);
    counter("file_handles_stale_total", "Total number of NFSd stale file handles", s.file_handles[0]);
    counter("disk_bytes_read_total", "Total NFSd bytes read.", s.io[0]);
    counter("disk_bytes_written_total", "Total NFSd bytes written.", s.io[1]);
    out->push_back(Single(Type::kGauge, "node_nfsd_server_threads",
                          "Total number of NFSd kernel threads that are running.", double(s.threads[0])));
    out->push_back(Single(Type::kGauge, "node_nfsd_read_ahead_cache_size_blocks",
                          "How large the read ahead cache is in blocks.", double(s.read_ahead[0])));
    counter("read_ahead_cache_not_found_total", "Total number of NFSd read ahead cache not found.",
            s.read_ahead[11]);
    Family packets{"node_nfsd_packets_total", "Total NFSd network packets (sent+received) by protocol type.",
                   Type::kCounter, {}};
    packets.samples.push_back({"", {{"proto", "udp"}}, double(s.net[1])});
    packets.samples.push_back({"", {{"proto", "tcp"}}, double(s.net[2])});
    out->push_back(std::move(packets));
    counter("connections_total", "Total number of NFSd TCP connections.", s.net[3]);
    Family errors{"node_nfsd_rpc_errors_total", "Total number of NFSd RPC errors by error type.", Type::kCounter, {}};
    errors.samples.push_back({"", {{"error", "fmt"}}, double(s.rpc[2])});
    errors.samples.push_back({"", {{"error", "auth"}}, double(s.rpc[3])});
    errors.samples.push_back({"", {{"error", "cInt"}}, double(s.rpc[4])});
    out->push_back(std::move(errors));
    counter("server_rpcs_total", "Total number of NFSd RPCs.", s.rpc[0]);
    Family requests{"node_nfsd_requests_total", "Total number NFSd Requests by method and protocol.",
                    Type::kCounter, {}};
    AddProcedureSamples("2", kNfsV2Procedures, s.v2v3.v2, 1, &requests);  // from 1: Null is not exported
    AddProcedureSamples("3", kNfsV3Procedures, s.v2v3.v3, 1, &requests);
    AddProcedureSamples("4", kV4Ops, s.v4_ops, 0, &requests);
    out->push_back(std::move(requests));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewNfsdCollector(const CollectorOptions& o) { return std::make_unique<NfsdCollector>(o.paths); }

}  // namespace agent
