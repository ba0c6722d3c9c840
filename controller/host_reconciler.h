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
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "controller/events.h"
#include "controller/health.h"
#include "controller/transport.h"
#include "fleet/registry.h"
#include "fleet/render.h"

namespace controller {

// The steps on a connected host that install and (re)start the agent; faked in unit tests.
class AgentInstaller {
 public:
  virtual ~AgentInstaller() = default;
  // Installs or upgrades the agent files of version ("" = the default); true when anything
  // changed on the host.
  virtual fleet::Result<bool> Install(RemoteSession& session, const std::string& install_dir,
                                      const std::string& version) = 0;
  virtual fleet::Status Restart(RemoteSession& session, const std::string& install_dir,
                                const std::string& config_path) = 0;
  // The running agent re-reads its config in place (SIGHUP); starts one when none runs.
  virtual fleet::Status Reload(RemoteSession& session, const std::string& install_dir,
                               const std::string& config_path) = 0;
  // Stops the agent for good and removes its config and secrets (the Host is being deleted).
  virtual fleet::Status Remove(RemoteSession& session, const std::string& install_dir) = 0;
};

// Which revision a host may run, given the one rendered for it now (Rollouts hold hosts back).
class RevisionGate {
 public:
  virtual ~RevisionGate() = default;
  virtual fleet::Result<std::string> Admitted(const fleet::Json& host, const std::string& rendered) = 0;
};

// Resolves a tailnet machine name to the address SSH connects to.
using TailnetResolver = std::function<fleet::Result<std::string>(const std::string& name)>;

// How to reach a host over SSH: address (resolved on the tailnet when its transport says so),
// port, user, key from its keySecretRef, host key pinned in spec, known_hosts file, and the key
// accept-new recorded in status (which only accept-new consults).
fleet::Result<SshTarget> SshTargetFor(const fleet::Json& host,
                                      const std::map<std::string, fleet::Json>& secrets,
                                      const fleet::Json& status, const TailnetResolver& tailnet);

struct ReconcilerOptions {
  std::string controller_url;  // where agents report (rendered into their config)
  // A host whose last report is older than this is Healthy=False (ReportsStopped), as is one
  // whose agent has not reported this long after it was started (NoReport).
  std::chrono::seconds report_timeout{45};
  std::chrono::seconds resync{30};
  // While waiting for the first report after a delivery.
  std::chrono::seconds await_report_poll{2};
  std::string report_interval = "15s";  // how often agents report (rendered into their config)
  // Agent versions the installer can install (version -> bundle digest), and the one a profile
  // without spec.agent.version gets. Empty: no agent version is part of the revision.
  std::map<std::string, std::string> agent_bundles{};
  std::string default_agent_version{};
  // The PEM CA agents verify controller_url with, as it is now; unset or "" = the hosts' roots.
  std::function<std::string()> controller_ca{};
};

struct HostDecision {
  bool deliver = false;
  std::string why;  // for the log and the event message
  // The Healthy condition as observed now: {type, status, reason, message}.
  fleet::Json healthy;
  std::chrono::seconds requeue_after{30};
};

// Pure: which work a host needs given the desired revision (and agent version), its stored status,
// the agent's last report (if any) and since when a report has been due (HealthTracker).
HostDecision DecideHost(const fleet::RenderedAgent& desired, const fleet::Json& status,
                        const std::optional<HealthReport>& report,
                        std::chrono::system_clock::time_point report_expected_since,
                        std::chrono::system_clock::time_point now,
                        const ReconcilerOptions& options);

// Sets a condition in status.conditions; lastTransitionTime changes only when status does.
// The message is stored as fleet::ForeignText (valid UTF-8, bounded). Returns whether anything
// changed.
bool SetCondition(fleet::Json& status, const std::string& type, const std::string& value,
                  const std::string& reason, const std::string& message, const std::string& now);

struct ReconcileResult {
  fleet::Status status;  // not ok: retry with backoff
  std::chrono::milliseconds requeue_after{0};
};

class HostReconciler {
 public:
  HostReconciler(fleet::Registry& registry, Transport& transport, AgentInstaller& installer,
                 HealthTracker& health, RevisionGate& gate, TailnetResolver tailnet,
                 ReconcilerOptions options);

  ReconcileResult Reconcile(const std::string& host);
  // Optional: where deliveries and condition changes are recorded for `fleetctl describe`.
  void SetEventRecorder(EventRecorder* events) { events_ = events; }

 private:
  fleet::Status Deliver(const fleet::Json& host, const fleet::RenderedAgent& rendered,
                        const std::map<std::string, fleet::Json>& secrets, fleet::Json& status);
  fleet::Result<SshTarget> Target(const fleet::Json& host,
                                  const std::map<std::string, fleet::Json>& secrets,
                                  const fleet::Json& status);
  fleet::Status WriteStatus(const fleet::Json& host, const fleet::Json& status);
  // The Host is Terminating: remove the agent (when anything was put on the host), then the
  // finalizer.
  ReconcileResult Finalize(const fleet::Json& host, fleet::Json status);
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
