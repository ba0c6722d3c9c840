// What a sink does with a push response, and how long it waits before trying again. Shared by the
// remote-write and Loki sinks, which follow the same rules (remote write 1.0 spec, Loki clients).
#pragma once

#include <chrono>
#include <random>

namespace agent {

enum class PushOutcome {
  kDelivered,  // 2xx
  kRetry,      // connection failure, 5xx or 429: the receiver may take it later
  kDrop,       // any other status (4xx): the data is bad and retrying cannot help
};

// http_status 0 means no response (connection refused, reset, timeout).
PushOutcome ClassifyPushStatus(int http_status);

// Capped exponential backoff with jitter: attempt n waits a uniformly random time in
// [d/2, d] where d = min(max, min * 2^n), so many agents recovering at once do not retry in step.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max);
  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }

 private:
  std::chrono::milliseconds min_, max_;
  int attempt_ = 0;
  std::minstd_rand rng_;
};

}  // namespace agent
