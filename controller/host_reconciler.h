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
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
  // Connects (setting Reachable, recording an accept-new host key) and hashes compared there.
  fleet::Result<std::unique_ptr<RemoteSession>> Open(const fleet::HostSpec& spec,
                                                     const std::map<std::string, fleet::Json>& secrets,
                                                     fleet::HostStatus& status,
                                                     const std::vector<std::string>& compared);
  // The alloy-compose flavor: puts the stack's files on the host, keeps it up (compose up -d when
  // anything changed or a service is down), reads its health from compose ps on every resync,
  // and stops a fleet-agent left from before once the stack runs.
  ReconcileResult ReconcileComposeStack(const fleet::Json& host, const fleet::HostSpec& spec,
                                        const fleet::RenderedAgent& rendered,
                                        const std::map<std::string, fleet::Json>& secrets,
                                        fleet::HostStatus status);
  // compose down of the stack status.compose_project names (the host now runs fleet-agent).
  fleet::Status StopComposeStack(const std::string& name, const fleet::HostSpec& spec,
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
