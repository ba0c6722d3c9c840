#include "fleet/types/rollout.h"

#include "fleet/types/crd_default.h"
#include "fleet/types/json_fields.h"

namespace fleet {

using json_fields::Read;
using json_fields::Write;

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

void to_json(Json& j, const RolloutHostEntry& e) {
  j = {{"revision", e.revision}, {"previous", e.previous}, {"state", e.state},
       {"batch", e.batch}, {"admittedAt", e.admitted_at}};
  Write(j, "message", e.message);
}
void from_json(const Json& j, RolloutHostEntry& e) {
  e.revision = j.value("revision", "");
  e.previous = j.value("previous", "");
  e.state = j.value("state", "");
  e.batch = j.value("batch", 0);
  e.admitted_at = j.value("admittedAt", "");
  Read(j, "message", e.message);
}

void to_json(Json& j, const RolloutHistoryEntry& e) {
  j = {{"revision", e.revision}, {"fingerprint", e.fingerprint}, {"hosts", e.hosts},
       {"createdAt", e.created_at}};
}
void from_json(const Json& j, RolloutHistoryEntry& e) {
  e.revision = j.value("revision", int64_t{0});
  e.fingerprint = j.value("fingerprint", "");
  e.hosts = j.value("hosts", std::map<std::string, std::string>{});
  e.created_at = j.value("createdAt", "");
}

void to_json(Json& j, const RolloutPin& p) {
  j = {{"revision", p.revision}, {"whileRendered", p.while_rendered}};
}
void from_json(const Json& j, RolloutPin& p) {
  p.revision = j.value("revision", int64_t{0});
  p.while_rendered = j.value("whileRendered", "");
}

void to_json(Json& j, const RolloutStatus& s) {
  j = Json::object();
  Write(j, "observedGeneration", s.observed_generation);
  Write(j, "observedInputsRevision", s.observed_inputs_revision);
  Write(j, "observedHostGenerations", s.observed_host_generations);
  Write(j, "revision", s.revision);
  Write(j, "phase", s.phase);
  Write(j, "currentRevision", s.current_revision);
  Write(j, "targetRevision", s.target_revision);
  Write(j, "updatedHosts", s.updated_hosts);
  Write(j, "healthyHosts", s.healthy_hosts);
  Write(j, "failedHosts", s.failed_hosts);
  Write(j, "message", s.message);
  Write(j, "conditions", s.conditions);
  Write(j, "hosts", s.hosts);
  Write(j, "pinned", s.pinned);
  Write(j, "pausedAfterBatch", s.paused_after_batch);
  Write(j, "history", s.history);
}
void from_json(const Json& j, RolloutStatus& s) {
  Read(j, "observedGeneration", s.observed_generation);
  Read(j, "observedInputsRevision", s.observed_inputs_revision);
  Read(j, "observedHostGenerations", s.observed_host_generations);
  Read(j, "revision", s.revision);
  Read(j, "phase", s.phase);
  Read(j, "currentRevision", s.current_revision);
  Read(j, "targetRevision", s.target_revision);
  Read(j, "updatedHosts", s.updated_hosts);
  Read(j, "healthyHosts", s.healthy_hosts);
  Read(j, "failedHosts", s.failed_hosts);
  Read(j, "message", s.message);
  Read(j, "conditions", s.conditions);
  Read(j, "hosts", s.hosts);
  Read(j, "pinned", s.pinned);
  Read(j, "pausedAfterBatch", s.paused_after_batch);
  Read(j, "history", s.history);
}

}  // namespace fleet
