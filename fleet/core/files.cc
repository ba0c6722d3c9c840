#include "fleet/core/files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace fleet {

Result<std::string> ReadFileText(const std::string& path, size_t max_bytes, FileKind kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("cannot read " + path);
  std::string text;
  char buf[8192];  // on the stack: a procfs file fits, and the string is allocated once for it
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::Unavailable(path + ": " + std::strerror(err));
    }
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return Status::Invalid(path + ": longer than " + std::to_string(max_bytes) + " bytes");
    }
    text.append(buf, static_cast<size_t>(n));
    if (n == 0 || (kind == FileKind::kKernel && static_cast<size_t>(n) < sizeof buf)) break;
  }
  ::close(fd);
  return text;
}

Result<std::string> ReadTrimmedFile(const std::string& path) {
  auto text = ReadFileText(path);
  if (!text.ok()) return text;
  std::string t = std::move(*text);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  return t;
}

void RaiseOpenFileLimit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

}  // namespace fleet
