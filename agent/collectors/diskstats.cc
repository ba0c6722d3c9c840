// node_disk_* per block device from /proc/diskstats (sectors are 512 bytes, times are ms), and
// what udev's database says of each device (<udev data>/b<major>:<minor>): node_disk_info's
// labels, node_disk_filesystem_info, node_disk_device_mapper_info and, for ATA disks,
// node_disk_ata_*, as node_exporter 1.5.0's diskstats collector serves them.
#include <algorithm>
#include <array>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct DiskField {
  const char* name;
  const char* help;
  Type type;
  double scale;  // raw value -> exported unit
};

// The 17 numeric columns of /proc/diskstats after major, minor and name, in order.
const DiskField kDiskFields[] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
     Type::kCounter, 1},
    {"node_disk_reads_merged_total", "The total number of reads merged.", Type::kCounter, 1},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.",
     Type::kCounter, 512},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
     Type::kCounter, 0.001},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
     Type::kCounter, 1},
    {"node_disk_writes_merged_total", "The number of writes merged.", Type::kCounter, 1},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
     Type::kCounter, 512},
    {"node_disk_write_time_seconds_total", "This is the total number of seconds spent by all writes.",
     Type::kCounter, 0.001},
    {"node_disk_io_now", "The number of I/Os currently in progress.", Type::kGauge, 1},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", Type::kCounter, 0.001},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
     Type::kCounter, 0.001},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     Type::kCounter, 1},
    {"node_disk_discards_merged_total", "The total number of discards merged.", Type::kCounter, 1},
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
     Type::kCounter, 1},
    {"node_disk_discard_time_seconds_total",
     "This is the total number of seconds spent by all discards.", Type::kCounter, 0.001},
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully",
     Type::kCounter, 1},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", Type::kCounter, 0.001},
};

// The udev properties the collector serves (node_exporter's udev* constants).
enum UdevKey {
  kIdPath, kIdWwn, kIdModel, kIdSerialShort, kIdRevision,
  kIdAta, kIdAtaRotationRateRpm, kIdAtaWriteCache, kIdAtaWriteCacheEnabled,
  kIdFsType, kIdFsUsage, kIdFsUuid, kIdFsVersion,
  kDmName, kDmUuid, kDmVgName, kDmLvName, kDmLvLayer,
  kUdevKeys
};
constexpr std::string_view kUdevKeyNames[kUdevKeys] = {
    "ID_PATH", "ID_WWN", "ID_MODEL", "ID_SERIAL_SHORT", "ID_REVISION",
    "ID_ATA", "ID_ATA_ROTATION_RATE_RPM", "ID_ATA_WRITE_CACHE", "ID_ATA_WRITE_CACHE_ENABLED",
    "ID_FS_TYPE", "ID_FS_USAGE", "ID_FS_UUID", "ID_FS_VERSION",
    "DM_NAME", "DM_UUID", "DM_VG_NAME", "DM_LV_NAME", "DM_LV_LAYER"};

// The numeric udev properties of an ATA disk (one with ID_ATA set), each a gauge of its own.
struct AtaProperty {
  UdevKey key;
  const char* name;
  const char* help;
};
const AtaProperty kAtaProperties[] = {
    {kIdAtaRotationRateRpm, "node_disk_ata_rotation_rate_rpm",
     "ATA disk rotation rate in RPMs (0 for SSDs)."},
    {kIdAtaWriteCache, "node_disk_ata_write_cache", "ATA disk has a write cache."},
    {kIdAtaWriteCacheEnabled, "node_disk_ata_write_cache_enabled",
     "ATA disk has its write cache enabled."},
};

// The longest udev database entry read. udevd writes a few hundred bytes per device, a few KiB
// with many symlinks; a longer file is not udev's and is treated as a missing one.
constexpr size_t kMaxUdevFile = 64 * 1024;

// A device's udev properties ("E:KEY=value" lines) of kUdevKeyNames; the others are skipped
// unparsed (a database entry has a few dozen). Values are valid UTF-8: they become label values
// (node_exporter would fail the scrape on an invalid one; the agent serves it as Go's
// strings.ToValidUTF8 would). A property absent is empty, as node_exporter reads it: every
// use treats the two alike.
struct UdevProperties {
  std::array<std::string, kUdevKeys> values;
  const std::string& Get(UdevKey key) const { return values[key]; }
};

UdevProperties ParseUdevProperties(std::string_view text) {
  UdevProperties props;
  for (std::string_view line : Lines(text)) {
    if (line.ends_with('\r')) line.remove_suffix(1);  // bufio.ScanLines drops it too
    if (!line.starts_with("E:")) continue;
    line.remove_prefix(2);
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const auto* key =
        std::find(std::begin(kUdevKeyNames), std::end(kUdevKeyNames), line.substr(0, eq));
    if (key == std::end(kUdevKeyNames)) continue;
    props.values[key - std::begin(kUdevKeyNames)] = fleet::GoValidUtf8(line.substr(eq + 1));
  }
  return props;
}

