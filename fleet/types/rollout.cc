#include "fleet/types/rollout.h"

#include "fleet/types/crd_default.h"
#include "fleet/types/json_fields.h"

namespace fleet {

using json_fields::Read;
using json_fields::ReadFields;
using json_fields::Write;
using json_fields::WriteFields;

Json RolloutSpec::MaxUnavailable() const {
  return OrCrdDefault(max_unavailable, "Rollout", "spec.strategy.maxUnavailable");
}
bool RolloutSpec::PauseAfterCanary() const {
  return OrCrdDefault(pause_after_canary, "Rollout", "spec.strategy.pauseAfterCanary");
}
bool RolloutSpec::PauseAfterEachBatch() const {
  return OrCrdDefault(pause_after_each_batch, "Rollout", "spec.strategy.pauseAfterEachBatch");
}
int RolloutSpec::MinHealthySeconds() const {
  return OrCrdDefault(min_healthy_seconds, "Rollout", "spec.healthGate.minHealthySeconds");
}
int RolloutSpec::ProgressDeadlineSeconds() const {
  return OrCrdDefault(progress_deadline_seconds, "Rollout", "spec.healthGate.progressDeadlineSeconds");
}
int RolloutSpec::FailureThreshold() const {
  return OrCrdDefault(failure_threshold, "Rollout", "spec.failureThreshold");
}
bool RolloutSpec::AutoRollback() const { return OrCrdDefault(auto_rollback, "Rollout", "spec.autoRollback"); }
bool RolloutSpec::Paused() const { return OrCrdDefault(paused, "Rollout", "spec.paused"); }

void to_json(Json& j, const RolloutSpec& s) {
  j = Json::object();
  if (!s.selector.empty()) j["selector"] = s.selector;
  Json strategy = Json::object();
  if (s.canary_hosts) strategy["canary"] = {{"hosts", *s.canary_hosts}};
  Write(strategy, "maxUnavailable", s.max_unavailable);
  Write(strategy, "pauseAfterCanary", s.pause_after_canary);
  Write(strategy, "pauseAfterEachBatch", s.pause_after_each_batch);
  if (!strategy.empty()) j["strategy"] = std::move(strategy);
  Json gate = Json::object();
  Write(gate, "minHealthySeconds", s.min_healthy_seconds);
  Write(gate, "progressDeadlineSeconds", s.progress_deadline_seconds);
  if (!gate.empty()) j["healthGate"] = std::move(gate);
  Write(j, "failureThreshold", s.failure_threshold);
  Write(j, "autoRollback", s.auto_rollback);
  Write(j, "paused", s.paused);
  if (s.rollback_to) j["rollbackTo"] = {{"revision", *s.rollback_to}};
}
void from_json(const Json& j, RolloutSpec& s) {
  s.selector = j.value("selector", Json::object());
  const Json strategy = j.value("strategy", Json::object());
  if (strategy.contains("canary")) Read(strategy["canary"], "hosts", s.canary_hosts);
  Read(strategy, "maxUnavailable", s.max_unavailable);
  Read(strategy, "pauseAfterCanary", s.pause_after_canary);
  Read(strategy, "pauseAfterEachBatch", s.pause_after_each_batch);
  const Json gate = j.value("healthGate", Json::object());
  Read(gate, "minHealthySeconds", s.min_healthy_seconds);
  Read(gate, "progressDeadlineSeconds", s.progress_deadline_seconds);
  Read(j, "failureThreshold", s.failure_threshold);
  Read(j, "autoRollback", s.auto_rollback);
  Read(j, "paused", s.paused);
  if (j.contains("rollbackTo")) s.rollback_to = j["rollbackTo"].value("revision", int64_t{0});
}

// The fields of each status part, once.
constexpr auto kHostEntryFields = [](auto& e, auto&& f) {
  f("revision", e.revision);
  f("previous", e.previous);
  f("state", e.state);
  f("batch", e.batch);
  f("admittedAt", e.admitted_at);
  f("message", e.message);
};
constexpr auto kHistoryEntryFields = [](auto& e, auto&& f) {
  f("revision", e.revision);
  f("fingerprint", e.fingerprint);
  f("hosts", e.hosts);
  f("createdAt", e.created_at);
};
constexpr auto kPinFields = [](auto& p, auto&& f) {
  f("revision", p.revision);
  f("whileRendered", p.while_rendered);
};

void to_json(Json& j, const RolloutHostEntry& e) { WriteFields(j, e, kHostEntryFields); }
void from_json(const Json& j, RolloutHostEntry& e) { ReadFields(j, e, kHostEntryFields); }
void to_json(Json& j, const RolloutHistoryEntry& e) { WriteFields(j, e, kHistoryEntryFields); }
void from_json(const Json& j, RolloutHistoryEntry& e) { ReadFields(j, e, kHistoryEntryFields); }
void to_json(Json& j, const RolloutPin& p) { WriteFields(j, p, kPinFields); }
void from_json(const Json& j, RolloutPin& p) { ReadFields(j, p, kPinFields); }

// The fields of RolloutStatus, once, in the order they are written.
constexpr auto kRolloutStatusFields = [](auto& s, auto&& f) {
  f("observedGeneration", s.observed_generation);
  f("observedInputsRevision", s.observed_inputs_revision);
  f("observedHostGenerations", s.observed_host_generations);
  f("revision", s.revision);
  f("phase", s.phase);
  f("currentRevision", s.current_revision);
  f("targetRevision", s.target_revision);
  f("updatedHosts", s.updated_hosts);
  f("healthyHosts", s.healthy_hosts);
  f("failedHosts", s.failed_hosts);
  f("message", s.message);
  f("conditions", s.conditions);
  f("hosts", s.hosts);
  f("pinned", s.pinned);
  f("pausedAfterBatch", s.paused_after_batch);
  f("history", s.history);
};

void to_json(Json& j, const RolloutStatus& s) { WriteFields(j, s, kRolloutStatusFields); }
void from_json(const Json& j, RolloutStatus& s) { ReadFields(j, s, kRolloutStatusFields); }

}  // namespace fleet
