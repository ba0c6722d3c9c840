#include "controller/workqueue.h"

#include <algorithm>

namespace controller {

WorkQueue::WorkQueue(std::chrono::milliseconds base_backoff, std::chrono::milliseconds max_backoff,
                     Now now)
    : base_(base_backoff), max_(max_backoff), now_(std::move(now)) {}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (processing_.count(key)) {
    dirty_.insert(key);
    return;
  }
  if (queued_.insert(key).second) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return Add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  delayed_.emplace(now_() + delay, key);
  cv_.notify_all();  // waiters recompute when to look again
}

std::chrono::milliseconds WorkQueue::NextBackoff(const std::string& key) {
  std::lock_guard lock(mu_);
  int n = failures_.count(key) ? failures_[key] : 0;
  auto d = base_ * (1LL << std::min(n, 20));
  return std::min<std::chrono::milliseconds>(d, max_);
}

void WorkQueue::AddRateLimited(const std::string& key) {
  auto delay = NextBackoff(key);
  {
    std::lock_guard lock(mu_);
    ++failures_[key];
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::Failures(const std::string& key) {
  std::lock_guard lock(mu_);
  return failures_.count(key) ? failures_[key] : 0;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  for (QueueDueKeys(); queue_.empty() && !shutting_down_; QueueDueKeys()) {
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, delayed_.begin()->first - now_());
    }
  }
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  queued_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.erase(key) && !shutting_down_ && queued_.insert(key).second) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

size_t WorkQueue::Len() {
  std::lock_guard lock(mu_);
  QueueDueKeys();
  return queue_.size();
}

void WorkQueue::QueueDueKeys() {
  if (shutting_down_) return;
  const auto now = now_();
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    if (processing_.count(key)) {
      dirty_.insert(key);
    } else if (queued_.insert(key).second) {
      queue_.push_back(key);
    }
  }
}

}  // namespace controller
