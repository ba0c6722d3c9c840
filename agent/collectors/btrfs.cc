// node_btrfs_* per mounted Btrfs filesystem, from /sys/fs/btrfs/<uuid>, as node_exporter 1.5's
// btrfs collector reads it through procfs' btrfs.Stats: node_btrfs_info{label}, the global
// reserve, per block group type (data, metadata, system) the reserved bytes and per layout
// (single, dup, raid0/1/5/6/10) used and allocated bytes and the allocation ratio, and each
// device's size.
//
// node_exporter also asks each mounted filesystem by ioctl for per-device error counters
// (node_btrfs_device_errors_total) and unused bytes, and then labels devices with their btrfs
// UUID; where that fails (no permission, not mounted here) it serves exactly what this collector
// serves. The agent does not make those ioctls yet: no test host here has a Btrfs mount to prove
// them on, and untested ioctl struct layouts are not shipped.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

constexpr uint64_t kSectorBytes = 512;  // sysfs sizes count 512-byte sectors, whatever the device's

// Reads attributes below one directory as procfs' btrfs reader does: an absent file is "" / 0, a
// file that cannot be read fails the whole filesystem's stats.
class Reader {
 public:
  explicit Reader(std::string dir) : dir_(std::move(dir)) {}
  std::string Text(const std::string& name) {
    std::string text;
    if (const int error = SysReadFile(dir_ + "/" + name, &text); error != 0) {
      if (error != ENOENT && status_.ok()) status_ = fleet::Status::Unavailable("reading " + dir_ + "/" + name + ": " + std::strerror(error));
      return "";
    }
    return TrimSpace(text);
  }
  uint64_t Value(const std::string& name) {
    uint64_t v = 0;
    ParseU64(Text(name), &v);  // procfs ignores a value that is not a number (0)
    return v;
  }
  const fleet::Status& status() const { return status_; }

 private:
  std::string dir_;
  fleet::Status status_ = fleet::Status::Ok();
};

// procfs' calcRatio: how many bytes of disk a byte of the layout takes.
double AllocationRatio(const std::string& layout, size_t devices) {
  if (layout == "single" || layout == "raid0") return 1;
  if (layout == "dup" || layout == "raid1" || layout == "raid10") return 2;
  if (layout == "raid5") return double(devices) / (double(devices) - 1);
  if (layout == "raid6") return double(devices) / (double(devices) - 2);
  return 0;
}

fleet::Status CollectFilesystem(const std::string& dir, FamiliesByName* out) {
  Reader fs(dir);
  const std::string devices_dir = dir + "/devices";
  if (::access(devices_dir.c_str(), F_OK) != 0) {
    return fleet::Status::Unavailable("reading " + devices_dir + ": " + std::strerror(errno));
  }
  const std::vector<std::string> devices = ListDir(devices_dir);
  std::vector<uint64_t> device_sizes;
  for (const std::string& device : devices) device_sizes.push_back(kSectorBytes * fs.Value("devices/" + device + "/size"));
  const std::string label = fs.Text("label");
  std::string uuid = fs.Text("metadata_uuid");
  if (uuid.empty()) uuid = dir.substr(dir.rfind('/') + 1);
  const uint64_t global_rsv = fs.Value("allocation/global_rsv_size");
  struct Layout {
    std::string type, mode;
    uint64_t used, total;
  };
  std::vector<std::pair<std::string, uint64_t>> reserved;  // block group type, bytes
  std::vector<Layout> layouts;
  for (const char* type : {"data", "metadata", "system"}) {
    const std::string group = dir + "/allocation/" + type;
    Reader r(group);
    reserved.push_back({type, r.Value("bytes_reserved")});
    if (::access(group.c_str(), F_OK) != 0) {
      return fleet::Status::Unavailable("reading " + group + ": " + std::strerror(errno));
    }
    for (const std::string& mode : ListDir(group)) {
      if (!IsDirectory(group + "/" + mode)) continue;
      layouts.push_back({type, mode, r.Value(mode + "/used_bytes"), r.Value(mode + "/total_bytes")});
    }
    if (!r.status().ok()) return r.status();
  }
  if (!fs.status().ok()) return fs.status();

  const std::string uuid_label = fleet::ValidUtf8(uuid);
  out->Add("node_btrfs_info", "Filesystem information", Type::kGauge, {{"uuid", uuid_label}, {"label", fleet::ValidUtf8(label)}}, 1);
  out->Add("node_btrfs_global_rsv_size_bytes", "Size of global reserve.", Type::kGauge, {{"uuid", uuid_label}}, double(global_rsv));
  for (const auto& [type, bytes] : reserved) {
    out->Add("node_btrfs_reserved_bytes", "Amount of space reserved for a data type", Type::kGauge,
             {{"uuid", uuid_label}, {"block_group_type", type}}, double(bytes));
  }
  for (const Layout& l : layouts) {
    const Labels labels = {{"uuid", uuid_label}, {"block_group_type", l.type}, {"mode", fleet::ValidUtf8(l.mode)}};
    out->Add("node_btrfs_used_bytes", "Amount of used space by a layout/data type", Type::kGauge, labels, double(l.used));
    out->Add("node_btrfs_size_bytes", "Amount of space allocated for a layout/data type", Type::kGauge, labels, double(l.total));
    out->Add("node_btrfs_allocation_ratio", "Data allocation ratio for a layout/data type", Type::kGauge, labels,
             AllocationRatio(l.mode, devices.size()));
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    out->Add("node_btrfs_device_size_bytes", "Size of a device that is part of the filesystem.", Type::kGauge,
             {{"uuid", uuid_label}, {"device", fleet::ValidUtf8(devices[i])}}, double(device_sizes[i]));
  }
  return fleet::Status::Ok();
}

class BtrfsCollector : public Collector {
 public:
  explicit BtrfsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    FamiliesByName families;
    for (const std::string& dir : Glob(paths_.Sys("fs/btrfs/*-*"))) {
      if (auto st = CollectFilesystem(dir, &families); !st.ok()) return st;
    }
    families.MoveTo(out);
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewBtrfsCollector(const CollectorOptions& o) { return std::make_unique<BtrfsCollector>(o.paths); }

}  // namespace agent
