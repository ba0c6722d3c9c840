#include "controller/rollout.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

#include "controller/revisions.h"
#include "fleet/core/crypto.h"
#include "fleet/core/time.h"
#include "fleet/selector.h"
#include "fleet/types/conditions.h"
#include "fleet/types/host.h"
#include "fleet/types/rollout.h"

namespace controller {

using fleet::Condition;
using fleet::HostStatus;
using fleet::Json;
using fleet::RolloutHostEntry;
using fleet::RolloutSpec;
using fleet::RolloutStatus;
using fleet::Status;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;
namespace ctype = fleet::condition_type;
namespace cstatus = fleet::condition_status;
namespace reason = fleet::reason;
namespace state = fleet::rollout_host_state;
namespace phase = fleet::rollout_phase;

namespace {

// A time this controller wrote; `fallback` when it is missing or malformed.
Clock::time_point TimeOr(const std::string& text, Clock::time_point fallback) {
  const auto t = fleet::ParseRfc3339(text);
  return t.ok() ? *t : fallback;
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
  const char* state = state::kAdmitted;
  std::string message;
  std::optional<Clock::time_point> decided_at;  // when to look again while still Admitted
};

GateResult HealthGate(const RolloutHostEntry& entry, const HostStatus& host_status, Clock::time_point now,
                      seconds min_healthy, seconds deadline) {
  GateResult g;
  const auto admitted_at = TimeOr(entry.admitted_at, now);
  const bool on_revision = host_status.revision == entry.revision;
  const Condition* healthy = fleet::FindCondition(host_status.conditions, ctype::kHealthy);
  const Condition* reachable = fleet::FindCondition(host_status.conditions, ctype::kReachable);
  auto since = [&](const Condition* c) {
    return std::max(admitted_at, TimeOr(c->last_transition_time, now));
  };
  if (on_revision && healthy && healthy->status == cstatus::kTrue) {
    auto healthy_since = since(healthy);
    if (now - healthy_since >= min_healthy) {
      g.state = state::kUpdated;
      return g;
    }
    g.decided_at = healthy_since + min_healthy;
  } else if (reachable && reachable->status == cstatus::kFalse &&
             TimeOr(reachable->last_transition_time, now) >= admitted_at) {
    g.state = state::kFailed;
    g.message = "unreachable: " + reachable->message;
    return g;
  }
  if (now - admitted_at > deadline) {
    g.state = state::kFailed;
    g.message = "not healthy on " + entry.revision + " within " + std::to_string(deadline.count()) + "s";
    if (healthy) g.message += " (" + healthy->reason + ": " + healthy->message + ")";
    return g;
  }
  auto deadline_at = admitted_at + deadline + seconds(1);
  g.decided_at = g.decided_at ? std::min(*g.decided_at, deadline_at) : deadline_at;
  return g;
}

void SetProgressing(RolloutStatus& status, const char* value, const char* why, const std::string& message,
                    const std::string& now) {
  fleet::SetCondition(status.conditions, {ctype::kProgressing, value, why, message}, now);
  status.message = message;
}

void SetOverlapCondition(RolloutStatus& status, const RolloutOverlaps& overlaps, const std::string& now) {
  if (overlaps.empty()) {
    if (fleet::FindCondition(status.conditions, ctype::kSelectorOverlap)) {
      fleet::SetCondition(status.conditions,
                          {ctype::kSelectorOverlap, cstatus::kFalse, reason::kNoOverlap,
                           "no other Rollout governs a host this one selects"},
                          now);
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
  fleet::SetCondition(status.conditions,
                      {ctype::kSelectorOverlap, cstatus::kTrue, reason::kOverlappingSelectors, message}, now);
}

// Takes spec.rollbackTo into status: the rollout targets that history entry (pinned) for as long
// as the rendered revisions stay what they were when the undo was asked for.
void ApplyRollbackTo(const RolloutSpec& spec, const std::string& rendered_fingerprint, RolloutStatus& status,
                     RolloutDecision& d) {
  if (!spec.rollback_to) return;
  d.clear_rollback_to = true;
  int64_t wanted = *spec.rollback_to;
  const auto& history = *status.history;
  if (wanted == 0) {
    // The revision before the one the rollout targets now.
    const int64_t target = status.revision.value_or(0);
    for (const auto& h : history) {
      if (h.revision < target) wanted = std::max(wanted, h.revision);
    }
  }
  for (const auto& h : history) {
    if (h.revision == wanted) {
      status.pinned = fleet::RolloutPin{wanted, rendered_fingerprint};
      return;
    }
  }
  status.message = "rollbackTo: revision " + std::to_string(wanted) + " is not in the history";
}

// The history number for a target, appending a new entry (bounded) when it is new.
int64_t HistoryNumber(RolloutStatus& status, const std::string& fingerprint,
                      const std::map<std::string, std::string>& target, const std::string& now) {
  auto& history = *status.history;
  int64_t newest = 0;
  for (const auto& h : history) {
    if (h.fingerprint == fingerprint) return h.revision;
    newest = std::max(newest, h.revision);
  }
  history.push_back({newest + 1, fingerprint, target, now});
  while (history.size() > kRevisionHistoryLimit) history.erase(history.begin());
  return newest + 1;
}

// What a rollout works toward this reconcile, fixed before any phase runs.
struct RolloutPlan {
  std::string name;
  RolloutSpec spec;
  seconds min_healthy;
  seconds deadline;
  std::map<std::string, HostStatus> hosts;    // every selected host's status, by name
  std::map<std::string, std::string> target;  // host -> revision it is to run
  std::string target_fingerprint;
  Clock::time_point now;
  std::string now_text;
};

// How a phase ends the decision: the phase it leaves the rollout in and, unless it is stopped
// already, the Progressing condition that explains it. Only the last phase looks ahead.
struct PhaseEnd {
  std::string phase;
  struct Progressing {
    const char* value;
    const char* reason;
    std::string message;
  };
  std::optional<Progressing> progressing{};
  std::optional<Clock::time_point> next_look{};  // when to reconcile again (else the resync)
  bool pause = false;                            // spec.paused is to be set
};

// Observed generation, overlap, undo and the target: the status every later phase works on.
RolloutPlan Plan(const Json& rollout, const std::vector<RolloutHost>& hosts,
                 const std::string& inputs_revision, Clock::time_point now,
                 const RolloutOverlaps& overlaps, RolloutStatus& status, RolloutDecision& d) {
  RolloutPlan p;
  p.name = rollout["metadata"].value("name", "");
  p.spec = rollout["spec"].get<RolloutSpec>();
  p.min_healthy = seconds(p.spec.MinHealthySeconds());
  p.deadline = seconds(p.spec.ProgressDeadlineSeconds());
  p.now = now;
  p.now_text = fleet::FormatRfc3339(now);
  if (!status.history) status.history.emplace();
  if (!status.hosts) status.hosts.emplace();
  status.observed_generation = rollout["metadata"].value("generation", 0);
  status.observed_inputs_revision = inputs_revision;
  SetOverlapCondition(status, overlaps, p.now_text);

  std::map<std::string, std::string> rendered;
  for (const auto& h : hosts) {
    p.hosts[h.name] = h.status.get<HostStatus>();
    if (!h.desired.empty()) rendered[h.name] = h.desired;
  }
  const std::string rendered_fingerprint = Fingerprint(rendered);
  ApplyRollbackTo(p.spec, rendered_fingerprint, status, d);
  if (status.pinned && status.pinned->while_rendered != rendered_fingerprint) {
    status.pinned.reset();  // a new change supersedes the undo
  }
  p.target = rendered;
  if (status.pinned) {
    for (const auto& h : *status.history) {
      if (h.revision != status.pinned->revision) continue;
      for (const auto& [host, revision] : h.hosts) {
        if (p.target.count(host)) p.target[host] = revision;
      }
    }
  }
  p.target_fingerprint = Fingerprint(p.target);

  if (status.target_revision != p.target_fingerprint) {
    // A new target supersedes whatever was in progress; hosts keep what they run until admitted.
    status.revision = HistoryNumber(status, p.target_fingerprint, p.target, p.now_text);
    status.target_revision = p.target_fingerprint;
    status.hosts.emplace();
    status.paused_after_batch.reset();
    status.phase = phase::kProgressing;
    SetProgressing(status, cstatus::kTrue, reason::kNewRevision,
                   "rolling out revision " + std::to_string(*status.revision), p.now_text);
  }
  return p;
}

// A failed or rolled-back rollout stays stopped until a new target arrives.
std::optional<PhaseEnd> Stopped(const RolloutStatus& status) {
  if (status.phase == phase::kFailed || status.phase == phase::kRolledBack) return PhaseEnd{status.phase};
  return std::nullopt;
}

// A change some selected hosts cannot run (a missing secret, an agent version the controller
// does not have) is a failed change, not a rollout that completes without them.
std::optional<PhaseEnd> Unrenderable(const std::vector<RolloutHost>& hosts) {
  std::vector<std::string> unrenderable;
  for (const auto& h : hosts) {
    if (h.desired.empty() && !h.render_error.empty()) unrenderable.push_back(h.name + ": " + h.render_error);
  }
  if (unrenderable.empty()) return std::nullopt;
  return PhaseEnd{phase::kFailed,
                  PhaseEnd::Progressing{cstatus::kFalse, reason::kRenderFailed,
                                        std::to_string(unrenderable.size()) + " host(s) cannot be rendered (" +
                                            unrenderable.front() + (unrenderable.size() > 1 ? "; ..." : "") +
                                            "); nothing more is admitted"}};
}

// The health gate for every admitted host; hosts no longer selected leave the rollout. Past
// failureThreshold failed hosts the rollout stops (and, with autoRollback, the admitted hosts
// go back). *failed_hosts: "name: why" of each failed host; *next_look: when a gate decides next.
std::optional<PhaseEnd> GateAdmitted(const RolloutPlan& p, RolloutStatus& status,
                                     std::vector<std::string>* failed_hosts,
                                     std::optional<Clock::time_point>* next_look) {
  auto& entries = *status.hosts;
  for (auto it = entries.begin(); it != entries.end();) {
    auto host = p.hosts.find(it->first);
    if (host == p.hosts.end()) {  // no longer selected (or deleted)
      it = entries.erase(it);
      continue;
    }
    RolloutHostEntry& entry = it->second;
    if (entry.state == state::kAdmitted) {
      auto g = HealthGate(entry, host->second, p.now, p.min_healthy, p.deadline);
      entry.state = g.state;
      if (!g.message.empty()) entry.message = g.message;
      if (g.decided_at) *next_look = *next_look ? std::min(**next_look, *g.decided_at) : *g.decided_at;
    }
    if (entry.state == state::kFailed) failed_hosts->push_back(it->first + ": " + entry.message.value_or(""));
    ++it;
  }
  if (static_cast<int>(failed_hosts->size()) < p.spec.FailureThreshold()) return std::nullopt;
  std::string why = std::to_string(failed_hosts->size()) + " host(s) failed the health gate (" +
                    failed_hosts->front() + (failed_hosts->size() > 1 ? "; ..." : "") + ")";
  std::string end = phase::kFailed;
  if (p.spec.AutoRollback()) {
    for (auto& [name, entry] : entries) {
      entry.revision = entry.previous;
      entry.state = state::kRolledBack;
    }
    end = phase::kRolledBack;
    why += "; " + std::to_string(entries.size()) + " admitted host(s) rolled back";
  }
  return PhaseEnd{end, PhaseEnd::Progressing{cstatus::kFalse, reason::kFailureThresholdReached, why}};
}

// Admission: batch 0 is the canary (when there is one), then batches of maxUnavailable; the
// next batch only when every host of the current one has passed (or failed) the health gate,
// and not while paused (an automatic pause step pauses here). Then where the rollout stands:
// Completed, Paused or Progressing.
PhaseEnd AdmitNextBatch(const RolloutPlan& p, RolloutStatus& status, size_t failed_hosts,
                        std::optional<Clock::time_point> next_look) {
  auto& entries = *status.hosts;
  const int total = static_cast<int>(p.target.size());
  const int canary = ResolveCount(p.spec.CanaryHosts(), total, true);
  const int max_unavailable = std::max(1, ResolveCount(p.spec.MaxUnavailable(), total, false));
  std::vector<std::string> pending;  // sorted by name
  int installing = 0;                // nothing delivered yet: they get the target directly
  for (const auto& [name, revision] : p.target) {
    const std::string& current = p.hosts.at(name).revision;
    if (current.empty()) ++installing;
    else if (current != revision && !entries.count(name)) pending.push_back(name);
  }
  int batch = -1;
  bool batch_done = true;
  for (const auto& [name, entry] : entries) batch = std::max(batch, entry.batch);
  for (const auto& [name, entry] : entries) {
    if (entry.batch == batch && entry.state == state::kAdmitted) batch_done = false;
  }
  PhaseEnd end;
  bool paused = p.spec.Paused();
  if (!pending.empty() && batch >= 0 && batch_done && !paused && batch > status.paused_after_batch.value_or(-1)) {
    bool after_canary = batch == 0 && canary > 0;
    if ((after_canary && p.spec.PauseAfterCanary()) || p.spec.PauseAfterEachBatch()) {
      end.pause = paused = true;
      status.paused_after_batch = batch;
    }
  }
  if (!pending.empty() && batch_done && !paused) {
    int next = batch < 0 && canary > 0 ? 0 : std::max(batch + 1, 1);
    int size = next == 0 ? canary : max_unavailable - static_cast<int>(failed_hosts);
    if (size <= 0) {
      end.phase = phase::kFailed;
      end.progressing = {cstatus::kFalse, reason::kNoBudget,
                         "failed hosts use the whole maxUnavailable budget; nothing more can be admitted"};
      return end;
    }
    for (int i = 0; i < size && i < static_cast<int>(pending.size()); ++i) {
      const std::string& name = pending[i];
      entries[name] = {p.target.at(name), p.hosts.at(name).revision, state::kAdmitted, next, p.now_text};
      next_look = next_look ? std::min(*next_look, p.now + p.deadline) : p.now + p.deadline;
    }
    pending.erase(pending.begin(), pending.begin() + std::min<size_t>(size, pending.size()));
  }
  end.next_look = next_look;
  bool admitted_left = false;
  for (const auto& [name, entry] : entries) admitted_left |= entry.state == state::kAdmitted;
  const std::string revision_text = "revision " + std::to_string(status.revision.value_or(0));
  if (pending.empty() && !admitted_left && installing == 0) {
    end.phase = phase::kCompleted;
    status.current_revision = p.target_fingerprint;
    end.progressing = {cstatus::kTrue, reason::kNewRevisionAvailable, revision_text + " runs on every host"};
  } else if (paused) {
    end.phase = phase::kPaused;
    std::string where = status.paused_after_batch
                            ? (*status.paused_after_batch == 0 && canary > 0
                                   ? std::string(" after the canary")
                                   : " after batch " + std::to_string(*status.paused_after_batch))
                            : "";
    end.progressing = {cstatus::kUnknown, reason::kRolloutPaused,
                       revision_text + " paused" + where + "; resume with `fleetctl rollout resume " +
                           p.name + "`"};
  } else {
    end.phase = phase::kProgressing;
    end.progressing = {cstatus::kTrue, reason::kNewRevision, "rolling out " + revision_text};
  }
  return end;
}

// The one way out of DecideRollout: the phase and its condition, the host counts, when to look
// again.
RolloutDecision Finish(const RolloutPlan& p, RolloutStatus status, const PhaseEnd& end, RolloutDecision d) {
  status.phase = end.phase;
  if (end.progressing) {
    SetProgressing(status, end.progressing->value, end.progressing->reason, end.progressing->message,
                   p.now_text);
  }
  d.pause = d.pause || end.pause;
  int updated = 0, healthy = 0, failed = 0;
  for (const auto& [name, host] : p.hosts) {
    healthy += fleet::ConditionStatus(host.conditions, ctype::kHealthy) == cstatus::kTrue;
    auto target = p.target.find(name);
    bool on_target = target != p.target.end() && host.revision == target->second;
    auto entry = status.hosts->find(name);
    std::string state = entry != status.hosts->end() ? entry->second.state : state::kUpdated;
    updated += on_target && state == state::kUpdated;
    failed += state == state::kFailed;
  }
  status.updated_hosts = updated;
  status.healthy_hosts = healthy;
  status.failed_hosts = failed;
  if (end.next_look) d.requeue_after = std::max(seconds(1), std::chrono::ceil<seconds>(*end.next_look - p.now));
  d.status = status;
  return d;
}

}  // namespace

RolloutDecision DecideRollout(const Json& rollout, const std::vector<RolloutHost>& hosts,
                              const std::string& inputs_revision, Clock::time_point now,
                              const RolloutOverlaps& overlaps) {
  RolloutDecision d;
  RolloutStatus status = rollout.value("status", Json::object()).get<RolloutStatus>();
  const RolloutPlan plan = Plan(rollout, hosts, inputs_revision, now, overlaps, status, d);
  std::optional<PhaseEnd> end = Stopped(status);
  if (!end) end = Unrenderable(hosts);
  std::vector<std::string> failed_hosts;
  std::optional<Clock::time_point> next_look;
  if (!end) end = GateAdmitted(plan, status, &failed_hosts, &next_look);
  if (!end) end = AdmitNextBatch(plan, status, failed_hosts.size(), next_look);
  return Finish(plan, std::move(status), *end, std::move(d));
}

const Json* GoverningRollout(const std::vector<Json>& rollouts, const Json& host) {
  for (const auto& r : rollouts) {
    auto selector = fleet::LabelSelector::FromJson(r["spec"].value("selector", Json::object()));
    if (selector.MatchesObject(host)) return &r;
  }
  return nullptr;
}

namespace {

// What a host's render reads: the Host specs, the profiles, groups and Secrets.
struct RenderInputsStamp {
  std::map<std::string, int64_t> host_specs;  // Host -> metadata.generation
  int64_t newest = 0;                         // resourceVersion of the newest profile, group or Secret
  std::vector<int64_t> counts;                // objects of each of those kinds (a deletion)
  bool operator==(const RenderInputsStamp&) const = default;
};

// hosts: a Host list read before the other inputs.
fleet::Result<RenderInputsStamp> RenderInputs(fleet::Store& store, const std::vector<Json>& hosts) {
  RenderInputsStamp stamp;
  for (const auto& h : hosts) {
    stamp.host_specs[h["metadata"]["name"].get<std::string>()] = h["metadata"].value("generation", 0);
  }
  for (const char* kind : {"AgentProfile", "Secret", "HostGroup"}) {
    auto list = store.List(kind);
    if (!list.ok()) return list.status();
    stamp.counts.push_back(static_cast<int64_t>(list->items.size()));
    for (const auto& o : list->items) {
      stamp.newest = std::max<int64_t>(stamp.newest, std::stoll(o["metadata"]["resourceVersion"].get<std::string>()));
    }
  }
  return stamp;
}

constexpr std::chrono::milliseconds kAgainAtOnce{1};

}  // namespace

fleet::Result<std::string> RolloutGate::Admitted(const Json& host, const std::string& rendered) {
  auto rollouts = store_.List("Rollout");
  if (!rollouts.ok()) return rollouts.status();
  const Json* rollout = GoverningRollout(rollouts->items, host);
  const std::string current = host.value("status", Json::object()).get<HostStatus>().revision;
  if (!rollout || current.empty()) return rendered;
  const auto entries = rollout->value("status", Json::object()).get<RolloutStatus>().hosts;
  if (!entries) return current;
  auto entry = entries->find(host["metadata"]["name"].get<std::string>());
  return entry != entries->end() ? entry->second.revision : current;
}

ReconcileResult RolloutReconciler::Reconcile(const std::string& name) {
  auto& store = registry_.store();
  const auto* kind = fleet::FindKind("Rollout");
  auto rollout = store.Get("Rollout", name);
  if (!rollout.ok()) {
    bool gone = rollout.status().code() == fleet::Code::kNotFound;
    return {gone ? Status::Ok() : rollout.status(), {}};
  }
  // The hosts are rendered one by one, each reading the profiles and groups as they are then: an
  // apply committed meanwhile gives some hosts the old inputs and some the new, a target that
  // never existed. Admitting its canary, then the real target's, let two hosts past a canary of
  // one. So the inputs are stamped before the renders read them (the Host list first) and again
  // after.
  auto host_list = store.List("Host");
  if (!host_list.ok()) return {host_list.status(), {}};
  auto inputs = RenderInputs(store, host_list->items);
  if (!inputs.ok()) return {inputs.status(), {}};
  auto rollouts = store.List("Rollout");
  auto secrets = LoadSecrets(store);
  if (!rollouts.ok()) return {rollouts.status(), {}};
  if (!secrets.ok()) return {secrets.status(), {}};
  const int64_t inputs_revision = inputs->newest;
  std::vector<RolloutHost> hosts;
  RolloutOverlaps overlaps;
  // The spec generation of every host it selects: `fleetctl rollout status` waits until a Host
  // edit it just applied (a standalone Host's vars, say) is covered by this status.
  std::map<std::string, int64_t> generations;
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
  auto hosts_after = store.List("Host");
  if (!hosts_after.ok()) return {hosts_after.status(), {}};
  auto inputs_after = RenderInputs(store, hosts_after->items);
  if (!inputs_after.ok()) return {inputs_after.status(), {}};
  if (*inputs_after != *inputs) return {Status::Ok(), kAgainAtOnce};
  auto d = DecideRollout(*rollout, hosts, std::to_string(inputs_revision), Clock::now(), overlaps);
  auto status = d.status.get<RolloutStatus>();
  status.observed_host_generations = std::move(generations);
  d.status = status;
  Json stored = *rollout;
  const auto before = rollout->value("status", Json::object()).get<RolloutStatus>();
  if (before != status) {
    if (status.phase != before.phase) {
      spdlog::info("rollout/{}: {} ({})", name, status.phase, status.message.value_or(""));
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
