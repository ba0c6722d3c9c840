#include "fleet/core/files.h"

#include <sys/resource.h>

#include <cctype>
#include <fstream>

namespace fleet {

Result<std::string> ReadFileText(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string text;
  char buf[16384];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    if (text.size() + static_cast<size_t>(in.gcount()) > max_bytes) {
      return Status::Invalid(path + ": longer than " + std::to_string(max_bytes) + " bytes");
    }
    text.append(buf, static_cast<size_t>(in.gcount()));
  }
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
