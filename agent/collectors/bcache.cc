// node_bcache_* per bcache cache set (/sys/fs/bcache/<uuid>), as node_exporter 1.5's bcache
// collector reads it through procfs' bcache.StatsWithoutPriority: the set's btree and journal
// figures, per backing device (bdevN) its dirty data, writeback controller terms and lifetime
// hit/miss/bypass counters, and per cache device (cacheN) its errors and bytes written.
// priority_stats stays off, as node_exporter's --collector.bcache.priorityStats default: the
// kernel walks every bucket to produce it.
//
// bcache prints sizes human-readably ("20.4G", "1.1M/sec"), with a fraction in 1/10.24ths of
// the unit; procfs' dehumanize reads them so and so does this.
#include <cmath>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

// procfs' parsePseudoFloat: "20.4" is 20 + 4/10.24.
std::optional<double> PseudoFloat(std::string_view s) {
  const size_t dot = s.find('.');
  double whole = 0, fraction = 0;
  if (!ParseDouble(s.substr(0, dot), &whole)) return std::nullopt;
  if (dot == std::string_view::npos) return whole;
  const std::string_view rest = s.substr(dot + 1);
  if (rest.find('.') != std::string_view::npos) return whole;  // Go splits on every dot and reads the second part only
  if (!ParseDouble(rest, &fraction)) return std::nullopt;
  return whole + fraction / 10.24;
}

// procfs' dehumanize: a number, or a pseudo-float with a k/M/G/T/P/E/Z/Y (binary) suffix.
std::optional<uint64_t> Dehumanize(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (static_cast<unsigned char>(s.back()) > '9') {
    static const std::map<char, double> kMultipliers = {{'k', 0x1p10}, {'M', 0x1p20}, {'G', 0x1p30}, {'T', 0x1p40},
                                                        {'P', 0x1p50}, {'E', 0x1p60}, {'Z', 0x1p70}, {'Y', 0x1p80}};
    const auto m = kMultipliers.find(s.back());
    const auto mantissa = PseudoFloat(s.substr(0, s.size() - 1));
    if (!mantissa) return std::nullopt;
    return uint64_t(*mantissa * (m == kMultipliers.end() ? 0 : m->second));
  }
  double v = 0;
  if (!ParseDouble(s, &v)) return std::nullopt;
  return uint64_t(v);
}

std::optional<int64_t> DehumanizeSigned(std::string_view s) {
  const bool negative = s.starts_with("-");
  const auto v = Dehumanize(negative ? s.substr(1) : s);
  if (!v) return std::nullopt;
  return negative ? -int64_t(*v) : int64_t(*v);
}

// Reads values as procfs' bcache parser: an absent file is 0; the first unreadable or unparsable
// one is the error, and nothing is read after it.
class Reader {
 public:
  uint64_t Value(const std::string& path) {
    if (!status_.ok()) return 0;
    auto text = fleet::ReadKernelFile(path);
    if (!text.ok()) {
      if (text.status().code() != fleet::Code::kNotFound) status_ = fleet::Status::Unavailable("failed to read: " + path);
      return 0;
    }
    std::string_view v(*text);
    if (!v.empty()) v.remove_suffix(1);  // the newline
    const auto parsed = Dehumanize(v);
    if (!parsed) status_ = fleet::Status::Invalid("failed to parse " + path);
    return parsed.value_or(0);
  }
  void Fail(fleet::Status st) {
    if (status_.ok()) status_ = std::move(st);
  }
  const fleet::Status& status() const { return status_; }

 private:
  fleet::Status status_ = fleet::Status::Ok();
};

struct WritebackRate {
  uint64_t rate = 0, target = 0;
  int64_t proportional = 0, integral = 0, change = 0;
};

