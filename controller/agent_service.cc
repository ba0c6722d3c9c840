#include "controller/agent_service.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "fleet/core/crypto.h"

namespace controller {
namespace {

using fleet::Result;
using fleet::Status;

// Prints "sha256  path" for each listed file that exists under the directory $1.
constexpr char kHashFilesScript[] =
    "cd -- \"$1\" 2>/dev/null || exit 0; shift; "
    "for f; do if [ -f \"$f\" ]; then sha256sum -- \"$f\"; fi; done";

// Exit status of the control script on a host where systemd is the init system: the agent is
// then run as a unit, with systemctl, instead of under the bundled supervisor.
constexpr int kSystemdHere = 100;

// $1 = stop|restart|reload, $2 = install dir, $3 = config. Pid files are only trusted when the
// process they name is still this install's (they can be stale after a reboot). reload sends
// SIGHUP to a running agent started with this config (the agent re-reads it in place, keeping
// its buffers) and falls back to restart when there is none.
constexpr char kSupervisorControlScript[] = R"sh(set -u
action=$1 dir=$2 config=${3:-}
run=$dir/run
# systemd's own test (sd_booted): this directory exists only when systemd runs as PID 1.
[ -d /run/systemd/system ] && exit 100
# Every process started here costs each host of a rollout, so builtins wherever they do.
# alive PID: PID runs, and is not a zombie (exited, not yet reaped by an init that reaps
# lazily); sets ppid. The command name in /proc/PID/stat may hold spaces and parentheses.
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  read -r stat < "/proc/$1/stat" || return 1
  set -- ${stat##*) }
  [ $# -ge 2 ] || return 1
  ppid=$2
  [ "$1" != Z ]
}
# read_pid FILE: sets pid to the number in FILE.
read_pid() {
  pid=
  [ -f "$1" ] && read -r pid < "$1"
  case $pid in ''|*[!0-9]*) return 1 ;; esac
}
# runs_loader PID: PID runs this install's dynamic loader, which the bin/fleet-agent wrapper
# execs (nothing else does).
runs_loader() {
  for loader in "$dir"/lib/ld-linux*; do
    [ "/proc/$1/exe" -ef "$loader" ] && return 0
  done
  return 1
}
# The path of a config change, so builtins only: the agent in agent.pid is this install's, its
# parent is the supervisor in supervisor.pid (which restarts it should it crash later) and it
# was started with this config (recorded below when started).
if [ "$action" = reload ]; then
  if read_pid "$run/agent.pid" && runs_loader "$pid" && alive "$pid" && agent=$pid &&
     read_pid "$run/supervisor.pid" && [ "$ppid" = "$pid" ] &&
     [ -f "$run/config" ] && read -r started < "$run/config" && [ "$started" = "$config" ] &&
     kill -HUP "$agent" 2>/dev/null; then
    exit 0
  fi
  action=restart
fi
# pid_of FILE: the pid in FILE when one of its arguments is this install's supervisor or agent
# (so an agent whose binary an upgrade replaced is found too), else nothing.
pid_of() {
  read_pid "$1" &&
    grep -qzxF -e "$dir/bin/fleet-supervise" -e "$dir/bin/fleet-agent" "/proc/$pid/cmdline" 2>/dev/null &&
    alive "$pid"
}
stop_pidfile() {
  pid_of "$1" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  i=0
  while alive "$pid"; do  # 5 s in 20 ms steps: an agent normally exits in ~10 ms
    i=$((i + 1))
    if [ "$i" -gt 250 ]; then kill -KILL "$pid" 2>/dev/null; break; fi
    sleep 0.02
  done
}
stop_pidfile "$run/supervisor.pid"
stop_pidfile "$run/agent.pid"
rm -f "$run/supervisor.pid" "$run/agent.pid" "$run/config"
[ "$action" = restart ] || exit 0
mkdir -p "$run" "$dir/log"
printf '%s\n' "$config" > "$run/config"
detach=
if command -v setsid >/dev/null 2>&1; then detach=setsid; fi
$detach nohup "$dir/bin/fleet-supervise" "$dir" "$config" </dev/null >>"$dir/log/agent.log" 2>&1 &
i=0
until [ -s "$run/agent.pid" ]; do  # 10 s in 20 ms steps
  i=$((i + 1))
  if [ "$i" -gt 500 ]; then echo "the supervisor did not start the agent; see $dir/log/agent.log" >&2; exit 1; fi
  sleep 0.02
done
)sh";

Status RunOrFail(RemoteSession& session, const std::vector<std::string>& argv,
                 const std::string& what) {
  return CheckExit(session.Exec(argv), what);
}

// ExecStart= words: double-quoted, with systemd's specifier (%) and variable ($) expansion off.
std::string SystemdQuote(const std::string& word) {
  std::string quoted = "\"";
  for (char c : word) {
    switch (c) {
      case '"': quoted += "\\\""; break;
      case '\\': quoted += "\\\\"; break;
      case '%': quoted += "%%"; break;
      case '$': quoted += "$$"; break;
      default: quoted += c;
    }
  }
  return quoted + "\"";
}

// Bundle files in install order: everything but bin/ first, so the wrapper and supervisor that
// start the agent are replaced only after the binary and libraries they point at.
std::vector<const BundleFile*> InstallOrder(const Bundle& bundle) {
  std::vector<const BundleFile*> order;
  for (const BundleFile& file : bundle.files) order.push_back(&file);
  std::stable_partition(order.begin(), order.end(),
                        [](const BundleFile* f) { return f->path.rfind("bin/", 0) != 0; });
  return order;
}

// Installs or refreshes the unit, then `systemctl <verb>`.
Status ControlUnit(RemoteSession& session, const std::string& verb, const std::string& install_dir,
                   const std::string& config_path) {
  const std::string unit = AgentSystemdUnit(install_dir, config_path);
  Result<std::string> remote = session.Sha256(kAgentUnitPath);
  if (!remote.ok()) return remote.status();
  if (*remote != fleet::Sha256Hex(unit)) {
    FLEET_RETURN_IF_ERROR(session.Upload(kAgentUnitPath, unit, 0644));
    FLEET_RETURN_IF_ERROR(RunOrFail(session, {"systemctl", "daemon-reload"}, "systemctl daemon-reload"));
    FLEET_RETURN_IF_ERROR(RunOrFail(session, {"systemctl", "enable", kAgentUnitName}, "systemctl enable"));
  }
  return RunOrFail(session, {"systemctl", verb, kAgentUnitName}, "systemctl " + verb);
}

// Runs the control script: one remote command that acts on hosts without systemd. On a systemd
// host it only answers kSystemdHere; true then.
Result<bool> RunControlScript(RemoteSession& session, const std::string& action,
                              const std::string& install_dir, const std::string& config_path) {
  FLEET_RETURN_IF_ERROR(ValidateInstallPath(install_dir));
  if (action != "stop") FLEET_RETURN_IF_ERROR(ValidateInstallPath(config_path));
  Result<ExecResult> done = session.Exec({"sh", "-c", kSupervisorControlScript,
                                          "fleet-agent-control", action, install_dir, config_path});
  if (done.ok() && done->exit_code == kSystemdHere) return true;
  FLEET_RETURN_IF_ERROR(CheckExit(done, action + " fleet-agent under fleet-supervise"));
  return false;
}

// Stops the agent; true when systemd ran it.
Result<bool> Stop(RemoteSession& session, const std::string& install_dir) {
  Result<bool> systemd = RunControlScript(session, "stop", install_dir, "");
  if (!systemd.ok() || !*systemd) return systemd;
  Result<ExecResult> stopped = session.Exec({"systemctl", "stop", kAgentUnitName});
  if (!stopped.ok()) return stopped.status();
  // 5 = unit not loaded: nothing was installed, so nothing runs.
  if (stopped->exit_code != 0 && stopped->exit_code != 5) return CheckExit(stopped, "systemctl stop");
  return true;
}

// restart | reload: the script, then the unit where systemd runs.
Status StartOrReload(RemoteSession& session, const std::string& action,
                     const std::string& install_dir, const std::string& config_path) {
  Result<bool> systemd = RunControlScript(session, action, install_dir, config_path);
  if (!systemd.ok()) return systemd.status();
  if (!*systemd) return {};
  return ControlUnit(session, action == "reload" ? "reload-or-restart" : "restart", install_dir,
                     config_path);
}

}  // namespace

