#include "controller/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fleet/core/crypto.h"
#include "fleet/core/files.h"

namespace controller {

fleet::Result<std::string> ReadOrCreateSecretFile(const std::string& path) {
  if (auto existing = fleet::ReadTrimmedFile(path); existing.ok()) {
    std::string v = std::move(*existing);
    if (v.empty()) return fleet::Status::Invalid(path + " is empty");
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      return fleet::Status::Invalid(path + " is readable by group or others; chmod 600 it");
    }
    return v;
  }
  std::string value = fleet::RandomHex(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fleet::Status::Unavailable("creating " + path + ": " + std::strerror(errno));
  std::string line = value + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return fleet::Status::Unavailable("writing " + path + ": " + std::strerror(errno));
  return value;
}

}  // namespace controller
