#include "controller/manager.h"

#include <spdlog/spdlog.h>

namespace controller {

Manager::Manager(fleet::Store& store, HostReconciler& reconciler, int workers,
                 std::chrono::seconds resync)
    : store_(store), reconciler_(reconciler), workers_(workers), resync_(resync) {}

Manager::~Manager() { Stop(); }

fleet::Status Manager::Start() {
  // The callback runs under the store's lock: it only queues, never reads the store.
  auto w = store_.WatchFrom("", store_.Revision(), [this](const fleet::WatchEvent& e) {
    if (e.kind == "Host") {
      queue_.Add(e.object["metadata"]["name"]);
    } else if (e.kind == "AgentProfile" || e.kind == "Secret") {
      std::lock_guard lock(mu_);
      resync_requested_ = true;
      cv_.notify_all();
    }
  });
  if (!w.ok()) return w.status();
  watch_ = std::move(*w);
  EnqueueAllHosts();
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Worker(); });
  threads_.emplace_back([this] { ResyncLoop(); });
  return fleet::Status::Ok();
}

void Manager::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  watch_.reset();
  queue_.ShutDown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Manager::EnqueueAllHosts() {
  auto hosts = store_.List("Host");
  if (!hosts.ok()) {
    spdlog::warn("resync: listing hosts: {}", hosts.status().message());
    return;
  }
  for (const auto& h : hosts->items) queue_.Add(h["metadata"]["name"]);
}

void Manager::ResyncLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, resync_, [&] { return stopping_ || resync_requested_; });
    if (stopping_) break;
    resync_requested_ = false;
    lock.unlock();
    EnqueueAllHosts();
    lock.lock();
  }
}

void Manager::Worker() {
  while (auto key = queue_.Get()) {
    ReconcileResult r;
    auto start = std::chrono::steady_clock::now();
    try {
      r = reconciler_.Reconcile(*key);
    } catch (const std::exception& e) {
      // A reconciler bug must not take the controller down; it is retried with backoff.
      r.status = fleet::Status::Internal(e.what());
    }
    reconcile_seconds_.Observe(
        {}, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reconciles_.Add({r.status.ok() ? "ok" : "error"});
    if (!r.status.ok()) {
      auto delay = queue_.NextBackoff(*key);
      spdlog::warn("host/{}: {} (retry in {} ms)", *key, r.status.message(), delay.count());
      queue_.AddRateLimited(*key);
    } else {
      queue_.Forget(*key);
      if (r.requeue_after.count() > 0) queue_.AddAfter(*key, r.requeue_after);
    }
    queue_.Done(*key);
  }
}

void Manager::Gather(std::vector<fleet::metrics::Family>* out) {
  out->push_back(reconciles_.Collect());
  out->push_back(reconcile_seconds_.Collect());
  fleet::metrics::Family depth{"fleet_workqueue_depth", "Hosts waiting to be reconciled.",
                               fleet::metrics::Type::kGauge, {}};
  depth.samples.push_back({"", {}, static_cast<double>(queue_.Len())});
  out->push_back(std::move(depth));
}

}  // namespace controller
