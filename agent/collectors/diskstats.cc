// node_disk_* per block device from /proc/diskstats (sectors are 512 bytes, times are ms), plus
// node_disk_info with udev properties when udev's database is there.
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

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

class DiskstatsCollector : public Collector {
 public:
  DiskstatsCollector(HostPaths paths, const std::string& exclude)
      : paths_(std::move(paths)), exclude_(exclude) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    auto text = files_.Read(paths_.Proc("diskstats"));
    if (!text.ok()) return text.status();
    std::vector<Family> families;
    for (const DiskField& d : kDiskFields) families.push_back({d.name, d.help, d.type, {}});
    Family info{"node_disk_info", "Info of /sys/block/<block_device>.", Type::kGauge, {}};
    for (std::string_view line : Lines(*text)) {
      auto f = Fields(line);
      if (f.size() < 4) continue;
      const std::string device(f[2]);
      if (exclude_.Matches(device)) continue;
      const std::string major(f[0]), minor(f[1]);
      auto udev = Udev(major, minor);
      info.samples.push_back({"",
                              {{"device", device},
                               {"major", major},
                               {"minor", minor},
                               {"model", udev["ID_MODEL"]},
                               {"path", udev["ID_PATH"]},
                               {"revision", udev["ID_REVISION"]},
                               {"serial", udev["ID_SERIAL_SHORT"]},
                               {"wwn", udev["ID_WWN"]}},
                              1});
      // Older kernels have 11 columns (no discards), 4.18–5.4 have 15 (no flushes).
      for (size_t i = 0; i < std::size(kDiskFields) && i + 3 < f.size(); ++i) {
        uint64_t v = 0;
        if (!ParseU64(f[i + 3], &v)) continue;
        families[i].samples.push_back(
            {"", {{"device", device}}, static_cast<double>(v) * kDiskFields[i].scale});
      }
    }
    out->push_back(std::move(info));
    for (Family& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  // Properties ("E:KEY=value" lines) from udev's database entry for a block device, if any.
  std::map<std::string, std::string> Udev(const std::string& major, const std::string& minor) {
    std::map<std::string, std::string> props;
    auto text = fleet::ReadFileText(paths_.udev_data + "/b" + major + ":" + minor);
    if (!text.ok()) return props;
    for (std::string_view line : Lines(*text)) {
      if (line.substr(0, 2) != "E:") continue;
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      props[std::string(line.substr(2, eq - 2))] = std::string(line.substr(eq + 1));
    }
    return props;
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
