// A gzip-compressed POSIX ustar archive of in-memory files, for the support bundle.
//
// Written with zlib rather than libarchive: the agent's bundle carries every shared library it
// links, and libarchive brings libxml2 and ICU with it (~37 MB on Debian 12) to every host, for
// the few regular files a bundle holds.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "fleet/core/status.h"

namespace agent {

class TarGzWriter {
 public:
  explicit TarGzWriter(std::time_t mtime) : mtime_(mtime) {}
  // A regular file; names are relative ("config.yaml", "proc/limits"), at most 100 bytes.
  fleet::Status Add(const std::string& name, std::string_view content, int mode = 0644);
  // The .tar.gz bytes (end-of-archive blocks included); the writer is done after this.
  fleet::Result<std::string> Finish();

 private:
  std::time_t mtime_;
  std::string tar_;
};

}  // namespace agent
