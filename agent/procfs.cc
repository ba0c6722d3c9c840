#include "agent/procfs.h"

#include <dirent.h>
#include <glob.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace agent {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n'; }

std::string TrimTrailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The whole content of a generated file from offset 0; errno's message on failure.
fleet::Result<std::string> ReadFromStart(int fd) {
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fleet::Status::NotFound(std::strerror(errno));
    out.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  return out;
}

}  // namespace

OpenFiles::~OpenFiles() {
  for (const auto& [path, fd] : fds_) ::close(fd);
}

fleet::Result<std::string> OpenFiles::Read(const std::string& path) {
  std::lock_guard lock(mu_);
  if (auto it = fds_.find(path); it != fds_.end()) {
    auto text = ReadFromStart(it->second);
    if (text.ok()) return text;
    ::close(it->second);
    fds_.erase(it);
    if (on_error_ == OnReadError::kGone) {
      return fleet::Status::NotFound(path + ": " + text.status().message());
    }
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fleet::Status::NotFound(path + ": " + std::strerror(errno));
  auto text = ReadFromStart(fd);
  if (!text.ok()) {
    ::close(fd);
    return fleet::Status::NotFound(path + ": " + text.status().message());
  }
  fds_.emplace(path, fd);
  return text;
}

std::string OpenFiles::Trimmed(const std::string& path, const std::string& fallback) {
  auto content = Read(path);
  return content.ok() ? TrimTrailing(std::move(*content)) : fallback;
}

void OpenFiles::ForgetContaining(const std::string& part) {
  std::lock_guard lock(mu_);
  for (auto it = fds_.begin(); it != fds_.end();) {
    if (it->first.find(part) != std::string::npos) {
      ::close(it->second);
      it = fds_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string TrimSpace(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\n\r\v\f");
  if (first == std::string_view::npos) return "";
  return std::string(s.substr(first, s.find_last_not_of(" \t\n\r\v\f") + 1 - first));
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsUnsupportedAttribute(int error) { return error == ENOENT || error == EOPNOTSUPP || error == EINVAL; }

int SysReadFile(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  char buffer[128];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  const int error = n < 0 ? errno : 0;
  ::close(fd);
  if (n >= 0) out->assign(buffer, size_t(n));
  return error;
}

std::string ReadTrimmed(const std::string& path, const std::string& fallback) {
  auto content = fleet::ReadKernelFile(path);
  return content.ok() ? TrimTrailing(std::move(*content)) : fallback;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* out, int base) {
  if (base == 0) {
    if (s.starts_with("0x") || s.starts_with("0X")) return ParseU64(s.substr(2), out, 16);
    if (s.size() > 1 && s[0] == '0') return ParseU64(s.substr(1), out, 8);
    return ParseU64(s, out, 10);
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool ParseI64(std::string_view s, int64_t* out, int base) {
  const std::string text(s);  // strtoll wants a terminated string
  if (text.empty() || text[0] == ' ' || text[0] == '\t') return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, base);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  *out = v;
  return true;
}

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

bool ParseDouble(std::string_view s, double* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::string DecodeMountEscapes(std::string_view field) {
  std::string out;
  const auto octal = [&](size_t at, char max) { return field[at] >= '0' && field[at] <= max; };
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && octal(i + 1, '3') && octal(i + 2, '7') &&
        octal(i + 3, '7')) {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

void MeminfoKiB(std::string_view meminfo,
                std::initializer_list<std::pair<std::string_view, uint64_t*>> wanted) {
  for (std::string_view line : Lines(meminfo)) {
    auto f = Fields(line);
    if (f.size() < 2 || !f[0].ends_with(':')) continue;
    const std::string_view key = f[0].substr(0, f[0].size() - 1);
    uint64_t kib = 0;
    for (const auto& [name, out] : wanted) {
      if (key == name && ParseU64(f[1], &kib)) *out = kib;
    }
  }
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return names;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

size_t CountDirEntries(const std::string& path) {
  size_t n = 0;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return n;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
  }
  ::closedir(dir);
  return n;
}

void FamiliesByName::Add(const std::string& name, const std::string& help, fleet::metrics::Type type,
                         fleet::metrics::Labels labels, double value) {
  fleet::metrics::Family& f = by_name_[name];
  if (f.name.empty()) f = fleet::metrics::Family{name, help, type, {}};
  f.samples.push_back({"", std::move(labels), value});
}

void FamiliesByName::MoveTo(std::vector<fleet::metrics::Family>* out) {
  for (auto& [name, family] : by_name_) out->push_back(std::move(family));
  by_name_.clear();
}

fleet::metrics::Family Single(fleet::metrics::Type type, std::string name, std::string help,
                              double value, fleet::metrics::Labels labels) {
  return {std::move(name), std::move(help), type, {{"", std::move(labels), value}}};
}

}  // namespace agent
