// A work queue of object keys, as controller-runtime's: a key is queued at most once however
// often it is added; a key added while being processed is processed again after Done; failed keys
// come back after a per-key exponential backoff; delayed adds serve periodic resyncs. Delayed keys
// become due by an injected clock (tests advance a fake one instead of sleeping) and are moved to
// the queue by whoever looks at it (Get, Len), so no thread of its own runs the delays.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace controller {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  explicit WorkQueue(std::chrono::milliseconds base_backoff = std::chrono::seconds(1),
                     std::chrono::milliseconds max_backoff = std::chrono::minutes(5),
                     Now now = Clock::now);

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Re-adds after base * 2^failures (capped); each call counts one more failure.
  void AddRateLimited(const std::string& key);
  // Success: the key's failure count starts again from zero.
  void Forget(const std::string& key);
  int Failures(const std::string& key);
  std::chrono::milliseconds NextBackoff(const std::string& key);

  // Blocks for the next key; nullopt once ShutDown was called and nothing is left. A delayed key
  // is waited for in real time: with a fake clock, advance it before calling Get.
  std::optional<std::string> Get();
  void Done(const std::string& key);
  void ShutDown();
  // Keys ready to be handed out, delayed keys that are due included.
  size_t Len();

 private:
  // Moves the delayed keys that are due to the queue; with mu_ held.
  void QueueDueKeys();

  const std::chrono::milliseconds base_, max_;
  const Now now_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::set<std::string> processing_;
  std::set<std::string> dirty_;  // added while processing
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace controller
