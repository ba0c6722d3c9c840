#include "agent/sinks/forwarder.h"

#include <spdlog/spdlog.h>

#include "agent/sinks/loki_payload.h"
#include "agent/sinks/remote_write_payload.h"

namespace agent {
namespace {

// The configured labels plus instance and job, unless configured explicitly.
fleet::metrics::Labels IdentityLabels(const AgentConfig& config, fleet::metrics::Labels labels) {
  for (const auto& [name, value] : {std::pair{"instance", config.instance}, std::pair{"job", config.job}}) {
    const bool configured = std::any_of(labels.begin(), labels.end(), [&](const auto& l) { return l.name == name; });
    if (!configured && !value.empty()) labels.push_back({name, value});
  }
  return labels;
}

}  // namespace

fleet::Result<std::unique_ptr<Forwarder>> Forwarder::Create(const AgentConfig& config) {
  auto forward = ParseForwardConfig(config.sections);
  if (!forward.ok()) return forward.status();
  return std::unique_ptr<Forwarder>(new Forwarder(std::move(*forward), config));
}

Forwarder::Forwarder(ForwardConfig forward, const AgentConfig& config)
    : forward_(std::move(forward)), config_(config) {
  if (forward_.remote_write) metric_labels_ = IdentityLabels(config_, forward_.remote_write->external_labels);
}

Forwarder::~Forwarder() { Stop(); }

fleet::Status Forwarder::OpenBuffers() {
  const uint64_t total = forward_.buffer.max_bytes;
  const bool both = forward_.remote_write && forward_.loki;
  auto open = [&](const char* name, uint64_t max_bytes, std::unique_ptr<SegmentBuffer>* out) -> fleet::Status {
    auto buffer = SegmentBuffer::Open({std::filesystem::path(forward_.buffer.dir) / name, max_bytes, 0,
                                       forward_.buffer.fsync, forward_.buffer.fsync_interval});
    if (!buffer.ok()) return buffer.status().WithContext("buffer");
    *out = std::move(*buffer);
    return fleet::Status::Ok();
  };
  if (forward_.remote_write) FLEET_RETURN_IF_ERROR(open("metrics", both ? total / 4 : total, &metrics_buffer_));
  if (forward_.loki) FLEET_RETURN_IF_ERROR(open("logs", both ? total - total / 4 : total, &logs_buffer_));
  return fleet::Status::Ok();
}

fleet::Status Forwarder::Start(CollectFn collect) {
  FLEET_RETURN_IF_ERROR(OpenBuffers());
  if (const auto& rw = forward_.remote_write) {
    auto pusher = HttpPusher::Create(rw->endpoint);
    if (!pusher.ok()) return pusher.status().WithContext("remoteWrite");
    remote_write_ = std::make_unique<DeliveryLoop>(
        DeliveryOptions{"remote_write", RemoteWriteRecordSamples, rw->max_samples_per_send,
                        rw->batch_send_deadline, rw->min_backoff, rw->max_backoff},
        *metrics_buffer_, std::move(*pusher), EncodeRemoteWritePayload, metrics_);
    remote_write_->Start();
    collector_ = std::thread([this, collect] { CollectLoop(collect); });
  }
  if (const auto& loki = forward_.loki) {
    auto pusher = HttpPusher::Create(loki->endpoint);
    if (!pusher.ok()) return pusher.status().WithContext("loki");
    loki_ = std::make_unique<DeliveryLoop>(
        DeliveryOptions{"loki", [](std::string_view r) { return r.size(); }, loki->batch_size,
                        loki->batch_wait, loki->min_backoff, loki->max_backoff},
        *logs_buffer_, std::move(*pusher),
        [format = loki->format, tenant = loki->tenant_id](const std::vector<std::string>& records) {
          return EncodeLokiPayload(records, format, tenant);
        },
        metrics_);
    loki_->Start();
    docker_logs_ = std::make_unique<DockerLogSource>(
        DockerLogsOptions{config_.docker.socket, IdentityLabels(config_, loki->external_labels),
                          loki->docker_labels,
                          std::filesystem::path(forward_.buffer.dir) / "docker-positions.json"},
        *logs_buffer_, metrics_);
    FLEET_RETURN_IF_ERROR(docker_logs_->Start());
  }
  return fleet::Status::Ok();
}

void Forwarder::CollectLoop(CollectFn collect) {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    BufferCollection(collect());
    lock.lock();
    next += config_.scrape_interval;
    stop_cv_.wait_until(lock, next, [this] { return stop_; });
  }
}

void Forwarder::BufferCollection(const std::vector<fleet::metrics::Family>& families) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& write : EncodeWriteRequests(families, metric_labels_, now_ms,
                                               forward_.remote_write->max_samples_per_send)) {
    if (auto st = metrics_buffer_->Append(RemoteWriteRecord(write)); !st.ok()) {
      spdlog::error("remote_write: buffering {} samples: {}", write.samples, st.ToString());
    }
  }
}

void Forwarder::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (collector_.joinable()) collector_.join();
  if (docker_logs_) docker_logs_->Stop();
  if (remote_write_) remote_write_->Stop();
  if (loki_) loki_->Stop();
}

void Forwarder::Collect(std::vector<fleet::metrics::Family>* out) const {
  std::vector<std::pair<std::string, const SegmentBuffer*>> buffers;
  if (metrics_buffer_) buffers.emplace_back("metrics", metrics_buffer_.get());
  if (logs_buffer_) buffers.emplace_back("logs", logs_buffer_.get());
  metrics_.Collect(buffers, out);
}

}  // namespace agent
