// Drains one buffer into one push endpoint: reads a batch (bounded by weight and time), encodes it,
// POSTs it, and acknowledges it in the buffer once the receiver took it (2xx) or rejected it for
// good (other 4xx, counted). Connection failures, 5xx and 429 are retried with backoff, for as
// long as it takes: the buffer's cap, not the sink, decides what is given up.
//
// Under memory pressure (agent/memory/memory_guard.h) it reads smaller batches, and a batch
// waiting for a retry is let go of: it stays in the buffer, unacknowledged, and is read again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/buffer/segment_buffer.h"
#include "agent/memory/memory_guard.h"
#include "agent/sinks/forward_metrics.h"
#include "agent/sinks/http_pusher.h"
#include "agent/status/component_status.h"
#include "agent/sinks/retry.h"

namespace agent {

struct Payload {
  std::string body;
  std::map<std::string, std::string> headers;
  size_t items = 0;  // samples or lines, for the metrics
};

// Turns buffered records into one request.
using PayloadEncoder = std::function<fleet::Result<Payload>(const std::vector<std::string>& records)>;

struct DeliveryOptions {
  std::string sink;  // metrics label: remote_write | loki
  SegmentBuffer::WeightFn weight;
  size_t max_batch_weight = 0;
  std::chrono::milliseconds batch_wait{1000};
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Where the status page reads this sink's health and counters (items, bytes, retries, drops);
  // one of its own when not given.
  std::shared_ptr<status::Component> status = nullptr;
  std::string items_counter = "items";  // what the status calls an item: samples | lines
};

class DeliveryLoop {
 public:
  DeliveryLoop(DeliveryOptions options, SegmentBuffer& buffer, std::unique_ptr<HttpPusher> pusher,
               PayloadEncoder encode, ForwardMetrics& metrics, MemoryGuard* memory = nullptr);
  ~DeliveryLoop();  // stops
  void Start();
  void Stop();

 private:
  enum class Delivery { kDone, kStopped, kShed };
  void Run();
  // Pushes until delivered or rejected for good (kDone), stopped, or — when a retry finds memory
  // under pressure — the payload is released to be read again from the buffer (kShed).
  Delivery Deliver(Payload& payload, Backoff& backoff);
  bool SleepUnlessStopped(std::chrono::milliseconds d);

  const DeliveryOptions options_;
  SegmentBuffer& buffer_;
  std::unique_ptr<HttpPusher> pusher_;
  PayloadEncoder encode_;
  ForwardMetrics& metrics_;
  const std::shared_ptr<status::Component> status_;
  MemoryGuard* const memory_;  // null: no budget
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace agent
