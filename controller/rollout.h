// Rollouts: a new revision reaches the hosts a Rollout selects only as the Rollout admits them —
// canary first, then batches bounded by maxUnavailable, each admitted host gated on reporting
// healthy on its new revision for minHealthySeconds within progressDeadlineSeconds. Failed hosts
// past failureThreshold stop the rollout and, with autoRollback, the admitted hosts go back.
//
// DecideRollout is pure (rollout, selected hosts, now) -> new status; RolloutReconciler does the
// store I/O around it; RolloutGate answers the Host reconciler's question "which revision may
// this host run?" from the Rollouts' stored status, so nothing essential lives only in memory.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "controller/reconciler_options.h"
#include "controller/revision_gate.h"
#include "fleet/registry.h"

namespace controller {

// One host a Rollout governs, as stored.
struct RolloutHost {
  std::string name;
  std::string desired;  // revision rendered for it now; "" when it cannot be rendered
  fleet::Json status;   // its Host status: revision (delivered), conditions
  std::string render_error{};  // why it cannot be rendered (an unknown agent version, say)
};

struct RolloutDecision {
  fleet::Json status;              // the Rollout's new status
  bool pause = false;              // an automatic pause step was reached: set spec.paused
  bool clear_rollback_to = false;  // spec.rollbackTo has been taken into status
  std::chrono::seconds requeue_after{30};
};

// Hosts a Rollout selects that another Rollout governs (it sorts first by name), by that Rollout.
using RolloutOverlaps = std::map<std::string, std::vector<std::string>>;

// inputs_revision: the newest resourceVersion among the objects rendering depends on (profiles,
// secrets, host groups); recorded so `fleetctl rollout status` knows the status covers a change
// it just applied. overlaps: shown as the SelectorOverlap condition (as Kubernetes flags
// Deployments with overlapping selectors), so a host silently left to another Rollout is visible.
RolloutDecision DecideRollout(const fleet::Json& rollout, const std::vector<RolloutHost>& hosts,
                              const std::string& inputs_revision,
                              std::chrono::system_clock::time_point now,
                              const RolloutOverlaps& overlaps = {});

// The Rollout that governs host among rollouts (sorted by name): the first whose selector
// matches it, or nullptr.
const fleet::Json* GoverningRollout(const std::vector<fleet::Json>& rollouts, const fleet::Json& host);

// Which revision each host may run: what its Rollout admitted it to; else, while a Rollout
// governs it, the revision it already runs; else (no Rollout, or nothing delivered yet) the
// revision rendered for it.
class RolloutGate : public RevisionGate {
 public:
  explicit RolloutGate(fleet::Store& store) : store_(store) {}
  fleet::Result<std::string> Admitted(const fleet::Json& host, const std::string& rendered) override;

 private:
  fleet::Store& store_;
};

class RolloutReconciler {
 public:
  RolloutReconciler(fleet::Registry& registry, ReconcilerOptions options)
      : registry_(registry), options_(std::move(options)) {}
  ReconcileResult Reconcile(const std::string& rollout);

 private:
  fleet::Registry& registry_;
  ReconcilerOptions options_;
};

}  // namespace controller
