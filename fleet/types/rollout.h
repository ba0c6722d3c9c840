// Typed views of a Rollout: its spec as the controller reads it and its status as the
// controller writes it. Fields with a CRD default are optional (absent stays absent through a
// round trip); their accessors fall back to the CRD's `default:`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleet/core/yaml_codec.h"
#include "fleet/types/conditions.h"

namespace fleet {

struct RolloutSpec {
  Json selector = Json::object();  // a label selector (fleet::LabelSelector::FromJson)
  // strategy
  std::optional<Json> canary_hosts;     // strategy.canary.hosts: a count or "N%"
  std::optional<Json> max_unavailable;  // a count or "N%"
  std::optional<bool> pause_after_canary;
  std::optional<bool> pause_after_each_batch;
  // healthGate
  std::optional<int> min_healthy_seconds;
  std::optional<int> progress_deadline_seconds;
  std::optional<int> failure_threshold;
  std::optional<bool> auto_rollback;
  std::optional<bool> paused;
  std::optional<int64_t> rollback_to;  // spec.rollbackTo.revision (0 = the one before)

  Json CanaryHosts() const { return canary_hosts.value_or(Json(0)); }  // no canary by default
  Json MaxUnavailable() const;
  bool PauseAfterCanary() const;
  bool PauseAfterEachBatch() const;
  int MinHealthySeconds() const;
  int ProgressDeadlineSeconds() const;
  int FailureThreshold() const;
  bool AutoRollback() const;
  bool Paused() const;
  bool operator==(const RolloutSpec&) const = default;
};
void to_json(Json& j, const RolloutSpec& s);
void from_json(const Json& j, RolloutSpec& s);

// Per-host states in status.hosts.
namespace rollout_host_state {
inline constexpr char kAdmitted[] = "Admitted";      // sent the new revision, health gate running
inline constexpr char kUpdated[] = "Updated";        // passed the health gate
inline constexpr char kFailed[] = "Failed";          // failed the health gate
inline constexpr char kRolledBack[] = "RolledBack";  // sent back to its previous revision
}  // namespace rollout_host_state

// status.phase
namespace rollout_phase {
inline constexpr char kProgressing[] = "Progressing";
inline constexpr char kPaused[] = "Paused";
inline constexpr char kCompleted[] = "Completed";
inline constexpr char kFailed[] = "Failed";
inline constexpr char kRolledBack[] = "RolledBack";
}  // namespace rollout_phase

// One host's admission to the target revision (status.hosts[name]).
struct RolloutHostEntry {
  std::string revision;  // the revision it is to run
  std::string previous;  // what it ran before admission
  std::string state;     // rollout_host_state
  int batch = 0;         // 0 is the canary
  std::string admitted_at;
  std::optional<std::string> message{};
  bool operator==(const RolloutHostEntry&) const = default;
};
void to_json(Json& j, const RolloutHostEntry& e);
void from_json(const Json& j, RolloutHostEntry& e);

// One target in status.history.
struct RolloutHistoryEntry {
  int64_t revision = 0;
  std::string fingerprint;
  std::map<std::string, std::string> hosts;  // host -> revision
  std::string created_at;
  bool operator==(const RolloutHistoryEntry&) const = default;
};
void to_json(Json& j, const RolloutHistoryEntry& e);
void from_json(const Json& j, RolloutHistoryEntry& e);

// An undo in effect: target history revision while the rendered revisions stay whileRendered.
struct RolloutPin {
  int64_t revision = 0;
  std::string while_rendered;
  bool operator==(const RolloutPin&) const = default;
};
void to_json(Json& j, const RolloutPin& p);
void from_json(const Json& j, RolloutPin& p);

// The Rollout CRD's status. Unknown fields are not kept, as for HostStatus: the status schema
// is closed (a test checks the struct covers it).
struct RolloutStatus {
  std::optional<int64_t> observed_generation;
  std::optional<std::string> observed_inputs_revision;
  std::optional<std::map<std::string, int64_t>> observed_host_generations;
  std::optional<int64_t> revision;  // history number of the target
  std::string phase;
  std::string current_revision;
  std::string target_revision;
  std::optional<int> updated_hosts;
  std::optional<int> healthy_hosts;
  std::optional<int> failed_hosts;
  std::optional<std::string> message;
  std::vector<Condition> conditions;
  std::optional<std::map<std::string, RolloutHostEntry>> hosts;
  std::optional<RolloutPin> pinned;
  std::optional<int> paused_after_batch;
  std::optional<std::vector<RolloutHistoryEntry>> history;
  bool operator==(const RolloutStatus&) const = default;
};
void to_json(Json& j, const RolloutStatus& s);
void from_json(const Json& j, RolloutStatus& s);

}  // namespace fleet
