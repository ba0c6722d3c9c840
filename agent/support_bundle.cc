#include "agent/support_bundle.h"

#include <spdlog/spdlog.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

#include "agent/regex_filter.h"
#include "agent/tar_gz.h"
#include "fleet/core/files.h"
#include "fleet/core/time.h"
#include "fleet/core/yaml_codec.h"

namespace agent {
namespace {

constexpr char kRedacted[] = "<redacted>";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool SecretKey(const std::string& key) {
  const std::string k = Lower(key);
  if (k.size() > 4 && k.compare(k.size() - 4, 4, "file") == 0) return false;  // a path
  for (const char* word : {"password", "passwd", "token", "secret", "credential", "authorization",
                           "apikey", "api_key", "bearer", "private"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

// scheme://user:password@host -> scheme://user:<redacted>@host (also without a user name).
// A value too long for std::regex (it recurses per character) is redacted whole.
std::string RedactUrl(const std::string& s) {
  static const std::regex kUserinfo(R"(^([A-Za-z][A-Za-z0-9+.\-]*://[^/@:]*):[^/@]*@)");
  if (s.size() > kMaxRegexInput) return kRedacted;
  return std::regex_replace(s, kUserinfo, std::string("$1:") + kRedacted + "@",
                            std::regex_constants::format_first_only);
}

void Redact(YAML::Node node, bool all_values) {
  if (node.IsScalar()) {
    node = all_values ? std::string(kRedacted) : RedactUrl(node.Scalar());
  } else if (node.IsSequence()) {
    for (YAML::Node child : node) Redact(child, all_values);
  } else if (node.IsMap()) {
    for (auto kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!all_values && SecretKey(key)) {
        kv.second = std::string(kRedacted);
      } else {
        Redact(kv.second, all_values || Lower(key) == "headers");
      }
    }
  }
}

std::string ReadOr(const std::string& path, const std::string& fallback) {
  auto text = fleet::ReadFileText(path);
  return text.ok() ? *text : fallback + "\n";
}

std::string RuntimeJson(const SupportSources& s) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  const auto now = std::chrono::system_clock::now();
  fleet::Json j;
  j["version"] = VPSFLEET_VERSION;
  j["pid"] = ::getpid();
  j["started"] = fleet::FormatRfc3339(s.started);
  j["now"] = fleet::FormatRfc3339(now);
  j["uptimeSeconds"] = duration_cast<seconds>(now - s.started).count();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  j["hostname"] = host;
  utsname u{};
  if (::uname(&u) == 0) {
    j["kernel"] = {{"sysname", u.sysname}, {"release", u.release}, {"version", u.version},
                   {"machine", u.machine}};
  }
  return fleet::ToPrettyJson(j);
}

}  // namespace

fleet::Result<std::string> RedactConfig(const std::string& yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    // Unparsable text could hide a secret anywhere: nothing of it goes into the bundle.
    return fleet::Status::Invalid("config is not YAML (line " + std::to_string(e.mark.line + 1) +
                                  "); left out");
  }
  Redact(root, false);
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

fleet::Result<std::string> BuildSupportBundle(const SupportSources& s) {
  std::string config;
  if (s.config_path.empty()) {
    config = "# the agent runs without a config file (defaults and flags)\n";
  } else if (auto text = fleet::ReadFileText(s.config_path); !text.ok()) {
    config = "# " + text.status().message() + "\n";
  } else if (auto redacted = RedactConfig(*text); !redacted.ok()) {
    config = "# " + s.config_path + ": " + redacted.status().message() + "\n";
  } else {
    config = "# " + s.config_path + " as on disk, secrets redacted\n" + *redacted;
  }
  std::string logs;
  if (s.logs) {
    for (const std::string& line : s.logs->Lines()) logs += line;
  }
  const std::string self = s.procfs + "/self/";
  TarGzWriter tar(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
  const std::pair<const char*, std::string> members[] = {
      {"config.yaml", config},
      {"logs.txt", logs},
      {"metrics.txt", s.metrics ? s.metrics() : ""},
      {"status.json", s.status ? s.status() : "{}\n"},
      {"runtime.json", RuntimeJson(s)},
      {"limits.txt", ReadOr(self + "limits", "unreadable: " + self + "limits")},
      {"cgroup.txt", ReadOr(self + "cgroup", "unreadable: " + self + "cgroup")},
      {"os-release.txt", ReadOr(s.os_release, "unreadable: " + s.os_release)},
  };
  for (const auto& [name, content] : members) FLEET_RETURN_IF_ERROR(tar.Add(name, content));
  return tar.Finish();
}

HttpResponse SupportBundleService::Handle(const HttpRequest& request) {
  int duration = 0;
  if (auto it = request.query.find("duration"); it != request.query.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 3 || !std::all_of(v.begin(), v.end(), ::isdigit) ||
        std::stoi(v) > kMaxDurationSeconds) {
      return {400, "text/plain; charset=utf-8",
              "duration must be a whole number of seconds from 0 to " +
                  std::to_string(kMaxDurationSeconds) + "\n"};
    }
    duration = std::stoi(v);
  }
  {
    std::unique_lock lock(mu_);
    if (busy_) {
      return {429, "text/plain; charset=utf-8", "a support bundle is being collected already\n"};
    }
    busy_ = true;
  }
  struct Done {
    SupportBundleService* s;
    ~Done() {
      std::lock_guard lock(s->mu_);
      s->busy_ = false;
    }
  } done{this};
  if (duration > 0) {
    std::optional<LogRing::Verbose> verbose;
    if (sources_.logs) verbose.emplace(*sources_.logs);
    spdlog::info("support bundle: collecting for {}s with debug lines in the bundle", duration);
    std::unique_lock lock(mu_);
    stopped_cv_.wait_for(lock, std::chrono::seconds(duration), [&] { return stopped_; });
  }
  auto bundle = BuildSupportBundle(sources_);
  if (!bundle.ok()) {
    spdlog::error("support bundle: {}", bundle.status().ToString());
    return {500, "text/plain; charset=utf-8", bundle.status().message() + "\n"};
  }
  spdlog::info("support bundle: {} bytes", bundle->size());
  return {200, "application/gzip", std::move(*bundle)};
}

void SupportBundleService::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  stopped_cv_.notify_all();
}

}  // namespace agent
