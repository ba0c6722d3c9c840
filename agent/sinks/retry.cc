#include "agent/sinks/retry.h"

#include <algorithm>

namespace agent {

PushOutcome ClassifyPushStatus(int http_status) {
  if (http_status >= 200 && http_status < 300) return PushOutcome::kDelivered;
  if (http_status == 0 || http_status == 429 || http_status >= 500) return PushOutcome::kRetry;
  return PushOutcome::kDrop;
}

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
    : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(max, min_)),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::Next() {
  auto delay = min_;
  for (int i = 0; i < attempt_ && delay < max_; ++i) delay *= 2;
  delay = std::min(delay, max_);
  if (attempt_ < 62) ++attempt_;
  std::uniform_int_distribution<long long> jitter(delay.count() / 2, delay.count());
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace agent
