#include "agent/container/cgroups.h"

#include <sys/stat.h>

#include <algorithm>

#include "agent/procfs.h"

namespace agent {

std::unique_ptr<Cgroups> DetectCgroups(const std::string& root) {
  struct stat st {};
  if (::stat((root + "/cgroup.controllers").c_str(), &st) == 0) return NewCgroupsV2(root);
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

uint64_t CountLines(OpenFiles& files, const std::string& path, int* first) {
  auto text = files.Read(path);
  if (!text.ok()) return 0;
  auto lines = Lines(*text);
  if (first) {
    uint64_t pid = 0;
    *first = !lines.empty() && ParseU64(lines[0], &pid) ? static_cast<int>(pid) : 0;
  }
  return lines.size();
}

double DirMtime(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::set<std::string> DockerIdsUnder(const std::string& hierarchy) {
  constexpr size_t kIdLength = 64;
  std::set<std::string> ids;
  for (const std::string& e : ListDir(hierarchy + "/docker")) {
    if (e.size() == kIdLength) ids.insert(e);
  }
  const std::string prefix = "docker-", suffix = ".scope";
  for (const std::string& e : ListDir(hierarchy + "/system.slice")) {
    if (e.size() == prefix.size() + kIdLength + suffix.size() && e.rfind(prefix, 0) == 0 &&
        e.compare(e.size() - suffix.size(), suffix.size(), suffix) == 0) {
      ids.insert(e.substr(prefix.size(), kIdLength));
    }
  }
  return ids;
}

std::vector<std::string> DockerCgroupCandidates(const std::string& id) {
  return {"/docker/" + id, "/system.slice/docker-" + id + ".scope"};
}

}  // namespace agent
