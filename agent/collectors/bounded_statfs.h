// statvfs(2) with a deadline. On a mount whose server is gone (a hung NFS export, a dead FUSE
// daemon) statvfs blocks, uninterruptibly, and a scrape would hang with it. As node_exporter does
// (--collector.filesystem.mount-timeout), each call gets a deadline; a mount point whose call
// overran is stuck: reported as a device error and not asked again until that call returns.
//
// Calls run on one worker thread, so a scrape starts no thread; a worker left blocked in a
// stuck call is abandoned (it ends when the call returns) and the next call starts a new one.
#pragma once

#include <sys/statvfs.h>

#include <chrono>
#include <memory>
#include <string>

namespace agent {

class BoundedStatfs {
 public:
  enum class Outcome { kOk, kError, kStuck };

  explicit BoundedStatfs(std::chrono::milliseconds timeout);
  ~BoundedStatfs();
  BoundedStatfs(const BoundedStatfs&) = delete;
  BoundedStatfs& operator=(const BoundedStatfs&) = delete;

  // kStuck: the call overran the timeout now or earlier and has not returned yet.
  Outcome Stat(const std::string& path, struct statvfs* out);

  // Tests stand in for statvfs(2), e.g. with one that blocks.
  using StatFn = int (*)(const char*, struct statvfs*);
  void set_stat_for_testing(StatFn fn) { stat_ = fn; }

 private:
  struct Worker;
  struct StuckSet;

  const std::chrono::milliseconds timeout_;
  StatFn stat_ = ::statvfs;
  std::shared_ptr<StuckSet> stuck_;
  std::shared_ptr<Worker> worker_;  // null until the first call, and after one got stuck
};

}  // namespace agent