Status CheckExit(const Result<ExecResult>& result, const std::string& what) {
  if (!result.ok()) return result.status().WithContext(what);
  if (result->exit_code != 0) {
    return Status::Internal(what + " exited " + std::to_string(result->exit_code) + ": " +
                            result->err);
  }
  return {};
}

Status ValidateInstallPath(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Status::Invalid("install path must be absolute: " + path);
  }
  if (std::any_of(path.begin(), path.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return Status::Invalid("install path contains control characters");
  }
  std::istringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part == "." || part == "..") return Status::Invalid("install path has . or ..: " + path);
  }
  return {};
}

Result<std::vector<std::string>> InstallBundle(RemoteSession& session, const Bundle& bundle,
                                               const std::string& install_dir) {
  FLEET_RETURN_IF_ERROR(ValidateInstallPath(install_dir));
  const std::string manifest_path = install_dir + "/" + kBundleManifestName;
  Result<std::string> installed = session.Sha256(manifest_path);
  if (!installed.ok()) return installed.status();
  if (*installed == bundle.digest) return std::vector<std::string>{};

  std::vector<std::string> hash_argv = {"sh", "-c", kHashFilesScript, "fleet-hash", install_dir};
  for (const BundleFile& file : bundle.files) hash_argv.push_back(file.path);
  Result<ExecResult> hashed = session.Exec(hash_argv);
  FLEET_RETURN_IF_ERROR(CheckExit(hashed, "hashing installed bundle"));
  std::map<std::string, std::string> remote_hashes;  // path -> sha256
  std::istringstream lines(hashed->out);
  for (std::string hash, path; lines >> hash >> path;) remote_hashes[path] = hash;

  std::vector<std::string> uploaded;
  for (const BundleFile* file : InstallOrder(bundle)) {
    if (remote_hashes[file->path] == file->sha256) continue;
    FLEET_RETURN_IF_ERROR(session.Upload(install_dir + "/" + file->path, file->content, file->mode));
    uploaded.push_back(file->path);
  }
  FLEET_RETURN_IF_ERROR(session.Upload(manifest_path, bundle.manifest, 0644));
  uploaded.push_back(kBundleManifestName);
  return uploaded;
}