class DiskstatsCollector : public Collector {
 public:
  DiskstatsCollector(HostPaths paths, const std::string& exclude)
      : paths_(std::move(paths)), exclude_(exclude, RegexFilter::EmptyPattern::kMatchesNothing) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("diskstats"));
    if (!text.ok()) return text.status();
    std::vector<Family> families;
    for (const DiskField& d : kDiskFields) families.push_back({d.name, d.help, d.type, {}});
    Family info{"node_disk_info", "Info of /sys/block/<block_device>.", Type::kGauge, {}};
    Family filesystem{"node_disk_filesystem_info", "Info about disk filesystem.", Type::kGauge, {}};
    Family device_mapper{"node_disk_device_mapper_info", "Info about disk device mapper.",
                         Type::kGauge, {}};
    std::vector<Family> ata;
    for (const AtaProperty& a : kAtaProperties) ata.push_back({a.name, a.help, Type::kGauge, {}});
    for (std::string_view line : Lines(*text)) {
      auto f = Fields(line);
      if (f.size() < 4) continue;
      const std::string device(f[2]);
      if (exclude_.Matches(device)) continue;
      const std::string major(f[0]), minor(f[1]);
      const UdevProperties udev = Udev(major + ":" + minor);
      info.samples.push_back({"",
                              {{"device", device},
                               {"major", major},
                               {"minor", minor},
                               {"model", udev.Get(kIdModel)},
                               {"path", udev.Get(kIdPath)},
                               {"revision", udev.Get(kIdRevision)},
                               {"serial", udev.Get(kIdSerialShort)},
                               {"wwn", udev.Get(kIdWwn)}},
                              1});
      // Older kernels have 11 columns (no discards), 4.18–5.4 have 15 (no flushes).
      for (size_t i = 0; i < std::size(kDiskFields) && i + 3 < f.size(); ++i) {
        uint64_t v = 0;
        if (!ParseU64(f[i + 3], &v)) continue;
        families[i].samples.push_back(
            {"", {{"device", device}}, static_cast<double>(v) * kDiskFields[i].scale});
      }
      if (const std::string& type = udev.Get(kIdFsType); !type.empty()) {
        filesystem.samples.push_back({"",
                                      {{"device", device},
                                       {"type", type},
                                       {"usage", udev.Get(kIdFsUsage)},
                                       {"uuid", udev.Get(kIdFsUuid)},
                                       {"version", udev.Get(kIdFsVersion)}},
                                      1});
      }
      if (const std::string& name = udev.Get(kDmName); !name.empty()) {
        device_mapper.samples.push_back({"",
                                         {{"device", device},
                                          {"lv_layer", udev.Get(kDmLvLayer)},
                                          {"lv_name", udev.Get(kDmLvName)},
                                          {"name", name},
                                          {"uuid", udev.Get(kDmUuid)},
                                          {"vg_name", udev.Get(kDmVgName)}},
                                         1});
      }
      if (!udev.Get(kIdAta).empty()) {
        // A property missing or not a number is left out (node_exporter logs it).
        for (size_t i = 0; i < std::size(kAtaProperties); ++i) {
          double v = 0;
          if (ParseDouble(udev.Get(kAtaProperties[i].key), &v)) {
            ata[i].samples.push_back({"", {{"device", device}}, v});
          }
        }
      }
    }
    out->push_back(std::move(info));
    for (Family& f : families) out->push_back(std::move(f));
    out->push_back(std::move(filesystem));
    out->push_back(std::move(device_mapper));
    for (Family& f : ata) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  // The udev properties of block device "major:minor"; none when its database entry is missing,
  // unreadable or too long (node_exporter logs that at debug and serves node_disk_info with empty
  // labels). Read at every scrape, as node_exporter does: udevd rewrites an entry while the
  // device stays (a filesystem made on it), and parsing only the wanted keys keeps it cheap.
  UdevProperties Udev(const std::string& device_number) const {
    auto text = fleet::ReadFileText(paths_.udev_data + "/b" + device_number, kMaxUdevFile);
    return text.ok() ? ParseUdevProperties(*text) : UdevProperties{};
  }

  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
  RegexFilter exclude_;
};

}  // namespace

std::unique_ptr<Collector> NewDiskstatsCollector(const CollectorOptions& o) {
  return std::make_unique<DiskstatsCollector>(o.paths, o.diskstats_device_exclude);
}

}  // namespace agent
