// A work queue of object keys, as controller-runtime's: a key is queued at most once however
// often it is added; a key added while being processed is processed again after Done; failed keys
// come back after a per-key exponential backoff; delayed adds serve periodic resyncs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace controller {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(std::chrono::milliseconds base_backoff = std::chrono::seconds(1),
                     std::chrono::milliseconds max_backoff = std::chrono::minutes(5));
  ~WorkQueue();

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Re-adds after base * 2^failures (capped); each call counts one more failure.
  void AddRateLimited(const std::string& key);
  // Success: the key's failure count starts again from zero.
  void Forget(const std::string& key);
  int Failures(const std::string& key);
  std::chrono::milliseconds NextBackoff(const std::string& key);

  // Blocks for the next key; nullopt once ShutDown was called and nothing is left.
  std::optional<std::string> Get();
  void Done(const std::string& key);
  void ShutDown();
  size_t Len();

 private:
  void DelayLoop();

  const std::chrono::milliseconds base_, max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::set<std::string> processing_;
  std::set<std::string> dirty_;  // added while processing
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
  std::condition_variable delay_cv_;
  std::thread delay_thread_;
};

}  // namespace controller
