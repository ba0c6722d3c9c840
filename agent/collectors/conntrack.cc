// node_nf_conntrack_entries(_limit) from /proc/sys/net/netfilter and node_nf_conntrack_stat_*
// from /proc/net/stat/nf_conntrack (one hex row per CPU, summed; columns found by the header,
// whose set changes between kernel versions).
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct StatColumn {
  const char* column;
  const char* help;
};
constexpr StatColumn kStatColumns[] = {
    {"found", "Number of searched entries which were successful."},
    {"invalid", "Number of packets seen which can not be tracked."},
    {"ignore", "Number of packets seen which are already connected to a conntrack entry."},
    {"insert", "Number of entries inserted into the list."},
    {"insert_failed", "Number of entries for which list insertion was attempted but failed."},
    {"drop", "Number of packets dropped due to conntrack failure."},
    {"early_drop",
     "Number of dropped conntrack entries to make room for new ones, if maximum table size was "
     "reached."},
    {"search_restart",
     "Number of conntrack table lookups which had to be restarted due to hashtable resizes."},
};

class ConntrackCollector : public Collector {
 public:
  explicit ConntrackCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    // Without the nf_conntrack module these files do not exist: the collector fails, as
    // node_exporter's does (no data).
    uint64_t count = 0, max = 0;
    if (auto s = ReadNumber("sys/net/netfilter/nf_conntrack_count", &count); !s.ok()) return s;
    if (auto s = ReadNumber("sys/net/netfilter/nf_conntrack_max", &max); !s.ok()) return s;
    out->push_back(Single(Type::kGauge, "node_nf_conntrack_entries",
                          "Number of currently allocated flow entries for connection tracking.",
                          double(count)));
    out->push_back(Single(Type::kGauge, "node_nf_conntrack_entries_limit",
                          "Maximum size of connection tracking table.", double(max)));

    auto text = files_.Read(paths_.Proc("net/stat/nf_conntrack"));
    if (!text.ok()) return text.status();
    const auto lines = Lines(*text);
    if (lines.empty()) return fleet::Status::Invalid("empty /proc/net/stat/nf_conntrack");
    const auto header = Fields(lines[0]);
    std::vector<uint64_t> sums(std::size(kStatColumns), 0);
    for (size_t l = 1; l < lines.size(); ++l) {
      const auto row = Fields(lines[l]);
      if (row.size() != header.size()) {
        return fleet::Status::Invalid("unexpected /proc/net/stat/nf_conntrack row");
      }
      for (size_t c = 0; c < std::size(kStatColumns); ++c) {
        for (size_t h = 0; h < header.size(); ++h) {
          uint64_t v = 0;
          if (header[h] == kStatColumns[c].column && ParseU64(row[h], &v, 16)) sums[c] += v;
        }
      }
    }
    for (size_t c = 0; c < std::size(kStatColumns); ++c) {
      out->push_back(Single(Type::kGauge,
                            std::string("node_nf_conntrack_stat_") + kStatColumns[c].column,
                            kStatColumns[c].help, double(sums[c])));
    }
    return fleet::Status::Ok();
  }

 private:
  fleet::Status ReadNumber(const char* relative, uint64_t* out) {
    auto text = files_.Read(paths_.Proc(relative));
    if (!text.ok()) return text.status();
    auto f = Fields(*text);
    if (f.size() != 1 || !ParseU64(f[0], out)) {
      return fleet::Status::Invalid(std::string("unexpected /proc/") + relative);
    }
    return fleet::Status::Ok();
  }

  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewConntrackCollector(const CollectorOptions& o) {
  return std::make_unique<ConntrackCollector>(o.paths);
}

}  // namespace agent
