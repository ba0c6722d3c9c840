// Notices that the config file changed, for reload without a signal: polled by the daemon every
// few seconds, it compares the file's mtime and size and, when those moved, the SHA-256 of its
// bytes (an editor's save that rewrites the same bytes, or a `touch`, is no change). Polling, not
// inotify: it works the same when the file is replaced by rename (as the controller's delivery
// does) or lives on a filesystem without inotify.
#pragma once

#include <string>
#include <sys/stat.h>

namespace agent {

class ConfigWatcher {
 public:
  explicit ConfigWatcher(std::string path);
  // Records the content the agent just loaded (or tried to), so only later edits count.
  void Seen(const std::string& content);
  // True once per new content: the file's bytes differ from what Seen() last recorded.
  bool Changed();

 private:
  const std::string path_;
  std::string sha256_;
  struct timespec mtime_ {};
  off_t size_ = -1;
};

}  // namespace agent
