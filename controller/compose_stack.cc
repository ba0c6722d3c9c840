#include "controller/compose_stack.h"

#include "controller/agent_service.h"
#include "fleet/core/json_parse.h"
#include "fleet/core/text.h"

namespace controller {
namespace {

using fleet::Json;
using fleet::Status;

// $1 = up | up-restart | containers | down | remove, $2 = the stack's directory, $3 = project.
// Exit 127 when the host has no compose at all.
constexpr char kComposeScript[] = R"sh(set -u
action=$1 dir=$2 project=$3
# No stack there, or none running (project ""): only files to remove.
if [ ! -f "$dir/compose.yaml" ] || [ -z "$project" ]; then
  case $action in down) exit 0 ;; remove) rm -rf -- "$dir"; exit 0 ;; containers) echo '[]'; exit 0 ;; esac
fi
cd -- "$dir" || exit 1
# v2 lists stopped containers with ps -a; v1 lists them by default (its -a adds one-off ones).
if docker compose version >/dev/null 2>&1; then
  compose() { docker compose -p "$project" -f "$dir/compose.yaml" "$@"; }
  all=-a
elif command -v docker-compose >/dev/null 2>&1; then
  compose() { docker-compose -p "$project" -f "$dir/compose.yaml" "$@"; }
  all=
else
  echo "neither docker compose nor docker-compose is installed" >&2
  exit 127
fi
case $action in
  up) compose up -d --remove-orphans ;;
  up-restart) compose up -d --remove-orphans && compose restart alloy ;;
  containers)
    ids=$(compose ps $all -q) || exit 1
    if [ -z "$ids" ]; then echo '[]'; else docker inspect $ids; fi ;;
  down) compose down --remove-orphans ;;
  remove) compose down --remove-orphans && rm -rf -- "$dir" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
)sh";

fleet::Result<ExecResult> RunCompose(RemoteSession& session, const std::string& action,
                                     const std::string& dir, const std::string& project) {
  FLEET_RETURN_IF_ERROR(ValidateInstallPath(dir));
  return session.Exec({"sh", "-c", kComposeScript, "fleet-compose", action, dir, project});
}

}  // namespace

Status ComposeUp(RemoteSession& session, const std::string& dir, const std::string& project,
                 bool restart_alloy) {
  const std::string action = restart_alloy ? "up-restart" : "up";
  return CheckExit(RunCompose(session, action, dir, project), "compose " + action);
}

fleet::Result<Json> ComposeContainers(RemoteSession& session, const std::string& dir,
                                      const std::string& project) {
  auto listed = RunCompose(session, "containers", dir, project);
  FLEET_RETURN_IF_ERROR(CheckExit(listed, "compose ps"));
  auto parsed = fleet::ParseUntrustedJson(listed->out, 16);
  if (!parsed.ok() || !parsed->is_array()) {
    return Status::Internal("compose ps: docker inspect printed no JSON array: " +
                            fleet::ForeignText(listed->out, 200));
  }
  return *parsed;
}

Status ComposeDown(RemoteSession& session, const std::string& dir, const std::string& project,
                   bool remove_dir) {
  const std::string action = remove_dir ? "remove" : "down";
  return CheckExit(RunCompose(session, action, dir, project), "compose " + action);
}

fleet::Condition StackHealth(const Json& containers, const std::string& project) {
  namespace reason = fleet::reason;
  std::map<std::string, const Json*> by_service;
  for (const Json& c : containers) {
    if (!c.is_object()) continue;
    const Json labels = c.value("Config", Json::object()).value("Labels", Json::object());
    if (!labels.is_object()) continue;
    const Json service = labels.value("com.docker.compose.service", Json());
    if (service.is_string()) by_service[service.get<std::string>()] = &c;
  }
  std::string failing;
  auto fail = [&](const std::string& service, const std::string& why) {
    failing += (failing.empty() ? "" : "; ") + service + ": " + why;
  };
  for (const std::string& service : kComposeServices) {
    auto it = by_service.find(service);
    if (it == by_service.end()) {
      fail(service, "no container");
      continue;
    }
    const Json state = it->second->value("State", Json::object());
    if (!state.is_object()) {
      fail(service, "no state");
      continue;
    }
    const Json status = state.value("Status", Json());
    const std::string text = status.is_string() ? fleet::ForeignText(status.get<std::string>(), 32) : "unknown";
    const Json health = state.value("Health", Json::object());
    const Json health_status = health.is_object() ? health.value("Status", Json()) : Json();
    if (text != "running") {
      std::string why = text;
      const Json code = state.value("ExitCode", Json());
      if (code.is_number_integer() && text == "exited") why += " (code " + std::to_string(code.get<int64_t>()) + ")";
      if (state.value("OOMKilled", Json()) == true) why += ", OOM-killed";
      fail(service, why);
    } else if (health_status.is_string() && health_status != "healthy") {
      fail(service, "running, health " + fleet::ForeignText(health_status.get<std::string>(), 32));
    }
  }
  namespace cstatus = fleet::condition_status;
  if (!failing.empty()) {
    return {fleet::condition_type::kHealthy, cstatus::kFalse, reason::kStackUnhealthy,
            "compose project " + project + ": " + failing};
  }
  return {fleet::condition_type::kHealthy, cstatus::kTrue, reason::kStackHealthy,
          "compose project " + project + ": alloy, node-exporter and cadvisor running"};
}

}  // namespace controller
