#include "agent/container/cgroups.h"

#include <sys/stat.h>

#include <algorithm>

#include "agent/procfs.h"

namespace agent {

std::unique_ptr<Cgroups> DetectCgroups(const std::string& root, const std::string& procfs) {
  struct stat st {};
  if (::stat((root + "/cgroup.controllers").c_str(), &st) == 0) return NewCgroupsV2(root, procfs);
  return NewCgroupsV1(root);
}

KeyValues::KeyValues(OpenFiles& files, const std::string& path) {
  auto text = files.Read(path);
  if (!text.ok()) return;
  text_ = std::move(*text);
  for (std::string_view line : Lines(text_)) {
    const size_t space = line.find(' ');
    uint64_t v = 0;
    if (space != std::string_view::npos && ParseU64(line.substr(space + 1), &v)) {
      entries_.emplace_back(line.substr(0, space), v);
    }
  }
}

uint64_t KeyValues::operator[](std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return 0;
}

bool KeyValues::Has(std::string_view key) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
}

std::vector<int> ReadPids(OpenFiles& files, const std::string& path) {
  std::vector<int> pids;
  auto text = files.Read(path);
  if (!text.ok()) return pids;
  for (std::string_view line : Lines(*text)) {
    uint64_t pid = 0;
    // Linux's pid_max is at most 2^22.
    if (ParseU64(line, &pid) && pid > 0 && pid <= (1u << 22)) pids.push_back(static_cast<int>(pid));
  }
  return pids;
}

double DirMtime(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
}

namespace {
// "docker-<id>.scope", the systemd driver's name for a container's cgroup.
bool IsDockerScope(const std::string& unit) {
  const std::string prefix = "docker-", suffix = ".scope";
  return unit.size() > prefix.size() + suffix.size() && unit.rfind(prefix, 0) == 0 &&
         unit.compare(unit.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::set<std::string> DockerIdsUnder(const std::string& hierarchy) {
  constexpr size_t kIdLength = 64;
  std::set<std::string> ids;
  for (const std::string& e : ListDir(hierarchy + "/docker")) {
    if (e.size() == kIdLength) ids.insert(e);
  }
  constexpr size_t kScopeLength = std::string_view("docker-.scope").size() + kIdLength;
  for (const std::string& e : ListDir(hierarchy + "/system.slice")) {
    if (e.size() == kScopeLength && IsDockerScope(e)) ids.insert(e.substr(7, kIdLength));
  }
  return ids;
}

std::vector<std::string> SystemCgroupsUnder(const std::string& hierarchy) {
  std::vector<std::string> out;
  if (IsDirectory(hierarchy)) out.push_back("/");
  if (!IsDirectory(hierarchy + "/system.slice")) return out;
  out.push_back("/system.slice");
  for (const std::string& unit : ListDir(hierarchy + "/system.slice")) {
    if (!IsDockerScope(unit) && IsDirectory(hierarchy + "/system.slice/" + unit)) {
      out.push_back("/system.slice/" + unit);
    }
  }
  return out;
}

std::vector<std::string> DockerCgroupCandidates(const std::string& id) {
  return {"/docker/" + id, "/system.slice/docker-" + id + ".scope"};
}

}  // namespace agent
