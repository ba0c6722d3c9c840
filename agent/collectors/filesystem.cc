// node_filesystem_* for each mount of the host (from init's mount table), filtered by mount point
// and fs type with node_exporter's default exclusions, sizes from statfs(2) under the rootfs path.
#include <sys/statvfs.h>

#include <cctype>
#include <cerrno>
#include <set>

#include "agent/collectors/bounded_statfs.h"
#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

struct FilesystemFamily {
  const char* name;
  const char* help;
};

const FilesystemFamily kSize{"node_filesystem_size_bytes", "Filesystem size in bytes."};
const FilesystemFamily kFree{"node_filesystem_free_bytes", "Filesystem free space in bytes."};
const FilesystemFamily kAvail{"node_filesystem_avail_bytes",
                              "Filesystem space available to non-root users in bytes."};
const FilesystemFamily kFiles{"node_filesystem_files", "Filesystem total file nodes."};
const FilesystemFamily kFilesFree{"node_filesystem_files_free",
                                  "Filesystem total free file nodes."};
const FilesystemFamily kReadonly{"node_filesystem_readonly", "Filesystem read-only status."};
const FilesystemFamily kDeviceError{
    "node_filesystem_device_error",
    "Whether an error occurred while getting statistics for the given device."};

class FilesystemCollector : public Collector {
 public:
  FilesystemCollector(HostPaths paths, const std::string& mount_points_exclude,
                      const std::string& fs_types_exclude, std::chrono::milliseconds mount_timeout)
      : paths_(std::move(paths)),
        mount_points_exclude_(mount_points_exclude),
        fs_types_exclude_(fs_types_exclude),
        statfs_(mount_timeout) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    fleet::Result<std::string> mounts = files_.Read(paths_.Proc("1/mounts"));
    if (!mounts.ok()) mounts = files_.Read(paths_.Proc("mounts"));
    if (!mounts.ok()) return mounts.status();

    std::vector<Family> families;
    for (const FilesystemFamily* f :
         {&kAvail, &kDeviceError, &kFiles, &kFilesFree, &kFree, &kReadonly, &kSize}) {
      families.push_back({f->name, f->help, Type::kGauge, {}});
    }
    auto add = [&](const FilesystemFamily& f, const Labels& labels, double v) {
      for (Family& fam : families) {
        if (fam.name == f.name) fam.samples.push_back({"", labels, v});
      }
    };
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    for (std::string_view line : Lines(*mounts)) {
      auto f = Fields(line);
      if (f.size() < 4) continue;
      const std::string device = DecodeMountEscapes(f[0]);
      const std::string mount_point = DecodeMountEscapes(f[1]);
      const std::string fs_type(f[2]);
      if (mount_points_exclude_.Matches(mount_point) || fs_types_exclude_.Matches(fs_type)) {
        continue;
      }
      // A mount point listed twice (bind mounts, stacked mounts) is reported once.
      if (!seen.emplace(device, mount_point, fs_type).second) continue;
      const Labels labels = {{"device", device}, {"fstype", fs_type}, {"mountpoint", mount_point}};
      const std::string options = "," + std::string(f[3]) + ",";
      add(kReadonly, labels, options.find(",ro,") != std::string::npos ? 1 : 0);

      struct statvfs st {};
      const std::string path =
          paths_.rootfs == "/" ? mount_point : paths_.rootfs + mount_point;
      if (statfs_.Stat(path, &st) != BoundedStatfs::Outcome::kOk) {  // failed, or stuck
        add(kDeviceError, labels, 1);
        continue;
      }
      add(kDeviceError, labels, 0);
      // node_exporter multiplies by the block size (f_bsize), not the fragment size.
      const double bsize = static_cast<double>(st.f_bsize);
      add(kSize, labels, static_cast<double>(st.f_blocks) * bsize);
      add(kFree, labels, static_cast<double>(st.f_bfree) * bsize);
      add(kAvail, labels, static_cast<double>(st.f_bavail) * bsize);
      add(kFiles, labels, static_cast<double>(st.f_files));
      add(kFilesFree, labels, static_cast<double>(st.f_ffree));
    }
    for (Family& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
  OpenFiles files_;  // its procfs files, kept open between scrapes
  RegexFilter mount_points_exclude_;
  RegexFilter fs_types_exclude_;
  BoundedStatfs statfs_;
};

}  // namespace

std::unique_ptr<Collector> NewFilesystemCollector(const CollectorOptions& o) {
  return std::make_unique<FilesystemCollector>(o.paths, o.filesystem_mount_points_exclude,
                                               o.filesystem_fs_types_exclude, o.filesystem_mount_timeout);
}

}  // namespace agent
