#include "controller/host_reconciler.h"

#include <spdlog/spdlog.h>

#include "controller/bundle.h"
#include "controller/compose_stack.h"
#include "controller/revisions.h"
#include "fleet/core/crypto.h"
#include "fleet/render.h"
#include "fleet/core/text.h"

namespace controller {

using fleet::Condition;
using fleet::HostSpec;
using fleet::HostStatus;
using fleet::Json;
using fleet::Status;
using Clock = std::chrono::system_clock;
namespace ctype = fleet::condition_type;
namespace cstatus = fleet::condition_status;
namespace reason = fleet::reason;

namespace {

std::string FailingComponents(const Json& components) {
  std::string out;
  for (const auto& c : components) {
    if (c.value("healthy", true)) continue;
    out += (out.empty() ? "" : "; ") + c.value("name", "?");
    if (c.contains("message")) out += ": " + c.value("message", "");
  }
  return out.empty() ? "the agent reports unhealthy" : out;
}

// Why a connect failed, as a condition reason.
std::string ConnectReason(const Status& st) {
  switch (st.code()) {
    case fleet::Code::kForbidden:
      return st.message().rfind("host key mismatch", 0) == 0 ? reason::kHostKeyMismatch : reason::kHostKeyUnknown;
    case fleet::Code::kUnauthorized: return reason::kAuthenticationFailed;
    case fleet::Code::kDeadlineExceeded: return reason::kTimeout;
    default: return reason::kConnectFailed;
  }
}

bool HasCleanupFinalizer(const Json& host) {
  for (const auto& f : host["metadata"].value("finalizers", Json::array())) {
    if (f == fleet::kAgentCleanupFinalizer) return true;
  }
  return false;
}

// Where a delivery's time went, for its log line: "connect 12ms, hashes 3ms, ...".
class StepTimes {
 public:
  void Done(const char* step) {
    const auto now = std::chrono::steady_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count();
    text_ += (text_.empty() ? "" : ", ") + std::string(step) + " " + std::to_string(ms) + "ms";
    last_ = now;
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

// Puts files on a host whose content it does not hold yet (by SHA-256, answered from the
// session's prefetch), and checks the secret files a revision from the history needs.
class FileSync {
 public:
  explicit FileSync(RemoteSession& session) : session_(session) {}

  // Uploads content unless the host has it; true when it uploaded.
  fleet::Result<bool> Put(const std::string& path, const std::string& content, int mode) {
    auto remote = session_.Sha256(path);
    if (!remote.ok()) return remote.status();
    if (*remote == fleet::Sha256Hex(content)) return false;
    FLEET_RETURN_IF_ERROR(session_.Upload(path, content, mode));
    changed_ = true;
    return true;
  }
  Status PutSecretFiles(const fleet::RenderedAgent& rendered) {
    for (const auto& [path, content] : rendered.secret_files) {
      if (auto put = Put(path, content, 0600); !put.ok()) return put.status();
    }
    for (const auto& [path, hash] : rendered.kept_secret_files) {
      auto remote = session_.Sha256(path);
      if (!remote.ok()) return remote.status();
      if (*remote != hash) {
        return Status::Invalid(
            "revision " + rendered.revision + " needs an earlier value of " + path +
            ", which the host no longer has and the controller does not keep (no secret value "
            "outlives its Secret): roll forward, or put the earlier value back in the Secret");
      }
    }
    return Status::Ok();
  }
  bool changed() const { return changed_; }

 private:
  RemoteSession& session_;
  bool changed_ = false;
};

// Every file of rendered on the host, and more: what a reconcile hashes in one round trip.
std::vector<std::string> RenderedPaths(const fleet::RenderedAgent& rendered, std::vector<std::string> more) {
  more.push_back(rendered.config_path);
  for (const auto& [path, content] : rendered.secret_files) more.push_back(path);
  for (const auto& [path, hash] : rendered.kept_secret_files) more.push_back(path);
  for (const auto& [path, content] : rendered.files) more.push_back(path);
  return more;
}

}  // namespace

HostDecision DecideHost(const fleet::RenderedAgent& desired, const HostStatus& status,
                        const std::optional<HealthReport>& report,
                        Clock::time_point report_expected_since, Clock::time_point now,
                        const ReconcilerOptions& options) {
  HostDecision d;
  const std::string& desired_revision = desired.revision;
  d.requeue_after = options.resync;
  const std::string& applied = status.revision;
  const bool installed = fleet::ConditionStatus(status.conditions, ctype::kAgentInstalled) == cstatus::kTrue;
  const bool has_token = !status.token_hash.empty();
  if (applied != desired_revision) {
    d.deliver = true;
    d.why = applied.empty() ? "first delivery" : "revision " + applied + " -> " + desired_revision;
  } else if (!installed || !has_token) {
    d.deliver = true;
    d.why = "agent not installed";
  }
  auto set_healthy = [&](const char* value, const char* reason, std::string message) {
    d.healthy = {ctype::kHealthy, value, reason, std::move(message)};
  };
  if (!report) {
    // An agent that never reports (it cannot reach the controller, or does not run) would
    // otherwise await its first report for ever.
    auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - report_expected_since);
    if (installed && has_token && waited > options.report_timeout) {
      set_healthy(cstatus::kFalse, reason::kNoReport,
                  "no report from the agent " + std::to_string(waited.count()) +
                      "s after it was started (timeout " + std::to_string(options.report_timeout.count()) +
                      "s); can the host reach " + options.controller_url + "?");
      if (!d.deliver) {
        d.deliver = true;  // redeliver: verifies the files and restarts the agent
        d.why = "no report since the agent started";
      }
      return d;
    }
    set_healthy(cstatus::kUnknown, reason::kAwaitingReport, "no health report from the agent yet");
    d.requeue_after = options.await_report_poll;
    return d;
  }
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - report->received);
  if (age > options.report_timeout) {
    set_healthy(cstatus::kFalse, reason::kReportsStopped,
                "last report " + std::to_string(age.count()) + "s ago (timeout " +
                    std::to_string(options.report_timeout.count()) + "s)");
    if (!d.deliver) {
      d.deliver = true;  // redeliver: verifies the files and restarts the agent
      d.why = "reports stopped";
    }
    return d;
  }
  if (report->revision != desired_revision) {
    set_healthy(cstatus::kFalse, reason::kRevisionMismatch,
                "agent runs revision " + report->revision + ", desired " + desired_revision);
    d.requeue_after = options.await_report_poll;
  } else if (!desired.agent_version.empty() && report->version != desired.agent_version) {
    // The config arrived but the agent binary did not change (or an old one still runs).
    set_healthy(cstatus::kFalse, reason::kVersionMismatch,
                "agent runs fleet-agent " + report->version + ", desired " + desired.agent_version);
    d.requeue_after = options.await_report_poll;
  } else if (!report->healthy) {
    set_healthy(cstatus::kFalse, reason::kAgentUnhealthy, FailingComponents(report->components));
  } else {
    set_healthy(cstatus::kTrue, reason::kAgentHealthy, "fleet-agent " + report->version + " reports healthy");
  }
  // Look again just after the report would expire, so a silent agent is noticed on time.
  auto until_stale = options.report_timeout - age + std::chrono::seconds(1);
  d.requeue_after = std::min(d.requeue_after, until_stale);
  return d;
}

HostReconciler::HostReconciler(fleet::Registry& registry, Transport& transport,
                               AgentInstaller& installer, HealthTracker& health,
                               RevisionGate& gate, TailnetResolver tailnet,
                               ReconcilerOptions options)
    : registry_(registry), transport_(transport), installer_(installer), health_(health),
      gate_(gate), tailnet_(std::move(tailnet)), options_(std::move(options)) {}

Status HostReconciler::WriteStatus(const Json& host, const HostStatus& status) {
  const HostStatus before = host.value("status", Json::object()).get<HostStatus>();
  if (before == status) return Status::Ok();
  if (events_) RecordConditionChanges(*events_, host["metadata"]["name"], before.conditions, status.conditions);
  Json body = {{"metadata", {{"resourceVersion", host["metadata"]["resourceVersion"]}}},
               {"status", status}};
  const auto* kind = fleet::FindKind("Host");
  auto r = registry_.UpdateStatus(*kind, host["metadata"]["name"], std::move(body), false);
  return r.status();
}

fleet::Result<SshTarget> SshTargetFor(const HostSpec& spec, const std::map<std::string, Json>& secrets,
                                      const HostStatus& status, const TailnetResolver& tailnet) {
  const fleet::HostSsh ssh = spec.Ssh();
  SshTarget t;
  t.address = spec.address;
  if (spec.Tailscale()) {
    auto ip = tailnet(spec.TailnetName());
    if (!ip.ok()) return ip.status();
    t.address = *ip;
  }
  t.port = ssh.Port();
  t.user = ssh.User();
  t.use_agent = ssh.use_agent.value_or(false);
  t.known_hosts_file = ssh.known_hosts_file.value_or("");
  t.expected_host_key = ssh.host_key.value_or("");
  t.recorded_host_key = status.ssh_host_key;
  t.policy = ssh.AcceptNew() ? SshTarget::HostKeyPolicy::kAcceptNew : SshTarget::HostKeyPolicy::kStrict;
  t.timeout = std::chrono::seconds(ssh.ConnectTimeoutSeconds());
  if (ssh.key_secret_ref) {
    const std::string& ref = *ssh.key_secret_ref;
    auto it = secrets.find(ref);
    if (it == secrets.end()) return Status::NotFound("spec.ssh.keySecretRef: secret/" + ref + " not found");
    const Json& data = it->second.value("data", Json::object());
    if (!data.contains("ssh-privatekey")) {
      return Status::NotFound("spec.ssh.keySecretRef: secret/" + ref + " has no key \"ssh-privatekey\"");
    }
    auto key = fleet::Base64Decode(data["ssh-privatekey"].get<std::string>());
    if (!key) return Status::Invalid("secret/" + ref + " ssh-privatekey is not base64");
    t.private_key = *key;
  }
  return t;
}

fleet::Result<std::unique_ptr<RemoteSession>> HostReconciler::Open(
    const HostSpec& spec, const std::map<std::string, Json>& secrets, HostStatus& status,
    const std::vector<std::string>& compared) {
  const std::string now = FormatRfc3339(Clock::now());
  auto reachable = [&](const char* value, std::string why, std::string message) {
    fleet::SetCondition(status.conditions, {ctype::kReachable, value, std::move(why), std::move(message)}, now);
  };
  auto target = SshTargetFor(spec, secrets, status, tailnet_);
  if (!target.ok()) {
    reachable(cstatus::kFalse, reason::kTargetUnresolved, target.status().message());
    return target.status();
  }
  auto session = transport_.Connect(*target);
  if (!session.ok()) {
    reachable(cstatus::kFalse, ConnectReason(session.status()), session.status().message());
    return session.status();
  }
  reachable(cstatus::kTrue, reason::kConnected,
            "ssh " + target->user + "@" + target->address + ":" + std::to_string(target->port));
  // Recorded only for accept-new, which trusts it from now on; a pinned key or a known_hosts file
  // is the truth on every connect, so a key rotated or revoked there takes effect.
  if (target->policy == SshTarget::HostKeyPolicy::kAcceptNew && target->expected_host_key.empty()) {
    status.ssh_host_key = (*session)->host_key();
  } else {
    status.ssh_host_key.clear();
  }
  if (auto st = (*session)->Prefetch(compared); !st.ok()) {
    reachable(cstatus::kFalse, ConnectReason(st), st.message());
    return st;
  }
  return session;
}

Status HostReconciler::Deliver(const std::string& name, const HostSpec& spec,
                               const fleet::RenderedAgent& rendered,
                               const std::map<std::string, Json>& secrets, HostStatus& status) {
  const std::string now = FormatRfc3339(Clock::now());
  auto set = [&](const char* type, const char* value, std::string reason, std::string message) {
    fleet::SetCondition(status.conditions, {type, value, std::move(reason), std::move(message)}, now);
  };
  StepTimes times;
  const std::string install_dir = spec.InstallDir();
  const std::string token_path = fleet::AgentTokenPath(install_dir);
  auto session = Open(spec, secrets, status,
                      RenderedPaths(rendered, {install_dir + "/" + kBundleManifestName, token_path}));
  if (!session.ok()) return session.status();
  RemoteSession& s = **session;
  times.Done("connect and hash");

  auto installed = installer_.Install(s, install_dir, rendered.agent_version);
  if (!installed.ok()) {
    set(ctype::kAgentInstalled, cstatus::kFalse, reason::kInstallFailed, installed.status().message());
    return installed.status();
  }
  set(ctype::kAgentInstalled, cstatus::kTrue, reason::kInstalled,
      "fleet-agent " + rendered.agent_version + (rendered.agent_version.empty() ? "" : " ") +
          "installed in " + install_dir);
  const bool binary_changed = *installed;
  times.Done("install");

  FileSync files(s);
  auto fail_apply = [&](const Status& st) {
    set(ctype::kConfigApplied, cstatus::kFalse, reason::kUploadFailed, st.message());
    return st;
  };
  if (auto st = files.PutSecretFiles(rendered); !st.ok()) return fail_apply(st);
  // The report token: the host keeps it (0600), the controller keeps only its hash; a host
  // without the matching token gets a fresh one.
  auto remote_token = s.Sha256(token_path);
  if (!remote_token.ok()) return fail_apply(remote_token.status());
  bool token_changed = false;
  if (status.token_hash.empty() || *remote_token != status.token_hash) {
    std::string token = fleet::RandomHex(32);
    if (auto st = s.Upload(token_path, token, 0600); !st.ok()) return fail_apply(st);
    status.token_hash = fleet::Sha256Hex(token);
    token_changed = true;
  }
  health_.SetTokenHash(name, status.token_hash);
  if (auto put = files.Put(rendered.config_path, rendered.config, 0640); !put.ok()) {
    return fail_apply(put.status());
  }
  const bool files_changed = token_changed || files.changed();
  // A running agent takes new files by reloading in place (no new process, buffers kept); a new
  // binary, or an agent that is not reporting, needs a restart.
  times.Done("upload");
  auto report = health_.Last(name);
  const bool alive = report && Clock::now() - report->received < options_.report_timeout;
  const bool on_revision = alive && report->revision == rendered.revision;
  Status applied;
  const char* how = "";
  if (binary_changed || (files_changed && !alive)) {
    applied = installer_.Restart(s, install_dir, rendered.config_path);
    how = " (agent restarted)";
  } else if (files_changed) {
    applied = installer_.Reload(s, install_dir, rendered.config_path);
    how = " (agent reloaded)";
  } else if (!on_revision && MayRestartSilentAgent(name)) {
    applied = installer_.Restart(s, install_dir, rendered.config_path);
    how = " (files unchanged, agent restarted)";
  }
  if (!applied.ok()) {
    set(ctype::kConfigApplied, cstatus::kFalse, reason::kRestartFailed, applied.message());
    return applied;
  }
  if (how[0] != '\0') health_.ExpectReport(name, Clock::now());
  times.Done(how[0] == '\0' ? "nothing to restart" : "signal");
  set(ctype::kConfigApplied, cstatus::kTrue, reason::kApplied, "revision " + rendered.revision);
  status.revision = rendered.revision;
  spdlog::info("host/{}: delivered revision {}{} ({})", name, rendered.revision, how, times.text());
  return Status::Ok();
}

ReconcileResult HostReconciler::ReconcileComposeStack(const Json& host, const HostSpec& spec,
                                                      const fleet::RenderedAgent& rendered,
                                                      const std::map<std::string, Json>& secrets,
                                                      HostStatus status) {
  const std::string name = host["metadata"]["name"];
  const std::string now = FormatRfc3339(Clock::now());
  auto set = [&](fleet::Condition c) { fleet::SetCondition(status.conditions, std::move(c), now); };
  auto fail = [&](const char* type, const char* why, const Status& st) -> ReconcileResult {
    set({type, cstatus::kFalse, why, st.message()});
    // A stack compose could not run or list is not known to be healthy.
    if (std::string_view(type) == ctype::kAgentInstalled) set({ctype::kHealthy, cstatus::kFalse, why, st.message()});
    spdlog::warn("host/{}: alloy-compose stack: {}", name, st.message());
    (void)WriteStatus(host, status);
    return {st, {}};
  };
  StepTimes times;
  const std::string dir = fleet::ComposeStackDir(spec.InstallDir());
  const std::string& project = rendered.compose_project;
  auto session = Open(spec, secrets, status, RenderedPaths(rendered, {}));
  if (!session.ok()) {
    set({ctype::kHealthy, cstatus::kUnknown, reason::kConnectFailed, "cannot look at the stack: " + session.status().message()});
    (void)WriteStatus(host, status);
    return {session.status(), {}};
  }
  RemoteSession& s = **session;
  FileSync files(s);
  bool alloy_config_changed = false;
  if (auto st = files.PutSecretFiles(rendered); !st.ok()) return fail(ctype::kConfigApplied, reason::kUploadFailed, st);
  for (const auto& [path, content] : rendered.files) {
    auto put = files.Put(path, content, 0644);
    if (!put.ok()) return fail(ctype::kConfigApplied, reason::kUploadFailed, put.status());
    alloy_config_changed = alloy_config_changed || *put;
  }
  if (auto put = files.Put(rendered.config_path, rendered.config, 0644); !put.ok()) {
    return fail(ctype::kConfigApplied, reason::kUploadFailed, put.status());
  }
  times.Done("connect and upload");
  auto containers = ComposeContainers(s, dir, project);
  if (!containers.ok()) return fail(ctype::kAgentInstalled, reason::kComposeFailed, containers.status());
  fleet::Condition healthy = StackHealth(*containers, project);
  // compose up is idempotent: run on a change, and on a stack that is not all up (a container
  // that exited, or one removed by hand), as `docker compose up -d` by hand would be.
  const bool up = files.changed() || status.revision != rendered.revision || status.compose_project != project ||
                  healthy.status != cstatus::kTrue;
  if (up) {
    // A running alloy reads config.alloy only at start; a stack started now reads the new one.
    const bool was_up = status.compose_project == project;
    if (auto st = ComposeUp(s, dir, project, alloy_config_changed && was_up); !st.ok()) {
      return fail(ctype::kAgentInstalled, reason::kComposeFailed, st);
    }
    times.Done("compose up");
    containers = ComposeContainers(s, dir, project);
    if (!containers.ok()) return fail(ctype::kAgentInstalled, reason::kComposeFailed, containers.status());
    healthy = StackHealth(*containers, project);
  }
  // A stack started under another project name (alloyCompose.project changed) goes once the new
  // one is up; compose finds its containers by the project label and the same service names.
  if (!status.compose_project.empty() && status.compose_project != project) {
    if (auto st = ComposeDown(s, dir, status.compose_project, false); !st.ok()) {
      return fail(ctype::kAgentInstalled, reason::kComposeFailed, st);
    }
    if (events_) events_->Record(name, "Normal", "ComposeStackStopped", "compose project " + status.compose_project + " replaced by " + project);
  }
  set({ctype::kAgentInstalled, cstatus::kTrue, reason::kComposeStackUp,
       "alloy-compose stack (compose project " + project + ") in " + dir});
  set({ctype::kConfigApplied, cstatus::kTrue, reason::kApplied, "revision " + rendered.revision});
  status.revision = rendered.revision;
  status.compose_project = project;
  // The stack runs: a fleet-agent from before (a rollback, or a host moved back) goes, now and
  // not earlier, so the host is never left without either.
  if (!status.token_hash.empty()) {
    if (auto st = installer_.Remove(s, spec.InstallDir()); !st.ok()) {
      return fail(ctype::kAgentInstalled, reason::kRemoveFailed, st);
    }
    status.token_hash.clear();
    health_.Forget(name);
    if (events_) events_->Record(name, "Normal", "AgentStopped", "fleet-agent stopped: the alloy-compose stack runs");
    times.Done("fleet-agent stopped");
  }
  set(std::move(healthy));
  status.agent_version.clear();
  status.last_seen = now;
  if (up) spdlog::info("host/{}: alloy-compose revision {} up ({})", name, rendered.revision, times.text());
  if (auto st = WriteStatus(host, status); !st.ok()) return {st, {}};
  return {Status::Ok(), std::chrono::duration_cast<std::chrono::milliseconds>(options_.resync)};
}

Status HostReconciler::StopComposeStack(const std::string& name, const HostSpec& spec,
                                        const std::map<std::string, Json>& secrets, HostStatus& status) {
  auto session = Open(spec, secrets, status, {});
  if (!session.ok()) return session.status();
  FLEET_RETURN_IF_ERROR(ComposeDown(**session, fleet::ComposeStackDir(spec.InstallDir()), status.compose_project, false));
  spdlog::info("host/{}: alloy-compose stack {} stopped: fleet-agent reports healthy", name, status.compose_project);
  if (events_) {
    events_->Record(name, "Normal", "ComposeStackStopped",
                    "compose project " + status.compose_project + " stopped: fleet-agent reports healthy");
  }
  status.compose_project.clear();
  return Status::Ok();
}

bool HostReconciler::MayRestartSilentAgent(const std::string& host) {
  std::lock_guard lock(restarts_mu_);
  auto now = std::chrono::steady_clock::now();
  auto it = last_silent_restart_.find(host);
  if (it != last_silent_restart_.end() && now - it->second < 2 * options_.report_timeout) return false;
  last_silent_restart_[host] = now;
  return true;
}

ReconcileResult HostReconciler::Finalize(const Json& host, HostStatus status) {
  const std::string name = host["metadata"]["name"];
  if (!HasCleanupFinalizer(host)) return {Status::Ok(), std::chrono::milliseconds(0)};
  // Nothing was written to a host that was never connected to.
  const bool touched = !status.token_hash.empty() || fleet::FindCondition(status.conditions, ctype::kAgentInstalled);
  if (touched) {
    const std::string now = FormatRfc3339(Clock::now());
    auto fail = [&](std::string why, const Status& st) -> ReconcileResult {
      fleet::SetCondition(status.conditions, {ctype::kAgentRemoved, cstatus::kFalse, std::move(why), st.message()}, now);
      if (events_) events_->Record(name, "Warning", "CleanupFailed", st.message());
      spdlog::warn("host/{}: removing the agent: {}", name, st.message());
      (void)WriteStatus(host, status);
      return {st, {}};
    };
    const HostSpec spec = host["spec"].get<HostSpec>();
    const std::string install_dir = spec.InstallDir();
    if (auto st = fleet::CheckInstallDir(install_dir); !st.ok()) {
      return fail(reason::kUnsafeInstallDir,
                  Status::Invalid("not removing the agent from spec.installDir (`fleetctl delete --force` "
                                  "drops the Host without cleaning up the host):",
                                  st.causes()));
    }
    auto secrets = LoadSecrets(registry_.store());
    if (!secrets.ok()) return {secrets.status(), {}};
    auto target = SshTargetFor(spec, *secrets, status, tailnet_);
    if (!target.ok()) return fail(reason::kTargetUnresolved, target.status());
    auto session = transport_.Connect(*target);
    if (!session.ok()) return fail(ConnectReason(session.status()), session.status());
    // An alloy-compose stack (running, or stopped after a move to fleet-agent: its .env holds a
    // password) goes with the host.
    if (auto st = ComposeDown(**session, fleet::ComposeStackDir(install_dir), status.compose_project, true); !st.ok()) {
      return fail(reason::kRemoveFailed, st);
    }
    if (auto st = installer_.Remove(**session, install_dir); !st.ok()) return fail(reason::kRemoveFailed, st);
    spdlog::info("host/{}: agent stopped and its config removed", name);
    if (events_) events_->Record(name, "Normal", "AgentRemoved", "agent stopped, config and secrets removed");
  }
  auto removed = registry_.SetFinalizer(*fleet::FindKind("Host"), name, fleet::kAgentCleanupFinalizer, false);
  return {removed.status(), std::chrono::milliseconds(0)};
}

ReconcileResult HostReconciler::Reconcile(const std::string& name) {
  auto& store = registry_.store();
  auto host = store.Get("Host", name);
  if (!host.ok()) {
    if (host.status().code() == fleet::Code::kNotFound) {
      health_.Forget(name);
      if (events_) events_->Forget(name);
      return {ForgetRevisions(store, name), std::chrono::milliseconds(0)};
    }
    return {host.status(), {}};
  }
  HostStatus status = host->value("status", Json::object()).get<HostStatus>();
  if (!status.token_hash.empty()) health_.SetTokenHash(name, status.token_hash);
  // Deletion overrides paused: the user asked for the agent to go.
  if ((*host)["metadata"].contains("deletionTimestamp")) return Finalize(*host, std::move(status));
  if ((*host)["spec"].get<HostSpec>().Paused()) return {Status::Ok(), std::chrono::milliseconds(0)};
  if (!HasCleanupFinalizer(*host)) {
    auto added = registry_.SetFinalizer(*fleet::FindKind("Host"), name, fleet::kAgentCleanupFinalizer, true);
    if (!added.ok()) return {added.status(), {}};
    host = store.Get("Host", name);
    if (!host.ok()) return {host.status(), {}};
  }
  const std::string now = FormatRfc3339(Clock::now());
  status.observed_generation = (*host)["metadata"].value("generation", 0);
  const HostSpec spec = (*host)["spec"].get<HostSpec>();

  auto config_failed = [&](std::string why, const std::string& message) -> ReconcileResult {
    fleet::SetCondition(status.conditions, {ctype::kConfigApplied, cstatus::kFalse, std::move(why), message}, now);
    Status st = WriteStatus(*host, status);
    return {st, options_.resync};
  };
  if (auto st = fleet::CheckInstallDir(spec.InstallDir()); !st.ok()) {
    return config_failed(reason::kUnsafeInstallDir,
                         Status::Invalid("not installing into spec.installDir:", st.causes()).message());
  }
  auto secrets = LoadSecrets(store);
  if (!secrets.ok()) return {secrets.status(), {}};
  auto rendered = RenderHost(store, *host, *secrets, options_);
  if (!rendered.ok()) {
    return config_failed(RenderFailureReason(rendered.status()), rendered.status().message());
  }
  if (auto st = RecordRevision(store, name, *rendered); !st.ok()) return {st, {}};
  auto admitted = gate_.Admitted(*host, rendered->revision);
  if (!admitted.ok()) return {admitted.status(), {}};
  if (*admitted != rendered->revision) {
    // Held back (or sent back) by a Rollout: deliver the admitted revision from the history.
    auto held = FindRevision(store, name, *admitted, *rendered);
    if (!held.ok()) return config_failed(reason::kRevisionUnavailable, held.status().message());
    rendered = std::move(*held);
  }

  if (rendered->flavor == fleet::kFlavorAlloyCompose) {
    return ReconcileComposeStack(*host, spec, *rendered, *secrets, std::move(status));
  }

  auto decide = [&] {
    const Clock::time_point at = Clock::now();
    return DecideHost(*rendered, status, health_.Last(name), health_.ReportExpectedSince(name, at), at, options_);
  };
  // Whether the stored status already says the agent is healthy on this revision (see below).
  const fleet::Condition* stored_healthy = fleet::FindCondition(status.conditions, ctype::kHealthy);
  const bool recorded_healthy = stored_healthy && stored_healthy->status == cstatus::kTrue &&
                                stored_healthy->reason == reason::kAgentHealthy && status.revision == rendered->revision;
  auto decision = decide();
  Status delivered = Status::Ok();
  if (decision.deliver) {
    spdlog::info("host/{}: delivering ({})", name, decision.why);
    if (events_) events_->Record(name, "Normal", "Delivering", decision.why);
    delivered = Deliver(name, spec, *rendered, *secrets, status);
    if (!delivered.ok()) spdlog::warn("host/{}: delivery failed: {}", name, delivered.message());
    decision = decide();
  }
  fleet::SetCondition(status.conditions, decision.healthy, now);
  if (auto report = health_.Last(name)) status.agent_version = report->version;
  // A host moving from alloy-compose: its stack stops once the Host is recorded Healthy on the
  // desired revision (the reconcile after the one that wrote it, a second later), so what the
  // API shows never has the stack gone before the agent was healthy; never if the move is
  // rolled back.
  if (delivered.ok() && !status.compose_project.empty() && decision.healthy.status == cstatus::kTrue) {
    if (recorded_healthy) {
      delivered = StopComposeStack(name, spec, *secrets, status);
      if (!delivered.ok()) spdlog::warn("host/{}: stopping the alloy-compose stack: {}", name, delivered.message());
    } else {
      decision.requeue_after = std::min<std::chrono::seconds>(decision.requeue_after, std::chrono::seconds(1));
    }
  }
  Status written = WriteStatus(*host, status);
  if (!delivered.ok()) return {delivered, {}};
  if (!written.ok()) return {written, {}};
  return {Status::Ok(), std::chrono::duration_cast<std::chrono::milliseconds>(decision.requeue_after)};
}

}  // namespace controller
