#include "fleetctl/rollout_commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <thread>

#include "fleet/registry.h"
#include "fleet/selector.h"
#include "fleet/types/rollout.h"

namespace fleetctl {
namespace {

using fleet::Json;
using fleet::RolloutSpec;
using fleet::RolloutStatus;
using fleet::Status;
using Clock = std::chrono::steady_clock;

constexpr int kConflictRetries = 5;

int Fail(const Status& st) {
  std::cerr << "error: " << st.message() << "\n";
  return kRolloutFailed;
}

const fleet::KindInfo& RolloutKind() { return *fleet::FindKind("Rollout"); }

// A resourceVersion (a decimal string, as Kubernetes serves it); 0 when there is none.
int64_t Revision(const std::string& v) { return v.empty() ? 0 : std::stoll(v); }

int64_t Number(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) return Revision(v.get<std::string>());
  return 0;
}

// A served Rollout's status and spec, read through their typed views.
RolloutStatus StatusOf(const Json& rollout) { return rollout.value("status", Json::object()).get<RolloutStatus>(); }
RolloutSpec SpecOf(const Json& rollout) { return rollout.value("spec", Json::object()).get<RolloutSpec>(); }

// The newest resourceVersion among what rendering depends on; the controller records the one its
// status covers (status.observedInputsRevision), so a status older than a just-applied change is
// not taken for its outcome.
fleet::Result<int64_t> InputsRevision(Client& client) {
  int64_t newest = 0;
  for (const char* kind : {"AgentProfile", "Secret", "HostGroup"}) {
    auto list = client.List(*fleet::FindKind(kind), "");
    if (!list.ok()) return list.status();
    for (const auto& o : (*list)["items"]) newest = std::max(newest, Number(o["metadata"]["resourceVersion"]));
  }
  return newest;
}

// How many hosts the current target covers (its history entry).
int TargetHosts(const RolloutStatus& status) {
  if (!status.history) return 0;
  for (const auto& h : *status.history) {
    if (h.revision == status.revision.value_or(0)) return static_cast<int>(h.hosts.size());
  }
  return 0;
}

std::string Summary(const RolloutStatus& st) {
  // The controller never writes an empty phase: none yet is Pending.
  return "revision " + std::to_string(st.revision.value_or(0)) + " " + (st.phase.empty() ? "Pending" : st.phase) +
         ": " + std::to_string(st.updated_hosts.value_or(0)) + "/" + std::to_string(TargetHosts(st)) +
         " updated, " + std::to_string(st.failed_hosts.value_or(0)) + " failed" +
         (st.message ? " - " + *st.message : "");
}

// Every Host the rollout selects, at the generation it has now, is in the status at that
// generation or later.
bool CoversHosts(const RolloutSpec& spec, const RolloutStatus& st, const Json& hosts) {
  const auto selector = fleet::LabelSelector::FromJson(spec.selector);
  for (const auto& h : hosts) {
    if (!selector.MatchesObject(h)) continue;
    if (!st.observed_host_generations) return false;
    const auto it = st.observed_host_generations->find(h["metadata"].value("name", ""));
    if (it == st.observed_host_generations->end() ||
        it->second < Number(h["metadata"].value("generation", Json(0)))) {
      return false;
    }
  }
  return true;
}

int RunStatus(const ConnectFn& connect, const std::string& name, int timeout_seconds) {
  auto client = connect();
  if (!client.ok()) return Fail(client.status());
  auto inputs = InputsRevision(**client);
  if (!inputs.ok()) return Fail(inputs.status());
  const bool tty = ::isatty(STDOUT_FILENO);
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  std::string last;
  for (;;) {
    auto rollout = (*client)->Get(RolloutKind(), name);
    if (!rollout.ok() && rollout.status().code() != fleet::Code::kUnavailable) return Fail(rollout.status());
    fleet::Result<Json> hosts = (*client)->List(*fleet::FindKind("Host"), "");
    if (!hosts.ok() && hosts.status().code() != fleet::Code::kUnavailable) return Fail(hosts.status());
    if (rollout.ok() && hosts.ok()) {
      const RolloutView view = ViewRollout(*rollout, *inputs, (*hosts)["items"]);
      if (tty) {
        std::cout << "\r\033[K" << RolloutProgressBar(*rollout, 20) << " rollout/" << name << " " << view.line
                  << std::flush;
      } else if (view.line != last) {
        std::cout << fleet::NowRfc3339() << " rollout/" << name << " " << view.line << "\n" << std::flush;
      }
      last = view.line;
      if (view.exit_code) {
        if (tty) std::cout << "\n";
        if (*view.exit_code != kRolloutCompleted) {
          const RolloutStatus st = StatusOf(*rollout);
          std::cerr << "rollout/" << name << " " << st.phase << ": " << st.message.value_or("") << "\n";
        }
        return *view.exit_code;
      }
    }
    if (Clock::now() >= deadline) {
      if (tty) std::cout << "\n";
      std::cerr << "rollout/" << name << ": timed out after " << timeout_seconds << "s (" << last << ")\n";
      return kRolloutTimedOut;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int RunHistory(const ConnectFn& connect, const std::string& name) {
  auto client = connect();
  if (!client.ok()) return Fail(client.status());
  auto rollout = (*client)->Get(RolloutKind(), name);
  if (!rollout.ok()) return Fail(rollout.status());
  std::cout << FormatRolloutHistory(*rollout);
  return kRolloutCompleted;
}

// Read, set the fields change holds in the spec, write with the read resourceVersion; again on a
// conflict. change is merged into the served spec (a JSON merge patch: only the fields it sets),
// so a spec field this fleetctl does not know is sent back as it came.
int ChangeSpec(const ConnectFn& connect, const std::string& name, const RolloutSpec& change,
               const std::string& done) {
  auto client = connect();
  if (!client.ok()) return Fail(client.status());
  for (int attempt = 0;; ++attempt) {
    auto rollout = (*client)->Get(RolloutKind(), name);
    if (!rollout.ok()) return Fail(rollout.status());
    rollout->erase("status");
    (*rollout)["spec"].merge_patch(Json(change));
    auto updated = (*client)->Update(RolloutKind(), *rollout);
    if (updated.ok()) {
      std::cout << "rollout/" << name << " " << done << "\n";
      return kRolloutCompleted;
    }
    if (updated.status().code() != fleet::Code::kConflict || attempt + 1 >= kConflictRetries) {
      return Fail(updated.status());
    }
  }
}

}  // namespace

RolloutView ViewRollout(const Json& rollout, int64_t inputs_revision, const Json& hosts) {
  RolloutView view;
  const RolloutStatus st = StatusOf(rollout);
  view.current = st.observed_generation.value_or(0) >= Number(rollout["metadata"].value("generation", Json(0))) &&
                 Revision(st.observed_inputs_revision.value_or("")) >= inputs_revision &&
                 CoversHosts(SpecOf(rollout), st, hosts);
  if (!view.current) {
    view.line = "waiting for the controller to observe the latest change";
    return view;
  }
  view.line = Summary(st);
  namespace phase = fleet::rollout_phase;
  if (st.phase == phase::kCompleted) view.exit_code = kRolloutCompleted;
  else if (st.phase == phase::kFailed || st.phase == phase::kRolledBack) view.exit_code = kRolloutFailed;
  else if (st.phase == phase::kPaused) view.exit_code = kRolloutPaused;
  return view;
}

std::string RolloutProgressBar(const Json& rollout, int width) {
  const RolloutStatus st = StatusOf(rollout);
  const int total = TargetHosts(st);
  int done = total ? std::min(st.updated_hosts.value_or(0), total) * width / total : 0;
  return "[" + std::string(done, '#') + std::string(width - done, '.') + "]";
}

std::string FormatRolloutHistory(const Json& rollout) {
  const RolloutStatus st = StatusOf(rollout);
  char line[256];
  std::snprintf(line, sizeof line, "%-9s %-21s %-6s %-13s %s\n", "REVISION", "CREATED", "HOSTS", "FINGERPRINT", "NOTE");
  std::string out = line;
  static const std::vector<fleet::RolloutHistoryEntry> kNoHistory;
  for (const auto& h : st.history ? *st.history : kNoHistory) {
    std::string note;
    if (h.fingerprint == st.target_revision) note = "target (" + st.phase + ")";
    else if (h.fingerprint == st.current_revision) note = "completed";
    std::snprintf(line, sizeof line, "%-9lld %-21s %-6zu %-13s %s", static_cast<long long>(h.revision),
                  h.created_at.c_str(), h.hosts.size(), h.fingerprint.c_str(), note.c_str());
    out += line;
    while (!out.empty() && out.back() == ' ') out.pop_back();  // an empty NOTE leaves no trailing blanks
    out += "\n";
  }
  return out;
}

void AddRolloutCommands(CLI::App& app, ConnectFn connect, int* rc) {
  auto* rollout = app.add_subcommand("rollout", "Follow and steer rollouts: status, history, undo, pause, resume");
  rollout->require_subcommand(1);

  auto name = std::make_shared<std::string>();
  auto timeout = std::make_shared<int>(600);
  auto* status = rollout->add_subcommand(
      "status", "Follow a rollout until it settles; exit 0 completed, 1 failed or rolled back, 2 timeout, 3 paused");
  status->add_option("name", *name, "Rollout name")->required();
  status->add_option("--timeout", *timeout, "Seconds to wait before giving up (exit 2)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  status->callback([=] { *rc = RunStatus(connect, *name, *timeout); });

  auto* history = rollout->add_subcommand("history", "List a rollout's revisions (the last 10)");
  history->add_option("name", *name, "Rollout name")->required();
  history->callback([=] { *rc = RunHistory(connect, *name); });

  auto to_revision = std::make_shared<int>(0);
  auto* undo = rollout->add_subcommand(
      "undo", "Roll back to an earlier revision (default: the previous one), with the rollout's strategy");
  undo->add_option("name", *name, "Rollout name")->required();
  undo->add_option("--to-revision", *to_revision, "History revision to go back to (0: the previous)")
      ->check(CLI::NonNegativeNumber);
  undo->callback([=] {
    RolloutSpec change;
    change.rollback_to = *to_revision;
    *rc = ChangeSpec(connect, *name, change,
                     "rolling back" + (*to_revision ? " to revision " + std::to_string(*to_revision) : std::string()));
  });

  for (bool pause : {true, false}) {
    auto* cmd = rollout->add_subcommand(pause ? "pause" : "resume",
                                        pause ? "Admit no more hosts (admitted ones finish their health gate)"
                                              : "Continue a paused rollout");
    cmd->add_option("name", *name, "Rollout name")->required();
    cmd->callback([=] {
      RolloutSpec change;
      change.paused = pause;
      *rc = ChangeSpec(connect, *name, change, pause ? "paused" : "resumed");
    });
  }
}

}  // namespace fleetctl
