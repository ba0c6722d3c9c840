#include "agent/sinks/delivery_loop.h"

#include <spdlog/spdlog.h>

#include "agent/sinks/retry.h"

namespace agent {

DeliveryLoop::DeliveryLoop(DeliveryOptions options, SegmentBuffer& buffer,
                           std::unique_ptr<HttpPusher> pusher, PayloadEncoder encode,
                           ForwardMetrics& metrics, MemoryGuard* memory)
    : options_(std::move(options)), buffer_(buffer), pusher_(std::move(pusher)),
      encode_(std::move(encode)), metrics_(metrics),
      status_(options_.status ? options_.status
                              : std::make_shared<status::Component>(
                                    options_.sink, "sink",
                                    std::vector<std::string>{options_.items_counter, "bytes", "retries", "drops"})),
      memory_(memory) {}

DeliveryLoop::~DeliveryLoop() { Stop(); }

void DeliveryLoop::Start() { thread_ = std::thread([this] { Run(); }); }

void DeliveryLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  buffer_.Close();
  if (thread_.joinable()) thread_.join();
}

bool DeliveryLoop::SleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stop_; });
}

namespace {

bool UnderPressure(const MemoryGuard* memory) {
  return memory && memory->pressure() != MemoryPressure::kNone;
}

}  // namespace

void DeliveryLoop::Run() {
  BufferCursor cursor = buffer_.acked();
  Backoff backoff(options_.min_backoff, options_.max_backoff);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    // An eighth of a batch under pressure: a backlog is then sent in many small requests.
    const size_t max_weight = UnderPressure(memory_) ? std::max<size_t>(options_.max_batch_weight / 8, 1)
                                                     : options_.max_batch_weight;
    auto batch = buffer_.Read(cursor, options_.weight, max_weight,
                              std::chrono::steady_clock::now() + options_.batch_wait);
    if (!batch.ok()) {
      spdlog::error("{}: reading the buffer: {}", options_.sink, batch.status().ToString());
      status_->Failed("reading the buffer: " + batch.status().ToString());
      if (!SleepUnlessStopped(options_.max_backoff)) return;
      continue;
    }
    if (batch->records.empty()) continue;
    auto payload = encode_(batch->records);
    const size_t records = batch->records.size();
    // Only the encoded payload is held while it is pushed (and retried).
    std::vector<std::string>().swap(batch->records);
    if (!payload.ok()) {
      // Records that cannot be encoded never will be; skip them rather than block the queue.
      spdlog::error("{}: dropping {} undecodable buffer records: {}", options_.sink, records,
                    payload.status().ToString());
      status_->Failed("dropped " + std::to_string(records) +
                      " undecodable buffer records: " + payload.status().ToString());
    } else {
      switch (Deliver(*payload, backoff)) {
        case Delivery::kStopped: return;
        case Delivery::kShed: continue;  // the cursor stays: the batch is read again
        case Delivery::kDone: break;
      }
    }
    cursor = batch->end;
    if (auto st = buffer_.Ack(cursor); !st.ok()) {
      spdlog::error("{}: acknowledging: {}", options_.sink, st.ToString());
    }
  }
}

DeliveryLoop::Delivery DeliveryLoop::Deliver(Payload& payload, Backoff& backoff) {
  while (true) {
    const PushResponse response = pusher_->Post(payload.body, payload.headers);
    if (status_->Watched()) {
      status_->Observe("POST " + std::to_string(payload.items) + " " + options_.items_counter + ", " +
                       std::to_string(payload.body.size()) + " bytes -> " +
                       (response.status ? "HTTP " + std::to_string(response.status) : "no response") +
                       (response.error.empty() ? "" : ": " + response.error));
    }
    switch (ClassifyPushStatus(response.status)) {
      case PushOutcome::kDelivered:
        backoff.Reset();
        metrics_.requests.Add({options_.sink, "delivered"});
        metrics_.items_sent.Add({options_.sink}, static_cast<double>(payload.items));
        metrics_.bytes_sent.Add({options_.sink}, static_cast<double>(payload.body.size()));
        metrics_.last_success.Set(
            {options_.sink},
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
        status_->Add(options_.items_counter, payload.items);
        status_->Add("bytes", payload.body.size());
        status_->Succeeded();
        return Delivery::kDone;
      case PushOutcome::kDrop:
        backoff.Reset();
        metrics_.requests.Add({options_.sink, "dropped"});
        metrics_.items_dropped.Add({options_.sink}, static_cast<double>(payload.items));
        spdlog::error("{}: receiver rejected {} items with HTTP {}: {}", options_.sink,
                      payload.items, response.status, response.error);
        status_->Add("drops", payload.items);
        status_->Failed("receiver rejected " + std::to_string(payload.items) + " " +
                        options_.items_counter + " with HTTP " + std::to_string(response.status) +
                        ": " + response.error);
        return Delivery::kDone;
      case PushOutcome::kRetry: {
        metrics_.requests.Add({options_.sink, "retry"});
        const auto wait = backoff.Next();
        status_->Add("retries", 1);
        status_->Failed("push failed (" +
                        (response.status ? "HTTP " + std::to_string(response.status) + ": " : std::string()) +
                        response.error + "), retrying");
        spdlog::warn("{}: push failed ({}{}), retrying in {} ms", options_.sink,
                     response.status ? "HTTP " + std::to_string(response.status) + ": " : "",
                     response.error, wait.count());
        const bool shed = UnderPressure(memory_);
        if (shed) {
          memory_->CountShed(options_.sink, payload.body.size());
          std::string().swap(payload.body);
        }
        if (!SleepUnlessStopped(wait)) return Delivery::kStopped;
        if (shed) return Delivery::kShed;
      }
    }
  }
}

}  // namespace agent
