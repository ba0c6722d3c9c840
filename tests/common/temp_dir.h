// A scratch directory for tests of every tier: files only, no processes, no sockets.
#pragma once

#include <filesystem>
#include <string>

namespace testsupport {

// A directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string Write(const std::string& relative, const std::string& content, int mode = 0644) const;

 private:
  std::filesystem::path path_;
};

}  // namespace testsupport