std::string AgentSystemdUnit(const std::string& install_dir, const std::string& config_path) {
  return "[Unit]\n"
         "Description=vpsfleet agent (host and container metrics, Docker logs)\n"
         "Wants=network-online.target\n"
         "After=network-online.target\n"
         "\n"
         "[Service]\n"
         "ExecStart=" + SystemdQuote(install_dir + "/bin/fleet-agent") + " --config " +
         SystemdQuote(config_path) + "\n"
         "ExecReload=/bin/kill -HUP $MAINPID\n"
         "Restart=always\n"
         "RestartSec=1\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

Status RestartAgent(RemoteSession& session, const std::string& install_dir,
                    const std::string& config_path) {
  return StartOrReload(session, "restart", install_dir, config_path);
}

Status ReloadAgent(RemoteSession& session, const std::string& install_dir,
                   const std::string& config_path) {
  return StartOrReload(session, "reload", install_dir, config_path);
}

Status StopAgent(RemoteSession& session, const std::string& install_dir) {
  return Stop(session, install_dir).status();
}

Status RemoveAgent(RemoteSession& session, const std::string& install_dir) {
  Result<bool> systemd = Stop(session, install_dir);
  if (!systemd.ok()) return systemd.status();
  if (*systemd) {
    // Fails when the unit was never installed (a host that ran under the supervisor before).
    FLEET_RETURN_IF_ERROR(session.Exec({"systemctl", "disable", kAgentUnitName}).status());
    FLEET_RETURN_IF_ERROR(RunOrFail(session, {"rm", "-f", "--", kAgentUnitPath}, "removing the unit"));
    FLEET_RETURN_IF_ERROR(RunOrFail(session, {"systemctl", "daemon-reload"}, "systemctl daemon-reload"));
  }
  return RunOrFail(session,
                   {"rm", "-rf", "--", fleet::AgentConfigPath(install_dir), install_dir + "/secrets",
                    install_dir + "/run"},
                   "removing the agent's config and secrets");
}

}  // namespace controller