// writeback_rate_debug: "rate: 1.1M/sec", "target: 20.4G", "proportional: 427.5k", ...
fleet::Status ParseWritebackRate(std::string_view text, WritebackRate* out) {
  for (std::string_view line : Lines(text)) {
    const auto f = Fields(line);
    if (f.empty()) continue;
    std::string_view value = f.back();
    auto unsigned_value = [&](uint64_t* field) {
      if (value.ends_with("/sec")) value.remove_suffix(4);
      const auto v = Dehumanize(value);
      if (v) *field = *v;
      return v.has_value();
    };
    auto signed_value = [&](int64_t* field) {
      if (value.ends_with("/sec")) value.remove_suffix(4);
      const auto v = DehumanizeSigned(value);
      if (v) *field = *v;
      return v.has_value();
    };
    bool ok = true;
    if (line.starts_with("rate:")) {
      ok = unsigned_value(&out->rate);
    } else if (line.starts_with("target:")) {
      ok = unsigned_value(&out->target);
    } else if (line.starts_with("proportional:")) {
      ok = signed_value(&out->proportional);
    } else if (line.starts_with("integral:")) {
      ok = signed_value(&out->integral);
    } else if (line.starts_with("change:")) {
      ok = signed_value(&out->change);
    }
    if (!ok) return fleet::Status::Invalid("failed to parse \"" + fleet::ValidUtf8(line) + "\"");
  }
  return fleet::Status::Ok();
}

constexpr FileMetric kSetFigures[] = {
    {"average_key_size", "average_key_size_sectors", Type::kGauge, 1, "Average data per key in the btree (sectors)."},
    {"btree_cache_size", "btree_cache_size_bytes", Type::kGauge, 1, "Amount of memory currently used by the btree cache."},
    {"cache_available_percent", "cache_available_percent", Type::kGauge, 1,
     "Percentage of cache device without dirty data, usable for writeback (may contain clean cached data)."},
    {"congested", "congested", Type::kGauge, 1, "Congestion."},
    {"root_usage_percent", "root_usage_percent", Type::kGauge, 1,
     "Percentage of the root btree node in use (tree depth increases if too high)."},
    {"tree_depth", "tree_depth", Type::kGauge, 1, "Depth of the btree."},
    {"internal/active_journal_entries", "active_journal_entries", Type::kGauge, 1,
     "Number of journal entries that are newer than the index."},
    {"internal/btree_nodes", "btree_nodes", Type::kGauge, 1, "Total nodes in the btree."},
    // The file is in µs; node_exporter scales it as ns (procfs names the field NanoSeconds). Kept,
    // so that dashboards agree with node_exporter's numbers.
    {"internal/btree_read_average_duration_us", "btree_read_average_duration_seconds", Type::kGauge, 1e-9,
     "Average btree read duration."},
    {"internal/cache_read_races", "cache_read_races_total", Type::kCounter, 1,
     "Counts instances where while data was being read from the cache, the bucket was reused and invalidated - "
     "i.e. where the pointer was stale after the read completed."},
};

constexpr FileMetric kBackingTotals[] = {
    {"stats_total/bypassed", "bypassed_bytes_total", Type::kCounter, 1, "Amount of IO (both reads and writes) that has bypassed the cache."},
    {"stats_total/cache_hits", "cache_hits_total", Type::kCounter, 1, "Hits counted per individual IO as bcache sees them."},
    {"stats_total/cache_misses", "cache_misses_total", Type::kCounter, 1, "Misses counted per individual IO as bcache sees them."},
    {"stats_total/cache_bypass_hits", "cache_bypass_hits_total", Type::kCounter, 1, "Hits for IO intended to skip the cache."},
    {"stats_total/cache_bypass_misses", "cache_bypass_misses_total", Type::kCounter, 1, "Misses for IO intended to skip the cache."},
    {"stats_total/cache_miss_collisions", "cache_miss_collisions_total", Type::kCounter, 1,
     "Instances where data insertion from cache miss raced with write (data already present)."},
    {"stats_total/cache_readaheads", "cache_readaheads_total", Type::kCounter, 1, "Count of times readahead occurred."},
};

