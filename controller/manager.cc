#include "controller/manager.h"

#include <spdlog/spdlog.h>

#include "fleet/types/rollout.h"

namespace controller {

namespace {
constexpr std::string_view kRolloutKey = "rollout/";
}  // namespace

Manager::Manager(fleet::Store& store, HostReconciler& reconciler, RolloutReconciler& rollouts,
                 int workers, std::chrono::seconds resync)
    : store_(store), reconciler_(reconciler), rollouts_(rollouts), workers_(workers), resync_(resync) {}

Manager::~Manager() { Stop(); }

void Manager::EnqueueRollouts() {
  for (const auto& name : rollout_names_) queue_.Add(std::string(kRolloutKey) + name);
}

// Runs under the store's lock: it only queues, never reads the store.
void Manager::OnEvent(const fleet::WatchEvent& e) {
  std::lock_guard lock(mu_);
  if (e.kind == "Host") {
    queue_.Add(e.object["metadata"]["name"]);
    EnqueueRollouts();
  } else if (e.kind == "Rollout") {
    const std::string name = e.object["metadata"]["name"];
    if (e.type == fleet::EventType::kDeleted) {
      rollout_names_.erase(name);
      resync_requested_ = true;  // the hosts it held go to their rendered revision
      cv_.notify_all();
    } else {
      rollout_names_.insert(name);
      queue_.Add(std::string(kRolloutKey) + name);
    }
    // Its admissions (or rollbacks) are for these hosts to carry out.
    const auto status = e.object.value("status", fleet::Json::object()).get<fleet::RolloutStatus>();
    for (const auto& [host, entry] : status.hosts.value_or(decltype(status.hosts)::value_type{})) queue_.Add(host);
  } else if (e.kind == "AgentProfile" || e.kind == "Secret") {
    resync_requested_ = true;
    cv_.notify_all();
  }
}

fleet::Status Manager::Start() {
  auto w = store_.WatchFrom("", store_.Revision(), [this](const fleet::WatchEvent& e) { OnEvent(e); });
  if (!w.ok()) return w.status();
  watch_ = std::move(*w);
  auto rollouts = store_.List("Rollout");
  if (!rollouts.ok()) return rollouts.status();
  {
    std::lock_guard lock(mu_);
    for (const auto& r : rollouts->items) rollout_names_.insert(r["metadata"]["name"]);
  }
  EnqueueAll();
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

void Manager::EnqueueAll() {
  auto hosts = store_.List("Host");
  if (!hosts.ok()) {
    spdlog::warn("resync: listing hosts: {}", hosts.status().message());
    return;
  }
  for (const auto& h : hosts->items) queue_.Add(h["metadata"]["name"]);
  std::lock_guard lock(mu_);
  EnqueueRollouts();
}

void Manager::ResyncLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, resync_, [&] { return stopping_ || resync_requested_; });
    if (stopping_) break;
    resync_requested_ = false;
    lock.unlock();
    EnqueueAll();
    lock.lock();
  }
}

void Manager::Worker() {
  while (auto key = queue_.Get()) {
    const bool is_rollout = key->rfind(kRolloutKey, 0) == 0;
    ReconcileResult r;
    auto start = std::chrono::steady_clock::now();
    try {
      r = is_rollout ? rollouts_.Reconcile(key->substr(kRolloutKey.size())) : reconciler_.Reconcile(*key);
    } catch (const std::exception& e) {
      // A reconciler bug must not take the controller down; it is retried with backoff.
      r.status = fleet::Status::Internal(e.what());
    }
    reconcile_seconds_.Observe(
        {}, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reconciles_.Add({r.status.ok() ? "ok" : "error"});
    if (!r.status.ok()) {
      auto delay = queue_.NextBackoff(*key);
      spdlog::warn("{}{}: {} (retry in {} ms)", is_rollout ? "" : "host/", *key, r.status.message(),
                   delay.count());
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
