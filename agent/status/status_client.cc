#include "agent/status/status_client.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/http_client.h"

namespace agent::status {
namespace {

std::string Ago(const fleet::Json& time) {
  if (!time.is_string()) return "never";
  std::tm tm{};
  const std::string s = time.get<std::string>();
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return s;
  const auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - then).count();
  return secs < 120 ? fmt::format("{}s ago", std::max<long long>(secs, 0))
                    : secs < 7200 ? fmt::format("{}m ago", secs / 60) : fmt::format("{}h ago", secs / 3600);
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

fleet::Result<fleet::Json> FetchStatus(const std::string& address, std::chrono::seconds timeout) {
  const std::string url = "http://" + address + "/api/v1/status";
  auto client = HttpClient::Create(url, HttpClientOptions(timeout));
  if (!client.ok()) return client.status();
  auto resp = client->Send("GET", "", {}, "");
  if (!resp.ok()) return fleet::Status::Unavailable(url + ": " + resp.status().message());
  if (resp->status != 200) {
    return fleet::Status::Unavailable(url + ": HTTP " + std::to_string(resp->status) + ": " + resp->body);
  }
  try {
    return fleet::Json::parse(resp->body);
  } catch (const std::exception& e) {
    return fleet::Status::Unavailable(url + ": " + e.what());
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
