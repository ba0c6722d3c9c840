// node_tape_* per SCSI tape drive (/sys/class/scsi_tape/st<N>/stats), as node_exporter 1.5's
// tapestats collector reads them through procfs' sysfs.SCSITapeClass: the nst/st<N>[a-b] variants
// of a drive are skipped (one drive, one set of series); a drive without a readable stats
// directory fails the scrape. Times in ns become seconds.
#include <re2/re2.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// Files of stats/, served as node_tape_<metric>.
constexpr FileMetric kCounters[] = {
    {"in_flight", "io_now", Type::kGauge, 1, "The number of I/Os currently outstanding to this device."},
    {"io_ns", "io_time_seconds_total", Type::kCounter, 1e-9,
     "The amount of time spent waiting for all I/O to complete (including read and write). This includes "
     "tape movement commands such as seeking between file or set marks and implicit tape movement such as "
     "when rewind on close tape devices are used."},
    {"other_cnt", "io_others_total", Type::kCounter, 1,
     "The number of I/Os issued to the tape drive other than read or write commands. The time taken to "
     "complete these commands uses the following calculation "
     "io_time_seconds_total-read_time_seconds_total-write_time_seconds_total"},
    {"read_byte_cnt", "read_bytes_total", Type::kCounter, 1, "The number of bytes read from the tape drive."},
    {"read_cnt", "reads_completed_total", Type::kCounter, 1, "The number of read requests issued to the tape drive."},
    {"read_ns", "read_time_seconds_total", Type::kCounter, 1e-9,
     "The amount of time spent waiting for read requests to complete."},
    {"resid_cnt", "residual_total", Type::kCounter, 1,
     "The number of times during a read or write we found the residual amount to be non-zero. This should "
     "mean that a program is issuing a read larger thean the block size on tape. For write not all data "
     "made it to tape."},
    {"write_byte_cnt", "written_bytes_total", Type::kCounter, 1, "The number of bytes written to the tape drive."},
    {"write_cnt", "writes_completed_total", Type::kCounter, 1, "The number of write requests issued to the tape drive."},
    {"write_ns", "write_time_seconds_total", Type::kCounter, 1e-9,
     "The amount of time spent waiting for write requests to complete."},
};

class TapestatsCollector : public Collector {
 public:
  explicit TapestatsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    static const RE2 kDrive("st[0-9]+");
    const std::string root = paths_.Sys("class/scsi_tape");
    if (::access(root.c_str(), F_OK) != 0) return NoData(root);
    std::vector<Family> families;
    for (const FileMetric& c : kCounters) families.push_back({std::string("node_tape_") + c.metric, c.help, c.type, {}});
    for (const std::string& drive : ListDir(root)) {
      if (!RE2::FullMatch(drive, kDrive)) continue;
      const std::string stats = root + "/" + drive + "/stats/";
      std::map<std::string, uint64_t> values;  // every counter is 0 unless its file says otherwise
      for (const std::string& file : ListDir(stats)) {
        std::string text;
        if (const int error = SysReadFile(stats + file, &text); error != 0) {
          return fleet::Status::Unavailable("reading " + stats + file + ": " + std::strerror(error));
        }
        uint64_t value = 0;
        if (!ParseU64(TrimSpace(text), &value)) return fleet::Status::Invalid(stats + file + ": not a counter");
        values[file] = value;
      }
      if (values.empty() && ::access(stats.c_str(), F_OK) != 0) {
        return fleet::Status::Unavailable("reading " + stats + ": " + std::strerror(errno));
      }
      for (size_t i = 0; i < std::size(kCounters); ++i) {
        families[i].samples.push_back({"", {{"device", drive}}, double(values[kCounters[i].file]) * kCounters[i].scale});
      }
    }
    for (auto& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewTapestatsCollector(const CollectorOptions& o) {
  return std::make_unique<TapestatsCollector>(o.paths);
}

}  // namespace agent
