// The Host reconciler: from a Host's desired state (spec + profile + secrets, rendered) and what
// is observed (its status, the agent's last health report) it decides what to do — deliver or
// not, which conditions hold, when to look again — and carries the delivery out over SSH.
// DecideHost is pure; HostReconciler::Reconcile does the I/O around it.
//
// Deletion: before anything is put on a host its Host gets the finalizer
// vpsfleet.io/agent-cleanup, so deleting it only marks it Terminating. The reconciler then stops
// and removes the agent over SSH and drops the finalizer, which deletes the Host; an unreachable
// host keeps it Terminating (condition AgentRemoved=False, event CleanupFailed) and is retried
// with backoff until it answers or is deleted with --force.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "controller/agent_installer.h"
#include "controller/events.h"
#include "controller/health.h"
#include "controller/host_decision.h"
#include "controller/reconciler_options.h"
#include "controller/revision_gate.h"
#include "controller/ssh_target.h"
#include "controller/transport.h"
#include "fleet/registry.h"
#include "fleet/render.h"
#include "fleet/types/host.h"

namespace controller {

class HostReconciler {
 public:
  HostReconciler(fleet::Registry& registry, Transport& transport, AgentInstaller& installer,
                 HealthTracker& health, RevisionGate& gate, TailnetResolver tailnet,
                 ReconcilerOptions options);

  ReconcileResult Reconcile(const std::string& host);
  // Optional: where deliveries and condition changes are recorded for `fleetctl describe`.
  void SetEventRecorder(EventRecorder* events) { events_ = events; }

 private:
  fleet::Status Deliver(const std::string& name, const fleet::HostSpec& spec,
                        const fleet::RenderedAgent& rendered,
                        const std::map<std::string, fleet::Json>& secrets, fleet::HostStatus& status);
  fleet::Status WriteStatus(const fleet::Json& host, const fleet::HostStatus& status);
  // The Host is Terminating: remove the agent (when anything was put on the host), then the
  // finalizer.
  ReconcileResult Finalize(const fleet::Json& host, fleet::HostStatus status);
  // Restarting an agent that is running but cannot report would not help; at most one such
  // restart per two report timeouts.
  bool MayRestartSilentAgent(const std::string& host);

  fleet::Registry& registry_;
  Transport& transport_;
  AgentInstaller& installer_;
  HealthTracker& health_;
  RevisionGate& gate_;
  TailnetResolver tailnet_;
  EventRecorder* events_ = nullptr;
  ReconcilerOptions options_;
  std::mutex restarts_mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_silent_restart_;
};

}  // namespace controller