constexpr FileMetric kCacheFigures[] = {
    {"io_errors", "io_errors", Type::kGauge, 1, "Number of errors that have occurred, decayed by io_error_halflife."},
    {"metadata_written", "metadata_written_bytes_total", Type::kCounter, 1,
     "Sum of all non data writes (btree writes and all other metadata)."},
    {"written", "written_bytes_total", Type::kCounter, 1, "Sum of all data that has been written to the cache."},
};

fleet::Status CollectSet(const std::string& dir, FamiliesByName* out) {
  const std::string uuid = fleet::ValidUtf8(dir.substr(dir.rfind('/') + 1));
  Reader r;
  std::vector<std::pair<const FileMetric*, std::pair<Labels, double>>> samples;
  auto read = [&](const FileMetric& f, const std::string& base, Labels labels) {
    const double v = double(r.Value(base + "/" + f.file)) * f.scale;
    samples.push_back({&f, {std::move(labels), v}});
  };
  for (const FileMetric& f : kSetFigures) read(f, dir, {{"uuid", uuid}});
  for (const std::string& bdev : Glob(dir + "/bdev[0-9]*")) {
    const std::string name = fleet::ValidUtf8(bdev.substr(bdev.rfind('/') + 1));
    const Labels labels = {{"uuid", uuid}, {"backing_device", name}};
    const double dirty = double(r.Value(bdev + "/dirty_data"));
    WritebackRate rate;
    if (r.status().ok()) {
      auto text = fleet::ReadKernelFile(bdev + "/writeback_rate_debug");
      if (!text.ok()) {
        r.Fail(fleet::Status::Unavailable("failed to read: " + bdev + "/writeback_rate_debug"));
      } else if (auto st = ParseWritebackRate(*text, &rate); !st.ok()) {
        r.Fail(st.WithContext(bdev + "/writeback_rate_debug"));
      }
    }
    out->Add("node_bcache_dirty_data_bytes", "Amount of dirty data for this backing device in the cache.", Type::kGauge, labels, dirty);
    out->Add("node_bcache_dirty_target_bytes", "Current dirty data target threshold for this backing device in bytes.",
             Type::kGauge, labels, double(rate.target));
    out->Add("node_bcache_writeback_rate", "Current writeback rate for this backing device in bytes.", Type::kGauge,
             labels, double(rate.rate));
    out->Add("node_bcache_writeback_rate_proportional_term", "Current result of proportional controller, part of writeback rate",
             Type::kGauge, labels, double(rate.proportional));
    out->Add("node_bcache_writeback_rate_integral_term", "Current result of integral controller, part of writeback rate",
             Type::kGauge, labels, double(rate.integral));
    out->Add("node_bcache_writeback_change", "Last writeback rate change step for this backing device.", Type::kGauge,
             labels, double(rate.change));
    for (const FileMetric& f : kBackingTotals) read(f, bdev, labels);
  }
  for (const std::string& cache : Glob(dir + "/cache[0-9]*")) {
    const std::string name = fleet::ValidUtf8(cache.substr(cache.rfind('/') + 1));
    for (const FileMetric& f : kCacheFigures) read(f, cache, {{"uuid", uuid}, {"cache_device", name}});
  }
  if (!r.status().ok()) return r.status();
  for (auto& [figure, sample] : samples) {
    out->Add(std::string("node_bcache_") + figure->metric, figure->help, figure->type, std::move(sample.first),
             sample.second);
  }
  return fleet::Status::Ok();
}

class BcacheCollector : public Collector {
 public:
  explicit BcacheCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    FamiliesByName families;
    for (const std::string& dir : Glob(paths_.Sys("fs/bcache/*-*"))) {
      if (auto st = CollectSet(dir, &families); !st.ok()) return st;
    }
    families.MoveTo(out);
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewBcacheCollector(const CollectorOptions& o) { return std::make_unique<BcacheCollector>(o.paths); }

}  // namespace agent
