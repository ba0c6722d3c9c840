#include "agent/memory/cgroup_memory_limit.h"

#include <filesystem>
#include <vector>

#include "agent/procfs.h"

namespace agent {
namespace {

// v1 writes "no limit" as PAGE_COUNTER_MAX pages in bytes (0x7FFFFFFFFFFFF000 with 4 KiB pages,
// a little less with larger pages); nothing real comes near 2^62.
constexpr uint64_t kV1Unlimited = uint64_t{1} << 62;

struct CgroupMount {
  std::string root;         // the cgroup directory mounted there ("/" on a host)
  std::string mount_point;  // where it is mounted
};

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto octal = [&](size_t j) { return j < s.size() && s[j] >= '0' && s[j] <= '7'; };
    if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 3)), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool HasOption(std::string_view options, std::string_view want) {
  size_t start = 0;
  while (start <= options.size()) {
    size_t end = options.find(',', start);
    if (end == std::string_view::npos) end = options.size();
    if (options.substr(start, end - start) == want) return true;
    start = end + 1;
  }
  return false;
}

bool UnderRoot(const std::string& path, const std::string& root) {
  return root == "/" || path == root || path.rfind(root + "/", 0) == 0;
}

// The memory cgroup mounts in mountinfo: v1 ones carry "memory" in their super options, v2 is
// the cgroup2 filesystem. Of several, the one whose root contains `path`.
std::optional<CgroupMount> FindMount(const std::string& mountinfo, int version,
                                     const std::string& path) {
  std::optional<CgroupMount> found;
  for (std::string_view line : Lines(mountinfo)) {
    // id parent major:minor root mount-point options [optional fields...] - fstype source super
    const auto f = Fields(line);
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (sep + 3 >= f.size()) continue;
    const std::string_view fstype = f[sep + 1];
    const bool memory = version == 1 ? fstype == "cgroup" && HasOption(f[sep + 3], "memory")
                                     : fstype == "cgroup2";
    if (!memory) continue;
    CgroupMount mount{Unescape(f[3]), Unescape(f[4])};
    if (UnderRoot(path, mount.root)) return mount;
    if (!found) found = mount;
  }
  return found;
}

// The process's cgroup directory inside the mount. When the path is not under the mount's root
// (a cgroup namespace shows paths relative to a root the mount table does not name) the mount
// itself is the process's cgroup, as container runtimes mount it.
std::string DirUnder(const CgroupMount& mount, const std::string& path) {
  if (!UnderRoot(path, mount.root)) return mount.mount_point;
  std::string rest = mount.root == "/" ? path : path.substr(mount.root.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  return mount.mount_point == "/" && !rest.empty() ? rest : mount.mount_point + rest;
}

std::optional<uint64_t> ParseLimit(const std::string& text, int version) {
  if (version == 2 && text == "max") return std::nullopt;
  uint64_t v = 0;
  if (!ParseU64(text, &v) || (version == 1 && v >= kV1Unlimited)) return std::nullopt;
  return v;
}

// The lowest limit from `dir` up to the mount point.
CgroupMemoryLimit LowestLimit(const CgroupProbe& probe, const CgroupMount& mount,
                              const std::string& dir, int version) {
  CgroupMemoryLimit out;
  out.version = version;
  const char* leaf = version == 1 ? "memory.limit_in_bytes" : "memory.max";
  std::filesystem::path d = dir;
  while (true) {
    const std::string file = probe.root + (d / leaf).string();
    const std::string text = ReadTrimmed(file);
    if (auto limit = ParseLimit(text, version); limit && (!out.bytes || *limit < *out.bytes)) {
      out.bytes = limit;
      out.file = file;
    }
    if (d.string().size() <= mount.mount_point.size() || !d.has_relative_path()) break;
    d = d.parent_path();
  }
  return out;
}

}  // namespace

fleet::Result<CgroupMemoryLimit> DetectCgroupMemoryLimit(const CgroupProbe& probe) {
  auto self = fleet::ReadKernelFile(probe.self_cgroup);
  if (!self.ok()) return self.status();
  const std::string mountinfo = ReadTrimmed(probe.mountinfo);
  // hierarchy-id:controller-list:path; v2 is "0::path". The v1 memory controller wins on a
  // hybrid host, where the cgroup2 mount has no memory controller.
  std::optional<std::string> v1_path, v2_path;
  for (std::string_view line : Lines(*self)) {
    const size_t a = line.find(':');
    const size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, a), controllers = line.substr(a + 1, b - a - 1);
    std::string path(line.substr(b + 1));
    if (HasOption(controllers, "memory")) v1_path = path;
    if (id == "0" && controllers.empty()) v2_path = path;
  }
  for (int version : {1, 2}) {
    const auto& path = version == 1 ? v1_path : v2_path;
    if (!path) continue;
    auto mount = FindMount(mountinfo, version, *path);
    if (!mount) continue;
    return LowestLimit(probe, *mount, DirUnder(*mount, *path), version);
  }
  return CgroupMemoryLimit{};
}

}  // namespace agent
