#include "agent/collectors/bounded_statfs.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace agent {

struct BoundedStatfs::StuckSet {
  std::mutex mu;
  std::set<std::string> paths;

  bool Contains(const std::string& path) {
    std::lock_guard lock(mu);
    return paths.count(path) > 0;
  }
};

// One thread and its mailbox: a request in, a result out, both under mu.
struct BoundedStatfs::Worker {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::string> request;
  bool answered = false;
  int rc = 0;
  int error = 0;
  struct statvfs st {};
  bool abandoned = false;  // stuck in a call, or its owner went away: exit after this call

  static void Run(std::shared_ptr<Worker> w, std::shared_ptr<StuckSet> stuck, StatFn stat) {
    std::unique_lock lock(w->mu);
    for (;;) {
      w->cv.wait(lock, [&] { return w->abandoned || w->request.has_value(); });
      if (!w->request) return;
      const std::string path = *w->request;
      lock.unlock();
      struct statvfs st {};
      const int rc = stat(path.c_str(), &st);
      const int error = errno;
      lock.lock();
      w->request.reset();
      w->rc = rc;
      w->error = error;
      w->st = st;
      w->answered = true;
      w->cv.notify_all();
      if (w->abandoned) {
        std::lock_guard stuck_lock(stuck->mu);
        if (stuck->paths.erase(path) > 0) spdlog::info("filesystem: statfs of {} returned", path);
        return;
      }
    }
  }
};

BoundedStatfs::BoundedStatfs(std::chrono::milliseconds timeout)
    : timeout_(timeout), stuck_(std::make_shared<StuckSet>()) {}

BoundedStatfs::~BoundedStatfs() {
  if (!worker_) return;
  std::lock_guard lock(worker_->mu);
  worker_->abandoned = true;
  worker_->cv.notify_all();
}

BoundedStatfs::Outcome BoundedStatfs::Stat(const std::string& path, struct statvfs* out) {
  if (stuck_->Contains(path)) return Outcome::kStuck;
  if (!worker_) {
    worker_ = std::make_shared<Worker>();
    std::thread(Worker::Run, worker_, stuck_, stat_).detach();
  }
  Worker& w = *worker_;
  std::unique_lock lock(w.mu);
  w.request = path;
  w.answered = false;
  w.cv.notify_all();
  if (!w.cv.wait_for(lock, timeout_, [&] { return w.answered; })) {
    // Under the worker's lock: it either answered before this (and the wait saw it) or will
    // see `abandoned` when the call returns, and then takes the path off the stuck set.
    w.abandoned = true;
    {
      std::lock_guard stuck_lock(stuck_->mu);
      stuck_->paths.insert(path);
    }
    lock.unlock();
    worker_.reset();
    spdlog::warn("filesystem: statfs of {} did not return within {} ms; skipping that mount point "
                 "until it does", path, timeout_.count());
    return Outcome::kStuck;
  }
  if (w.rc != 0) {
    errno = w.error;
    return Outcome::kError;
  }
  *out = w.st;
  return Outcome::kOk;
}

}  // namespace agent
