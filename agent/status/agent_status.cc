#include "agent/status/agent_status.h"

#include "fleet/core/time.h"

namespace agent::status {
namespace {

double Seconds(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

AgentStatus::AgentStatus(Registry& registry, std::string version)
    : registry_(registry), version_(std::move(version)), started_(Clock::now()) {}

void AgentStatus::ConfigActive(const std::string& instance, const std::string& file,
                               const std::string& revision, const std::string& sha256,
                               const std::string& trigger) {
  std::lock_guard lock(mu_);
  instance_ = instance;
  config_.file = file;
  config_.revision = revision;
  config_.sha256 = sha256;
  config_.loaded_at = Clock::now();
  if (trigger.empty()) return;
  config_.last_reload_at = config_.loaded_at;
  config_.last_reload_ok = true;
  config_.last_reload_error.clear();
  config_.last_reload_trigger = trigger;
  ++config_.reloads_ok;
}

void AgentStatus::ConfigRejected(const std::string& trigger, const std::string& error) {
  std::lock_guard lock(mu_);
  config_.last_reload_at = Clock::now();
  config_.last_reload_ok = false;
  config_.last_reload_error = error;
  config_.last_reload_trigger = trigger;
  ++config_.reloads_failed;
}

ConfigState AgentStatus::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

fleet::Json AgentStatus::Json() const {
  fleet::Json components = fleet::Json::array();
  bool healthy = true;
  for (const auto& c : registry_.Components()) {
    ComponentSnapshot s = c->Snapshot();
    healthy = healthy && (s.health != Health::kError || !CountsForAgentHealth(s.kind));
    components.push_back(ToJson(s));
  }
  std::lock_guard lock(mu_);
  const ConfigState& c = config_;
  fleet::Json last_reload = nullptr;
  if (c.reloads_ok + c.reloads_failed > 0) {
    last_reload = {{"time", fleet::FormatRfc3339(c.last_reload_at)},
                   {"successful", c.last_reload_ok},
                   {"trigger", c.last_reload_trigger},
                   {"error", c.last_reload_error}};
  }
  const std::chrono::duration<double> uptime = Clock::now() - started_;
  return {{"instance", instance_},
          {"version", version_},
          {"startTime", fleet::FormatRfc3339(started_)},
          {"uptimeSeconds", uptime.count()},
          // An invalid new config leaves the old one running, but someone has to fix the file.
          {"healthy", healthy && c.last_reload_ok},
          {"config",
           {{"file", c.file},
            {"revision", c.revision},
            {"sha256", c.sha256},
            {"loadedAt", fleet::FormatRfc3339(c.loaded_at)},
            {"lastReload", last_reload},
            {"reloads", {{"success", c.reloads_ok}, {"failure", c.reloads_failed}}}}},
          {"liveView", registry_.live_enabled()},
          {"components", components}};
}

void AgentStatus::Collect(std::vector<fleet::metrics::Family>* out) const {
  using fleet::metrics::Family;
  using fleet::metrics::Type;
  Family component_healthy{"fleet_agent_component_healthy",
                           "Whether the component's last attempt succeeded (1) or failed (0).",
                           Type::kGauge, {}};
  for (const auto& c : registry_.Components()) {
    ComponentSnapshot s = c->Snapshot();
    component_healthy.samples.push_back(
        {"", {{"component", s.name}, {"kind", s.kind}}, s.health == Health::kError ? 0.0 : 1.0});
  }
  out->push_back(std::move(component_healthy));
  std::lock_guard lock(mu_);
  const ConfigState& c = config_;
  out->push_back({"fleet_agent_config_last_reload_successful",
                  "Whether the last configuration reload attempt was successful.", Type::kGauge,
                  {{"", {}, c.last_reload_ok ? 1.0 : 0.0}}});
  out->push_back({"fleet_agent_config_last_reload_success_timestamp_seconds",
                  "Timestamp of the last successful configuration load (start or reload).",
                  Type::kGauge, {{"", {}, Seconds(c.loaded_at)}}});
  out->push_back({"fleet_agent_config_reloads_total", "Configuration reload attempts by result.",
                  Type::kCounter,
                  {{"", {{"result", "failure"}}, static_cast<double>(c.reloads_failed)},
                   {"", {{"result", "success"}}, static_cast<double>(c.reloads_ok)}}});
  out->push_back({"fleet_agent_config_info", "The active configuration: revision and file hash.",
                  Type::kGauge, {{"", {{"revision", c.revision}, {"sha256", c.sha256}}, 1.0}}});
}

}  // namespace agent::status
