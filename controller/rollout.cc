#include "controller/rollout.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

#include "controller/revisions.h"
#include "fleet/core/crypto.h"
#include "fleet/selector.h"

namespace controller {

using fleet::Json;
using fleet::Status;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

namespace {

// Per-host states in status.hosts.
constexpr const char* kAdmitted = "Admitted";      // sent the new revision, health gate running
constexpr const char* kUpdated = "Updated";        // passed the health gate
constexpr const char* kFailed = "Failed";          // failed the health gate
constexpr const char* kRolledBack = "RolledBack";  // sent back to its previous revision

// A time this controller wrote; `fallback` when it is missing or malformed.
Clock::time_point TimeOr(const std::string& text, Clock::time_point fallback) {
  const auto t = fleet::ParseRfc3339(text);
  return t.ok() ? *t : fallback;
}

const Json* FindCondition(const Json& status, const std::string& type) {
  if (!status.is_object() || !status.contains("conditions")) return nullptr;
  for (const auto& c : status["conditions"]) {
    if (c.value("type", "") == type) return &c;
  }
  return nullptr;
}

// A count or percentage of total (validated by the schema as ^[0-9]+%?$); percentages round up
// for the canary (at least one host when non-zero) and down for batches (but at least one).
int ResolveCount(const Json& value, int total, bool round_up) {
  if (value.is_number_integer()) return value.get<int>();
  std::string text = value.get<std::string>();
  if (text.empty() || text.back() != '%') return std::stoi(text);
  double exact = std::stoi(text.substr(0, text.size() - 1)) * total / 100.0;
  return static_cast<int>(round_up ? std::ceil(exact) : std::floor(exact));
}

// The rollout-wide revision: a content hash of which revision each host is to run.
std::string Fingerprint(const std::map<std::string, std::string>& revisions) {
  std::string material;
  for (const auto& [host, revision] : revisions) material += host + "=" + revision + "\n";
  return fleet::Sha256Hex(material).substr(0, 12);
}

// How an admitted host stands against the health gate, from its stored Host status. An unhealthy
// report is not yet a failure: a freshly restarted agent may report unhealthy until its sinks
// connect, so a host fails only when it has not become healthy by the deadline.
struct GateResult {
  const char* state = kAdmitted;
  std::string message;
  std::optional<Clock::time_point> decided_at;  // when to look again while still Admitted
};

GateResult HealthGate(const Json& entry, const Json& host_status, Clock::time_point now,
                      seconds min_healthy, seconds deadline) {
  GateResult g;
  const std::string revision = entry["revision"];
  const auto admitted_at = TimeOr(entry.value("admittedAt", ""), now);
  const bool on_revision = host_status.value("revision", "") == revision;
  const Json* healthy = FindCondition(host_status, "Healthy");
  const Json* reachable = FindCondition(host_status, "Reachable");
  auto since = [&](const Json* c) {
    return std::max(admitted_at, TimeOr(c->value("lastTransitionTime", ""), now));
  };
  if (on_revision && healthy && healthy->value("status", "") == "True") {
    auto healthy_since = since(healthy);
    if (now - healthy_since >= min_healthy) {
      g.state = kUpdated;
      return g;
    }
    g.decided_at = healthy_since + min_healthy;
  } else if (reachable && reachable->value("status", "") == "False" &&
             TimeOr(reachable->value("lastTransitionTime", ""), now) >= admitted_at) {
    g.state = kFailed;
    g.message = "unreachable: " + reachable->value("message", "");
    return g;
  }
  if (now - admitted_at > deadline) {
    g.state = kFailed;
    g.message = "not healthy on " + revision + " within " + std::to_string(deadline.count()) + "s";
    if (healthy) g.message += " (" + healthy->value("reason", "") + ": " + healthy->value("message", "") + ")";
    return g;
  }
  auto deadline_at = admitted_at + deadline + seconds(1);
  g.decided_at = g.decided_at ? std::min(*g.decided_at, deadline_at) : deadline_at;
  return g;
}

void SetProgressing(Json& status, const char* value, const char* reason, const std::string& message,
                    const std::string& now) {
  SetCondition(status, "Progressing", value, reason, message, now);
  status["message"] = message;
}

void SetOverlapCondition(Json& status, const RolloutOverlaps& overlaps, const std::string& now) {
  if (overlaps.empty()) {
    if (FindCondition(status, "SelectorOverlap")) {
      SetCondition(status, "SelectorOverlap", "False", "NoOverlap", "no other Rollout governs a host this one selects", now);
    }
    return;
  }
  constexpr size_t kNamed = 5;  // hosts named per Rollout; the rest are counted
  std::string message;
  size_t total = 0;
  for (const auto& [other, names] : overlaps) {
    std::string list;
    for (size_t i = 0; i < names.size() && i < kNamed; ++i) list += (i ? ", " : "") + names[i];
    if (names.size() > kNamed) list += " and " + std::to_string(names.size() - kNamed) + " more";
    message += (message.empty() ? "" : "; ") + std::string("rollout/") + other + " governs " + list;
    total += names.size();
  }
  message = std::to_string(total) + " selected host(s) left to another Rollout (the first by name wins): " +
            message + "; this Rollout does not change them";
  SetCondition(status, "SelectorOverlap", "True", "OverlappingSelectors", message, now);
}

// Takes spec.rollbackTo into status: the rollout targets that history entry (pinned) for as long
// as the rendered revisions stay what they were when the undo was asked for.
void ApplyRollbackTo(const Json& spec, const std::string& rendered_fingerprint, Json& status,
                     RolloutDecision& d) {
  if (!spec.contains("rollbackTo")) return;
  d.clear_rollback_to = true;
  int64_t wanted = spec["rollbackTo"].value("revision", 0);
  const Json& history = status["history"];
  if (wanted == 0) {
    // The revision before the one the rollout targets now.
    int64_t target = status.value("revision", 0);
    for (const auto& h : history) {
      if (h["revision"].get<int64_t>() < target) wanted = std::max<int64_t>(wanted, h["revision"]);
    }
  }
  for (const auto& h : history) {
    if (h["revision"] == wanted) {
      status["pinned"] = {{"revision", wanted}, {"whileRendered", rendered_fingerprint}};
      return;
    }
  }
  status["message"] = "rollbackTo: revision " + std::to_string(wanted) + " is not in the history";
}

// The history number for a target, appending a new entry (bounded) when it is new.
int64_t HistoryNumber(Json& status, const std::string& fingerprint,
                      const std::map<std::string, std::string>& target, const std::string& now) {
  Json& history = status["history"];
  int64_t newest = 0;
  for (const auto& h : history) {
    if (h["fingerprint"] == fingerprint) return h["revision"];
    newest = std::max<int64_t>(newest, h["revision"]);
  }
  history.push_back({{"revision", newest + 1}, {"fingerprint", fingerprint}, {"hosts", target},
                     {"createdAt", now}});
  while (history.size() > kRevisionHistoryLimit) history.erase(history.begin());
  return newest + 1;
}

}  // namespace

RolloutDecision DecideRollout(const Json& rollout, const std::vector<RolloutHost>& hosts,
                              const std::string& inputs_revision, Clock::time_point now,
                              const RolloutOverlaps& overlaps) {
  RolloutDecision d;
  const std::string now_text = FormatRfc3339(now);
  const Json& spec = rollout["spec"];
  const Json strategy = spec.value("strategy", Json::object());
  const Json gate = spec.value("healthGate", Json::object());
  const seconds min_healthy(gate.value("minHealthySeconds", 30));
  const seconds deadline(gate.value("progressDeadlineSeconds", 600));
  const int failure_threshold = spec.value("failureThreshold", 1);
  Json status = rollout.value("status", Json::object());
  if (!status.contains("history")) status["history"] = Json::array();
  if (!status.contains("hosts")) status["hosts"] = Json::object();
  status["observedGeneration"] = rollout["metadata"].value("generation", 0);
  status["observedInputsRevision"] = inputs_revision;
  SetOverlapCondition(status, overlaps, now_text);

  std::map<std::string, std::string> rendered;
  std::map<std::string, const RolloutHost*> by_name;
  for (const auto& h : hosts) {
    by_name[h.name] = &h;
    if (!h.desired.empty()) rendered[h.name] = h.desired;
  }
  const std::string rendered_fingerprint = Fingerprint(rendered);
  ApplyRollbackTo(spec, rendered_fingerprint, status, d);
  if (status.contains("pinned") && status["pinned"]["whileRendered"] != rendered_fingerprint) {
    status.erase("pinned");  // a new change supersedes the undo
  }
  std::map<std::string, std::string> target = rendered;
  if (status.contains("pinned")) {
    for (const auto& h : status["history"]) {
      if (h["revision"] != status["pinned"]["revision"]) continue;
      for (const auto& [host, revision] : h["hosts"].items()) {
        if (target.count(host)) target[host] = revision;
      }
    }
  }
  const std::string target_fingerprint = Fingerprint(target);

  if (status.value("targetRevision", "") != target_fingerprint) {
    // A new target supersedes whatever was in progress; hosts keep what they run until admitted.
    status["revision"] = HistoryNumber(status, target_fingerprint, target, now_text);
    status["targetRevision"] = target_fingerprint;
    status["hosts"] = Json::object();
    status.erase("pausedAfterBatch");
    status["phase"] = "Progressing";
    SetProgressing(status, "True", "NewRevision",
                   "rolling out revision " + std::to_string(status["revision"].get<int64_t>()), now_text);
  }
  Json& entries = status["hosts"];
  auto count_hosts = [&] {
    int updated = 0, healthy = 0, failed = 0;
    for (const auto& [name, h] : by_name) {
      const Json* c = FindCondition(h->status, "Healthy");
      healthy += c && c->value("status", "") == "True";
      bool on_target = target.count(name) && h->status.value("revision", "") == target[name];
      std::string state = entries.contains(name) ? entries[name].value("state", "") : kUpdated;
      updated += on_target && state == kUpdated;
      failed += state == kFailed;
    }
    status["updatedHosts"] = updated;
    status["healthyHosts"] = healthy;
    status["failedHosts"] = failed;
  };
  const std::string phase = status.value("phase", "Progressing");
  if (phase == "Failed" || phase == "RolledBack") {
    count_hosts();  // stopped until a new target arrives
    d.status = std::move(status);
    return d;
  }
  // A change some selected hosts cannot run (a missing secret, an agent version the controller
  // does not have) is a failed change, not a rollout that completes without them.
  std::vector<std::string> unrenderable;
  for (const auto& h : hosts) {
    if (h.desired.empty() && !h.render_error.empty()) unrenderable.push_back(h.name + ": " + h.render_error);
  }
  if (!unrenderable.empty()) {
    status["phase"] = "Failed";
    SetProgressing(status, "False", "RenderFailed",
                   std::to_string(unrenderable.size()) + " host(s) cannot be rendered (" + unrenderable.front() +
                       (unrenderable.size() > 1 ? "; ..." : "") + "); nothing more is admitted",
                   now_text);
    count_hosts();
    d.status = std::move(status);
    return d;
  }

  // The health gate for every admitted host.
  std::optional<Clock::time_point> next_look;
  std::vector<std::string> failed_hosts;
  for (auto it = entries.begin(); it != entries.end();) {
    auto host = by_name.find(it.key());
    if (host == by_name.end()) {  // no longer selected (or deleted)
      it = entries.erase(it);
      continue;
    }
    Json& entry = it.value();
    if (entry["state"] == kAdmitted) {
      auto g = HealthGate(entry, host->second->status, now, min_healthy, deadline);
      entry["state"] = g.state;
      if (!g.message.empty()) entry["message"] = g.message;
      if (g.decided_at) next_look = next_look ? std::min(*next_look, *g.decided_at) : *g.decided_at;
    }
    if (entry["state"] == kFailed) failed_hosts.push_back(it.key() + ": " + entry.value("message", ""));
    ++it;
  }
  if (static_cast<int>(failed_hosts.size()) >= failure_threshold) {
    std::string why = std::to_string(failed_hosts.size()) + " host(s) failed the health gate (" +
                      failed_hosts.front() + (failed_hosts.size() > 1 ? "; ..." : "") + ")";
    status["phase"] = "Failed";
    if (spec.value("autoRollback", true)) {
      for (auto& [name, entry] : entries.items()) {
        entry["revision"] = entry["previous"];
        entry["state"] = kRolledBack;
      }
      status["phase"] = "RolledBack";
      why += "; " + std::to_string(entries.size()) + " admitted host(s) rolled back";
    }
    SetProgressing(status, "False", "FailureThresholdReached", why, now_text);
    count_hosts();
    d.status = std::move(status);
    return d;
  }

  // Admission: batch 0 is the canary (when there is one), then batches of maxUnavailable; the
  // next batch only when every host of the current one has passed (or failed) the health gate.
  const int total = static_cast<int>(target.size());
  const int canary = ResolveCount(strategy.value("canary", Json::object()).value("hosts", Json(0)), total, true);
  const int max_unavailable =
      std::max(1, ResolveCount(strategy.value("maxUnavailable", Json(1)), total, false));
  std::vector<std::string> pending;  // sorted by name
  int installing = 0;                // nothing delivered yet: they get the target directly
  for (const auto& [name, revision] : target) {
    const std::string current = by_name[name]->status.value("revision", "");
    if (current.empty()) ++installing;
    else if (current != revision && !entries.contains(name)) pending.push_back(name);
  }
  int batch = -1;
  bool batch_done = true;
  for (const auto& [name, entry] : entries.items()) {
    batch = std::max(batch, entry.value("batch", 0));
  }
  for (const auto& [name, entry] : entries.items()) {
    if (entry.value("batch", 0) == batch && entry["state"] == kAdmitted) batch_done = false;
  }
  bool paused = spec.value("paused", false);
  if (!pending.empty() && batch >= 0 && batch_done && !paused &&
      batch > status.value("pausedAfterBatch", -1)) {
    bool after_canary = batch == 0 && canary > 0;
    if ((after_canary && strategy.value("pauseAfterCanary", false)) ||
        strategy.value("pauseAfterEachBatch", false)) {
      d.pause = paused = true;
      status["pausedAfterBatch"] = batch;
    }
  }
  if (!pending.empty() && batch_done && !paused) {
    int next = batch < 0 && canary > 0 ? 0 : std::max(batch + 1, 1);
    int size = next == 0 ? canary : max_unavailable - static_cast<int>(failed_hosts.size());
    if (size <= 0) {
      status["phase"] = "Failed";
      SetProgressing(status, "False", "NoBudget",
                     "failed hosts use the whole maxUnavailable budget; nothing more can be admitted",
                     now_text);
      count_hosts();
      d.status = std::move(status);
      return d;
    }
    for (int i = 0; i < size && i < static_cast<int>(pending.size()); ++i) {
      const std::string& name = pending[i];
      entries[name] = {{"revision", target[name]},
                       {"previous", by_name[name]->status.value("revision", "")},
                       {"state", kAdmitted},
                       {"batch", next},
                       {"admittedAt", now_text}};
      next_look = next_look ? std::min(*next_look, now + deadline) : now + deadline;
    }
    pending.erase(pending.begin(), pending.begin() + std::min<size_t>(size, pending.size()));
  }
  bool admitted_left = false;
  for (const auto& [name, entry] : entries.items()) admitted_left |= entry["state"] == kAdmitted;
  const std::string revision_text = "revision " + std::to_string(status["revision"].get<int64_t>());
  if (pending.empty() && !admitted_left && installing == 0) {
    status["phase"] = "Completed";
    status["currentRevision"] = target_fingerprint;
    SetProgressing(status, "True", "NewRevisionAvailable", revision_text + " runs on every host",
                   now_text);
  } else if (paused) {
    status["phase"] = "Paused";
    std::string where = status.contains("pausedAfterBatch")
                            ? (status["pausedAfterBatch"] == 0 && canary > 0
                                   ? std::string(" after the canary")
                                   : " after batch " + std::to_string(status["pausedAfterBatch"].get<int>()))
                            : "";
    SetProgressing(status, "Unknown", "RolloutPaused",
                   revision_text + " paused" + where + "; resume with `fleetctl rollout resume " +
                       rollout["metadata"].value("name", "") + "`",
                   now_text);
  } else {
    status["phase"] = "Progressing";
    SetProgressing(status, "True", "NewRevision", "rolling out " + revision_text, now_text);
  }
  count_hosts();
  if (next_look) d.requeue_after = std::max(seconds(1), std::chrono::ceil<seconds>(*next_look - now));
  d.status = std::move(status);
  return d;
}

const Json* GoverningRollout(const std::vector<Json>& rollouts, const Json& host) {
  for (const auto& r : rollouts) {
    auto selector = fleet::LabelSelector::FromJson(r["spec"].value("selector", Json::object()));
    if (selector.MatchesObject(host)) return &r;
  }
  return nullptr;
}

fleet::Result<std::string> RolloutGate::Admitted(const Json& host, const std::string& rendered) {
  auto rollouts = store_.List("Rollout");
  if (!rollouts.ok()) return rollouts.status();
  const Json* rollout = GoverningRollout(rollouts->items, host);
  const std::string current = host.value("status", Json::object()).value("revision", "");
  if (!rollout || current.empty()) return rendered;
  const Json& entries = rollout->value("status", Json::object()).value("hosts", Json::object());
  const std::string name = host["metadata"]["name"];
  if (entries.contains(name)) return entries[name]["revision"].get<std::string>();
  return current;
}

ReconcileResult RolloutReconciler::Reconcile(const std::string& name) {
  auto& store = registry_.store();
  const auto* kind = fleet::FindKind("Rollout");
  auto rollout = store.Get("Rollout", name);
  if (!rollout.ok()) {
    bool gone = rollout.status().code() == fleet::Code::kNotFound;
    return {gone ? Status::Ok() : rollout.status(), {}};
  }
  auto rollouts = store.List("Rollout");
  auto host_list = store.List("Host");
  auto secrets = LoadSecrets(store);
  if (!rollouts.ok()) return {rollouts.status(), {}};
  if (!host_list.ok()) return {host_list.status(), {}};
  if (!secrets.ok()) return {secrets.status(), {}};
  int64_t inputs_revision = 0;
  for (const char* input_kind : {"AgentProfile", "Secret", "HostGroup"}) {
    auto list = store.List(input_kind);
    if (!list.ok()) return {list.status(), {}};
    for (const auto& o : list->items) {
      inputs_revision = std::max<int64_t>(inputs_revision, std::stoll(o["metadata"]["resourceVersion"].get<std::string>()));
    }
  }
  std::vector<RolloutHost> hosts;
  RolloutOverlaps overlaps;
  // The spec generation of every host it selects: `fleetctl rollout status` waits until a Host
  // edit it just applied (a standalone Host's vars, say) is covered by this status.
  Json generations = Json::object();
  const auto selector = fleet::LabelSelector::FromJson((*rollout)["spec"].value("selector", Json::object()));
  for (const auto& h : host_list->items) {
    if (selector.MatchesObject(h)) generations[h["metadata"]["name"].get<std::string>()] = h["metadata"].value("generation", 0);
    const Json* governing = GoverningRollout(rollouts->items, h);
    if (!governing) continue;
    if ((*governing)["metadata"]["name"] != name) {
      if (selector.MatchesObject(h)) overlaps[(*governing)["metadata"]["name"]].push_back(h["metadata"]["name"]);
      continue;
    }
    RolloutHost rh{h["metadata"]["name"], "", h.value("status", Json::object())};
    auto rendered = RenderHost(store, h, *secrets, options_);
    if (rendered.ok()) {
      // Recorded here too, so a host admitted before its own reconciler ran can be delivered.
      if (auto st = RecordRevision(store, rh.name, *rendered); !st.ok()) return {st, {}};
      rh.desired = rendered->revision;
    } else if (rendered.status().code() != fleet::Code::kInvalid &&
               rendered.status().code() != fleet::Code::kNotFound &&
               rendered.status().code() != fleet::Code::kUnavailable) {
      return {rendered.status(), {}};  // the store failed: retry
    } else {
      rh.render_error = rendered.status().message();
    }
    hosts.push_back(std::move(rh));
  }
  auto d = DecideRollout(*rollout, hosts, std::to_string(inputs_revision), Clock::now(), overlaps);
  d.status["observedHostGenerations"] = std::move(generations);
  Json stored = *rollout;
  if (rollout->value("status", Json::object()) != d.status) {
    auto phase = d.status.value("phase", "");
    if (phase != rollout->value("status", Json::object()).value("phase", "")) {
      spdlog::info("rollout/{}: {} ({})", name, phase, d.status.value("message", ""));
    }
    Json body = {{"metadata", {{"resourceVersion", (*rollout)["metadata"]["resourceVersion"]}}},
                 {"status", d.status}};
    auto written = registry_.UpdateStatus(*kind, name, std::move(body), false);
    if (!written.ok()) return {written.status(), {}};
    stored = *written;
  }
  if (d.pause || d.clear_rollback_to) {
    if (d.pause) stored["spec"]["paused"] = true;
    if (d.clear_rollback_to) stored["spec"].erase("rollbackTo");
    stored.erase("status");
    auto updated = registry_.Update(*kind, name, std::move(stored), false);
    if (!updated.ok()) return {updated.status(), {}};
  }
  return {Status::Ok(), std::chrono::duration_cast<std::chrono::milliseconds>(d.requeue_after)};
}

}  // namespace controller
