#include "agent/config_watcher.h"

#include "agent/config/agent_config.h"
#include "fleet/core/crypto.h"
#include "fleet/core/files.h"

namespace agent {

ConfigWatcher::ConfigWatcher(std::string path) : path_(std::move(path)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    mtime_ = st.st_mtim;
    size_ = st.st_size;
  }
}

void ConfigWatcher::Seen(const std::string& content) { sha256_ = fleet::Sha256Hex(content); }

bool ConfigWatcher::Changed() {
  struct stat st {};
  if (path_.empty() || ::stat(path_.c_str(), &st) != 0) return false;  // gone: keep running
  if (st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec && st.st_size == size_) {
    return false;
  }
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  auto content = ReadConfigFile(path_);
  if (!content.ok()) return false;
  const std::string sha = fleet::Sha256Hex(*content);
  if (sha == sha256_) return false;
  sha256_ = sha;
  return true;
}

}  // namespace agent
