// The manager runs the Host and Rollout reconcilers: it watches the store (Hosts directly;
// Profiles, Secrets and HostGroups by requeueing every host; Rollouts, and every Rollout again
// when a Host changes, since a Host's health drives its Rollout), resyncs periodically, and drives
// a bounded pool of workers off one deduplicating, rate-limited work queue. Keys are host names
// and "rollout/<name>" (host names are DNS names, never containing '/').
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <set>
#include <vector>

#include "controller/host_reconciler.h"
#include "controller/rollout.h"
#include "controller/workqueue.h"
#include "fleet/core/metrics.h"

namespace controller {

class Manager {
 public:
  Manager(fleet::Store& store, HostReconciler& reconciler, RolloutReconciler& rollouts, int workers,
          std::chrono::seconds resync);
  ~Manager();

  fleet::Status Start();
  void Stop();
  // Look at a host soon (e.g. its agent's health changed).
  void Enqueue(const std::string& host) { queue_.Add(host); }
  // fleet_reconcile_total, fleet_reconcile_duration_seconds, fleet_workqueue_depth.
  void Gather(std::vector<fleet::metrics::Family>* out);

 private:
  void Worker();
  void ResyncLoop();
  void EnqueueAll();
  void EnqueueRollouts();  // under mu_
  void OnEvent(const fleet::WatchEvent& e);

  fleet::Store& store_;
  HostReconciler& reconciler_;
  RolloutReconciler& rollouts_;
  const int workers_;
  const std::chrono::seconds resync_;
  WorkQueue queue_;
  fleet::metrics::CounterVec reconciles_{"fleet_reconcile_total",
                                         "Host reconciles by result (ok, error).", {"result"}};
  fleet::metrics::HistogramVec reconcile_seconds_{
      "fleet_reconcile_duration_seconds", "Time to reconcile one host, SSH delivery included.",
      {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}};
  std::unique_ptr<fleet::Watch> watch_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool resync_requested_ = false;
  bool stopping_ = false;
  std::set<std::string> rollout_names_;  // known from the watch, so events never read the store
};

}  // namespace controller
