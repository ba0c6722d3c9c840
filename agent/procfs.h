// Small helpers for reading procfs/sysfs/cgroupfs text files and building metric families.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/files.h"
#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent {

// /proc/stat and cpuacct.stat count in USER_HZ, which the kernel fixes at 100 for userspace on
// every architecture (whatever CONFIG_HZ is).
inline constexpr double kUserHz = 100.0;

// The file's content without the trailing newline, or `fallback` when it cannot be read.
std::string ReadTrimmed(const std::string& path, const std::string& fallback = "");
// One read(2) of at most 128 bytes into *out, as procfs' util.SysReadFile and node_exporter's
// hwmon collector read sysfs attributes: some broken drivers answer EAGAIN forever, which a
// buffered reader would retry. Returns 0, or the errno of the open or read (the callers skip
// ENOENT, EOPNOTSUPP or EINVAL as node_exporter does).
int SysReadFile(const std::string& path, std::string* out);
// Whether path is a regular file itself (lstat: a symlink is not, as Go's DirEntry.Type() sees a
// directory entry), and whether it is a directory once links are followed (stat, as os.Stat).
bool IsRegularFile(const std::string& path);
bool IsDirectory(const std::string& path);
// Whether SysReadFile's error means the driver does not offer the attribute (procfs skips those:
// ENOENT, EOPNOTSUPP, EINVAL) rather than a failure.
bool IsUnsupportedAttribute(int error);
// s without leading and trailing whitespace, as Go's strings.TrimSpace.
std::string TrimSpace(std::string_view s);
// Splits on runs of spaces, tabs and newlines; no empty fields.
std::vector<std::string_view> Fields(std::string_view line);
std::vector<std::string_view> Lines(std::string_view text);
// Whole-string number parsing; false on junk. base 16 for the kernel's hex tables (softnet_stat,
// net/stat/*, net/udp queues), without a 0x prefix; base 0 as Go's strconv.ParseUint(s, 0, 64)
// reads sysfs counters for procfs: 0x hex, a leading 0 octal, else decimal.
bool ParseU64(std::string_view s, uint64_t* out, int base = 10);
bool ParseDouble(std::string_view s, double* out);
// A signed integer as Go's strconv.ParseInt reads sysfs values; base 0 takes 0x hex and 0 octal
// prefixes (netclass's dev_id and flags are hex).
bool ParseI64(std::string_view s, int64_t* out, int base = 10);
// A field of /proc/mounts or mountinfo with the kernel's \ooo octal escapes (space, tab, newline,
// backslash) decoded; anything else is kept as written.
std::string DecodeMountEscapes(std::string_view field);
// /proc/meminfo's "Key:   N kB" lines: for each (key without the colon, out) wanted, sets *out
// to N (KiB) when the key is there; untouched otherwise. One pass over the text.
void MeminfoKiB(std::string_view meminfo,
                std::initializer_list<std::pair<std::string_view, uint64_t*>> wanted);
// The paths matching a glob(3) pattern, sorted; empty when none match.
std::vector<std::string> Glob(const std::string& pattern);
// Names of the entries of a directory (not . and ..), sorted; empty when it cannot be read.
std::vector<std::string> ListDir(const std::string& path);
// How many entries ListDir would return, without building the names (/proc/self/fd has one per
// open file, and the agent keeps hundreds of cgroup files open).
size_t CountDirEntries(const std::string& path);

// Files kept open between scrapes and re-read from offset 0 with pread: kernfs (cgroupfs,
// sysfs) and procfs's seq files regenerate the content on every read at 0, and skipping
// open/close makes a read ~10x cheaper — which is most of what the container collector spends
// (≈16 files per container) and the netclass collector (22 sysfs attributes per interface).
// Only for such generated files: a regular file replaced by a rename would be read from its old
// inode forever. A file that fails to read is closed and forgotten; what that means is the
// owner's to say:
//   kGone       the error is returned: the file is gone (a cgroup removed with its container),
//               and the owner learns what replaced it (the container collector relearns a
//               container's spec with its cgroup);
//   kReopen     the path is opened again once and read from the new file: a sysfs attribute of
//               an interface deleted and created again under the same name between two scrapes
//               reads as node_exporter, which opens it every time, would read it.
// Each kept file costs a descriptor (main raises the soft limit) and a page of kernel memory
// for its seq_file buffer, no process memory.
class OpenFiles {
 public:
  enum class OnReadError { kGone, kReopen };
  explicit OpenFiles(OnReadError on_error = OnReadError::kGone) : on_error_(on_error) {}
  ~OpenFiles();
  OpenFiles(const OpenFiles&) = delete;
  OpenFiles& operator=(const OpenFiles&) = delete;

  fleet::Result<std::string> Read(const std::string& path);
  std::string Trimmed(const std::string& path, const std::string& fallback = "");
  // Closes the files whose path contains `part` (e.g. a stopped container's cgroup).
  void ForgetContaining(const std::string& part);

 private:
  const OnReadError on_error_;
  std::mutex mu_;
  std::unordered_map<std::string, int> fds_;
};

// Families built sample by sample, for collectors whose names come from what they read (hwmon's
// sensor files, ZFS kstats): the first Add of a name sets its help and type.
class FamiliesByName {
 public:
  void Add(const std::string& name, const std::string& help, fleet::metrics::Type type,
           fleet::metrics::Labels labels, double value);
  // Appends the families, in name order, and leaves this empty.
  void MoveTo(std::vector<fleet::metrics::Family>* out);

 private:
  std::map<std::string, fleet::metrics::Family> by_name_;
};

// One value a collector reads from a file (relative to some directory) and serves as
// node_<subsystem>_<metric>, times scale.
struct FileMetric {
  const char* file;
  const char* metric;
  fleet::metrics::Type type;
  double scale;
  const char* help;
};

// A family with a single sample.
fleet::metrics::Family Single(fleet::metrics::Type type, std::string name, std::string help,
                              double value, fleet::metrics::Labels labels = {});

}  // namespace agent
