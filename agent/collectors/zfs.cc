// node_zfs_* from the ZFS on Linux kstats under /proc/spl/kstat/zfs, as node_exporter 1.5's zfs
// collector reads them: every uint64 kstat of the module's files (arcstats, abdstats, dbuf_stats,
// dmu_tx, dnodestats, fm, vdev_cache_stats, vdev_mirror_stats, xuio_stats, zfetchstats, zil) as an
// untyped node_zfs_<subsystem>_<kstat> whose help is the kstat's name; per pool its io counters
// (node_zfs_zpool_*), each dataset's objset counters (node_zfs_zpool_dataset_*{zpool, dataset})
// and node_zfs_zpool_state{zpool, state} for the six pool states. A kstat file the loaded module
// does not have is skipped, as ZFS adds them by version.
#include <unistd.h>

#include <array>
#include <cctype>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

constexpr std::string_view kUint64 = "4";  // KSTAT_DATA_UINT64, the only type exported

constexpr std::pair<const char*, const char*> kSubsystems[] = {
    {"zfs_abd", "abdstats"},         {"zfs_arc", "arcstats"},
    {"zfs_dbuf", "dbuf_stats"},      {"zfs_dmu_tx", "dmu_tx"},
    {"zfs_dnode", "dnodestats"},     {"zfs_fm", "fm"},
    {"zfs_vdev_cache", "vdev_cache_stats"}, {"zfs_vdev_mirror", "vdev_mirror_stats"},
    {"zfs_xuio", "xuio_stats"},      {"zfs_zfetch", "zfetchstats"},
    {"zfs_zil", "zil"}};

constexpr std::array<const char*, 6> kPoolStates = {"online", "degraded", "faulted", "offline", "removed", "unavail"};

std::string MetricName(std::string_view kstat) {
  std::string name(kstat);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

bool IsHeader(const std::vector<std::string_view>& f) {
  return f.size() == 3 && f[0] == "name" && f[1] == "type" && f[2] == "data";
}

// A named kstat file: a header line "name type data", then "<name> <type> <value>" lines.
fleet::Status ParseNamedKstats(std::string_view text, const std::string& subsystem, const std::string& file,
                               FamiliesByName* out) {
  bool started = false;
  for (std::string_view line : Lines(text)) {
    const auto f = Fields(line);
    if (!started) {
      started = IsHeader(f);
      continue;
    }
    if (f.size() < 3 || f[1] != kUint64) continue;
    uint64_t value = 0;
    const std::string key = "kstat.zfs.misc." + file + "." + std::string(f[0]);
    if (!ParseU64(f[2], &value)) return fleet::Status::Invalid("could not parse expected integer value for \"" + key + "\"");
    out->Add("node_" + subsystem + "_" + MetricName(f[0]), fleet::ValidUtf8(key), Type::kUntyped, {}, double(value));
  }
  if (!started) return fleet::Status::Invalid("did not parse a single \"" + file + "\" metric");
  return fleet::Status::Ok();
}

// A pool's io file: a header line of at least 12 field names starting with nread, then a line of
// their values.
fleet::Status ParsePoolIo(std::string_view text, const std::string& pool, FamiliesByName* out) {
  std::vector<std::string_view> fields;
  for (std::string_view line : Lines(text)) {
    const auto f = Fields(line);
    if (fields.empty()) {
      if (f.size() >= 12 && f[0] == "nread") fields = f;
      continue;
    }
    if (f.size() < fields.size()) return fleet::Status::Invalid("fewer values than fields");
    for (size_t i = 0; i < fields.size(); ++i) {
      uint64_t value = 0;
      const std::string key = "kstat.zfs.misc.io." + std::string(fields[i]);
      if (!ParseU64(f[i], &value)) return fleet::Status::Invalid("could not parse expected integer value for \"" + key + "\"");
      out->Add("node_zfs_zpool_" + MetricName(fields[i]), fleet::ValidUtf8(key), Type::kUntyped,
               {{"zpool", pool}}, double(value));
    }
  }
  return fleet::Status::Ok();
}

// A dataset's objset-N file: named kstats, dataset_name among them.
fleet::Status ParseObjset(std::string_view text, const std::string& pool, FamiliesByName* out) {
  bool started = false;
  std::string zpool, dataset;  // set by the dataset_name line, as node_exporter does
  for (std::string_view line : Lines(text)) {
    const auto f = Fields(line);
    if (!started) {
      started = IsHeader(f);
      continue;
    }
    if (f.size() < 3) continue;
    if (f[0] == "dataset_name") {
      zpool = pool, dataset = fleet::ValidUtf8(f[2]);
      continue;
    }
    if (f[1] != kUint64) continue;
    uint64_t value = 0;
    const std::string key = "kstat.zfs.misc.objset." + std::string(f[0]);
    if (!ParseU64(f[2], &value)) return fleet::Status::Invalid("could not parse expected integer value for \"" + key + "\"");
    out->Add("node_zfs_zpool_dataset_" + MetricName(f[0]), fleet::ValidUtf8(key), Type::kUntyped,
             {{"zpool", zpool}, {"dataset", dataset}}, double(value));
  }
  if (!started) return fleet::Status::Invalid("did not parse a single objset metric");
  return fleet::Status::Ok();
}

// The pool name: the directory holding the file.
std::string PoolOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const size_t before = path.rfind('/', slash - 1);
  return fleet::ValidUtf8(path.substr(before + 1, slash - before - 1));
}

class ZfsCollector : public Collector {
 public:
  explicit ZfsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Proc("spl/kstat/zfs");
    if (::access(root.c_str(), F_OK) != 0) return NoData(root);
    FamiliesByName families;
    for (const auto& [subsystem, file] : kSubsystems) {
      auto text = fleet::ReadKernelFile(root + "/" + file);
      if (!text.ok()) continue;  // not in this module's version
      if (auto st = ParseNamedKstats(*text, subsystem, file, &families); !st.ok()) return st.WithContext(root + "/" + file);
    }
    for (const std::string& path : Glob(root + "/*/io")) {
      auto text = fleet::ReadKernelFile(path);
      if (!text.ok()) return NoData(path);  // a pool being exported removes its files
      if (auto st = ParsePoolIo(*text, PoolOf(path), &families); !st.ok()) return st.WithContext(path);
    }
    for (const std::string& path : Glob(root + "/*/objset-*")) {
      auto text = fleet::ReadKernelFile(path);
      if (!text.ok()) return NoData(path);
      if (auto st = ParseObjset(*text, PoolOf(path), &families); !st.ok()) return st.WithContext(path);
    }
    for (const std::string& path : Glob(root + "/*/state")) {
      auto text = fleet::ReadKernelFile(path);
      if (!text.ok()) return NoData(path);
      const auto lines = Lines(*text);
      std::string state(lines.empty() ? std::string_view() : lines.front());
      for (char& c : state) c = char(std::tolower(static_cast<unsigned char>(c)));
      for (const char* name : kPoolStates) {
        families.Add("node_zfs_zpool_state", "kstat.zfs.misc.state", Type::kGauge,
                     {{"zpool", PoolOf(path)}, {"state", name}}, state == name ? 1 : 0);
      }
    }
    families.MoveTo(out);
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewZfsCollector(const CollectorOptions& o) { return std::make_unique<ZfsCollector>(o.paths); }

}  // namespace agent
