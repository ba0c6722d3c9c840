#include "agent/status/status_client.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/local_client.h"
#include "fleet/core/time.h"

namespace agent::status {
namespace {

std::string Ago(const fleet::Json& time) {
  if (!time.is_string()) return "never";
  const auto then = fleet::ParseRfc3339(time.get<std::string>());
  if (!then.ok()) return time.get<std::string>();
  return fleet::HumanAge(std::chrono::system_clock::now() - *then) + " ago";
}

std::string Rates(const fleet::Json& c) {
  std::string out;
  const fleet::Json rates = c.value("rates", fleet::Json::object());
  for (const auto& [name, rate] : rates.items()) {
    if (name == "bytes" || !rate.is_number()) continue;  // items say more in a narrow column
    out += fmt::format("{}{} {:.1f}/s", out.empty() ? "" : ", ", name, rate.get<double>());
  }
  return out.empty() ? "-" : out;
}

}  // namespace

fleet::Result<fleet::Json> FetchStatus(const HttpConfig& listener, std::chrono::seconds timeout) {
  auto body = GetFromLocalListener(listener, "/api/v1/status", timeout);
  if (!body.ok()) return body.status();
  try {
    return fleet::Json::parse(*body);
  } catch (const fleet::Json::exception& e) {
    return fleet::Status::Unavailable("the agent's /api/v1/status is not JSON: " + std::string(e.what()));
  }
}

std::string FormatStatusTable(const fleet::Json& s) {
  const fleet::Json& config = s.value("config", fleet::Json::object());
  std::string out = fmt::format("fleet-agent {} on {}, up {:.0f}s, {}\n", s.value("version", "?"),
                                s.value("instance", "?"), s.value("uptimeSeconds", 0.0),
                                s.value("healthy", false) ? "healthy" : "UNHEALTHY");
  out += fmt::format("config {} revision {}", config.value("file", std::string()).empty() ? "(defaults)" : config.value("file", ""),
                     config.value("revision", std::string()).empty() ? "(none)" : config.value("revision", ""));
  const fleet::Json& reload = config.contains("lastReload") ? config["lastReload"] : fleet::Json();
  if (reload.is_object()) {
    out += fmt::format(", last reload {} ({}, {})", reload.value("successful", false) ? "ok" : "REFUSED",
                       reload.value("trigger", ""), Ago(reload["time"]));
    if (!reload.value("successful", false)) out += ": " + reload.value("error", "");
  }
  out += "\n\n";
  const fleet::Json components = s.value("components", fleet::Json::array());
  size_t name_width = 9;
  for (const auto& c : components) name_width = std::max(name_width, c.value("name", "").size());
  const std::string row = "{:<" + std::to_string(name_width) + "}  {:<9}  {:<7}  {:<12}  {:<32}  {}";
  auto line = [](std::string text) {
    text.erase(text.find_last_not_of(' ') + 1);
    return text + "\n";
  };
  out += line(fmt::format(fmt::runtime(row), "COMPONENT", "KIND", "HEALTH", "LAST OK", "RATES", "LAST ERROR"));
  for (const auto& c : components) {
    std::string error = c.value("lastError", "");
    if (!error.empty()) error = Ago(c["lastErrorTime"]) + ": " + error;
    out += line(fmt::format(fmt::runtime(row), c.value("name", ""), c.value("kind", ""), c.value("health", ""),
                            Ago(c.value("lastSuccessTime", fleet::Json())), Rates(c), error));
  }
  return out;
}

}  // namespace agent::status
