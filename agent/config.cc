#include "agent/config.h"

#include <charconv>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include "agent/regex_filter.h"

namespace agent {
namespace {

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

fleet::Status FieldError(const std::string& path, const std::string& what) {
  return fleet::Status::Invalid(path + ": " + what);
}

// Walks one YAML mapping, handing out its known keys and reporting the first unknown one.
class Mapping {
 public:
  Mapping(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  fleet::Status Check() const {
    if (!node_ || node_.IsNull() || node_.IsMap()) return fleet::Status::Ok();
    return FieldError(path_.empty() ? "(top level)" : path_, "must be a mapping");
  }
  // The child node (undefined when absent); marks the key as known.
  YAML::Node Get(const std::string& key) {
    known_.insert(key);
    if (!node_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return node_[key];
  }
  std::string PathOf(const std::string& key) const { return Join(path_, key); }
  fleet::Status CheckUnknown() const {
    if (!node_ || !node_.IsMap()) return fleet::Status::Ok();
    for (const auto& kv : node_) {
      const std::string key = kv.first.as<std::string>();
      if (!known_.count(key)) return FieldError(Join(path_, key), "unknown field");
    }
    return fleet::Status::Ok();
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::set<std::string> known_;
};

bool Present(const YAML::Node& n) { return n && !n.IsNull(); }

fleet::Status GetString(Mapping& m, const std::string& key, std::string* out) {
  YAML::Node n = m.Get(key);
  if (!Present(n)) return fleet::Status::Ok();
  if (!n.IsScalar()) return FieldError(m.PathOf(key), "must be a string");
  *out = n.Scalar();
  return fleet::Status::Ok();
}

fleet::Status GetBool(Mapping& m, const std::string& key, bool* out) {
  YAML::Node n = m.Get(key);
  if (!Present(n)) return fleet::Status::Ok();
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    return FieldError(m.PathOf(key), "must be true or false");
  }
  *out = v;
  return fleet::Status::Ok();
}

fleet::Status GetDuration(Mapping& m, const std::string& key, std::chrono::milliseconds* out) {
  std::string s;
  FLEET_RETURN_IF_ERROR(GetString(m, key, &s));
  if (s.empty()) return fleet::Status::Ok();
  auto d = ParseDuration(s);
  if (!d.ok()) return FieldError(m.PathOf(key), d.status().message());
  if (d->count() <= 0) return FieldError(m.PathOf(key), "must be positive");
  *out = *d;
  return fleet::Status::Ok();
}

fleet::Status GetInt(Mapping& m, const std::string& key, int min, int max, int* out) {
  YAML::Node n = m.Get(key);
  if (!Present(n)) return fleet::Status::Ok();
  int v = 0;
  if (!n.IsScalar() || !YAML::convert<int>::decode(n, v) || v < min || v > max) {
    return FieldError(m.PathOf(key), "must be an integer from " + std::to_string(min) + " to " +
                                         std::to_string(max));
  }
  *out = v;
  return fleet::Status::Ok();
}

fleet::Status GetRegex(Mapping& m, const std::string& key, std::string* out) {
  std::string s = *out;
  FLEET_RETURN_IF_ERROR(GetString(m, key, &s));
  if (s.size() > kMaxRegexPattern) {
    return FieldError(m.PathOf(key), "regular expression longer than " +
                                         std::to_string(kMaxRegexPattern) + " characters");
  }
  try {
    std::regex re(s);
  } catch (const std::regex_error& e) {
    return FieldError(m.PathOf(key), std::string("invalid regular expression: ") + e.what());
  }
  *out = s;
  return fleet::Status::Ok();
}

fleet::Status GetStringList(Mapping& m, const std::string& key,
                            std::optional<std::vector<std::string>>* out) {
  YAML::Node n = m.Get(key);
  if (!Present(n)) return fleet::Status::Ok();
  if (!n.IsSequence()) return FieldError(m.PathOf(key), "must be a list of strings");
  std::vector<std::string> v;
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      return FieldError(m.PathOf(key) + "[" + std::to_string(i) + "]", "must be a string");
    }
    v.push_back(n[i].Scalar());
  }
  *out = std::move(v);
  return fleet::Status::Ok();
}

fleet::Status ParseController(const YAML::Node& node, const std::string& path,
                              ControllerConfig* c) {
  Mapping m(node, path);
  FLEET_RETURN_IF_ERROR(m.Check());
  FLEET_RETURN_IF_ERROR(GetString(m, "url", &c->url));
  FLEET_RETURN_IF_ERROR(GetString(m, "tokenFile", &c->token_file));
  FLEET_RETURN_IF_ERROR(GetString(m, "caFile", &c->ca_file));
  FLEET_RETURN_IF_ERROR(GetDuration(m, "reportInterval", &c->report_interval));
  return m.CheckUnknown();
}

fleet::Status ParseCollectors(const YAML::Node& node, const std::string& path,
                              CollectorsConfig* c) {
  Mapping m(node, path);
  FLEET_RETURN_IF_ERROR(m.Check());
  FLEET_RETURN_IF_ERROR(GetStringList(m, "enabled", &c->enabled));
  std::optional<std::vector<std::string>> disabled;
  FLEET_RETURN_IF_ERROR(GetStringList(m, "disabled", &disabled));
  if (c->enabled && disabled) {
    return FieldError(m.PathOf("disabled"), "cannot be combined with collectors.enabled");
  }
  if (disabled) c->disabled = *disabled;
  Mapping container(m.Get("container"), m.PathOf("container"));
  FLEET_RETURN_IF_ERROR(container.Check());
  FLEET_RETURN_IF_ERROR(GetBool(container, "enabled", &c->container_enabled));
  FLEET_RETURN_IF_ERROR(GetBool(container, "dockerLabels", &c->container_docker_labels));
  FLEET_RETURN_IF_ERROR(container.CheckUnknown());
  return m.CheckUnknown();
}

fleet::Status ParseListen(Mapping& m, std::string* listen) {
  FLEET_RETURN_IF_ERROR(GetString(m, "listen", listen));
  static const std::regex kHostPort(R"(^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-]*):([0-9]{1,5})$)");
  std::smatch match;
  if (listen->size() > kMaxRegexInput) return FieldError(m.PathOf("listen"), "must be host:port, got a long string");
  if (!std::regex_match(*listen, match, kHostPort) || std::stoi(match[2].str()) > 65535) {
    return FieldError(m.PathOf("listen"), "must be host:port, got \"" + *listen + "\"");
  }
  return fleet::Status::Ok();
}

fleet::Status ParseOneOf(Mapping& m, const std::string& key, std::initializer_list<const char*> ok,
                         std::string* out) {
  FLEET_RETURN_IF_ERROR(GetString(m, key, out));
  for (const char* v : ok) {
    if (*out == v) return fleet::Status::Ok();
  }
  std::string list;
  for (const char* v : ok) list += (list.empty() ? "" : ", ") + std::string(v);
  return FieldError(m.PathOf(key), "must be one of " + list + ", got \"" + *out + "\"");
}

fleet::Status GetRequired(Mapping& m, const std::string& key, std::string* out) {
  FLEET_RETURN_IF_ERROR(GetString(m, key, out));
  if (out->empty()) return FieldError(m.PathOf(key), "required");
  return fleet::Status::Ok();
}

// http.basicAuth, http.unauthenticatedPaths and http.tls; files are opened when the listener
// starts (see http_security.h), so check-config reports unreadable ones too.
fleet::Status ParseListenerSecurity(Mapping& http, HttpConfig* c) {
  if (YAML::Node n = http.Get("basicAuth"); Present(n)) {
    Mapping auth(n, http.PathOf("basicAuth"));
    FLEET_RETURN_IF_ERROR(auth.Check());
    ListenerBasicAuth a;
    FLEET_RETURN_IF_ERROR(GetRequired(auth, "username", &a.username));
    if (a.username.find(':') != std::string::npos) {
      return FieldError(auth.PathOf("username"), "must not contain ':'");
    }
    FLEET_RETURN_IF_ERROR(GetRequired(auth, "passwordFile", &a.password_file));
    FLEET_RETURN_IF_ERROR(auth.CheckUnknown());
    c->basic_auth = std::move(a);
  }
  std::optional<std::vector<std::string>> open;
  FLEET_RETURN_IF_ERROR(GetStringList(http, "unauthenticatedPaths", &open));
  for (size_t i = 0; open && i < open->size(); ++i) {
    if ((*open)[i].empty() || (*open)[i][0] != '/') {
      return FieldError(http.PathOf("unauthenticatedPaths") + "[" + std::to_string(i) + "]",
                        "must be a path starting with /, got \"" + (*open)[i] + "\"");
    }
  }
  if (open) c->unauthenticated_paths = std::move(*open);
  if (YAML::Node n = http.Get("tls"); Present(n)) {
    Mapping tls(n, http.PathOf("tls"));
    FLEET_RETURN_IF_ERROR(tls.Check());
    ListenerTls t;
    FLEET_RETURN_IF_ERROR(GetRequired(tls, "certFile", &t.cert_file));
    FLEET_RETURN_IF_ERROR(GetRequired(tls, "keyFile", &t.key_file));
    FLEET_RETURN_IF_ERROR(ParseOneOf(tls, "minVersion", {"TLS12", "TLS13"}, &t.min_version));
    FLEET_RETURN_IF_ERROR(tls.CheckUnknown());
    c->tls = std::move(t);
  }
  return fleet::Status::Ok();
}

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, SectionParser>& SectionParsers() {
  static std::map<std::string, SectionParser> parsers;
  return parsers;
}

fleet::Status ParseRoot(const YAML::Node& root, AgentConfig* c) {
  Mapping m(root, "");
  FLEET_RETURN_IF_ERROR(m.Check());
  std::string api_version, kind;
  FLEET_RETURN_IF_ERROR(GetString(m, "apiVersion", &api_version));
  FLEET_RETURN_IF_ERROR(GetString(m, "kind", &kind));
  if (api_version != "vpsfleet.io/v1alpha1") {
    return FieldError("apiVersion", "must be vpsfleet.io/v1alpha1, got \"" + api_version + "\"");
  }
  if (kind != "AgentConfig") return FieldError("kind", "must be AgentConfig, got \"" + kind + "\"");
  FLEET_RETURN_IF_ERROR(GetString(m, "instance", &c->instance));
  FLEET_RETURN_IF_ERROR(GetString(m, "job", &c->job));
  FLEET_RETURN_IF_ERROR(GetString(m, "revision", &c->revision));
  FLEET_RETURN_IF_ERROR(ParseController(m.Get("controller"), "controller", &c->controller));
  FLEET_RETURN_IF_ERROR(GetDuration(m, "scrapeInterval", &c->scrape_interval));
  FLEET_RETURN_IF_ERROR(ParseCollectors(m.Get("collectors"), "collectors", &c->collectors));

  Mapping paths(m.Get("paths"), "paths");
  FLEET_RETURN_IF_ERROR(paths.Check());
  FLEET_RETURN_IF_ERROR(GetString(paths, "procfs", &c->paths.procfs));
  FLEET_RETURN_IF_ERROR(GetString(paths, "sysfs", &c->paths.sysfs));
  FLEET_RETURN_IF_ERROR(GetString(paths, "rootfs", &c->paths.rootfs));
  FLEET_RETURN_IF_ERROR(paths.CheckUnknown());

  Mapping fs(m.Get("filesystem"), "filesystem");
  FLEET_RETURN_IF_ERROR(fs.Check());
  FLEET_RETURN_IF_ERROR(GetRegex(fs, "mountPointsExclude", &c->filesystem.mount_points_exclude));
  FLEET_RETURN_IF_ERROR(GetRegex(fs, "fsTypesExclude", &c->filesystem.fs_types_exclude));
  FLEET_RETURN_IF_ERROR(GetDuration(fs, "mountTimeout", &c->filesystem.mount_timeout));
  FLEET_RETURN_IF_ERROR(fs.CheckUnknown());

  Mapping netdev(m.Get("netdev"), "netdev");
  FLEET_RETURN_IF_ERROR(netdev.Check());
  FLEET_RETURN_IF_ERROR(GetRegex(netdev, "deviceExclude", &c->netdev.device_exclude));
  FLEET_RETURN_IF_ERROR(netdev.CheckUnknown());

  Mapping docker(m.Get("docker"), "docker");
  FLEET_RETURN_IF_ERROR(docker.Check());
  FLEET_RETURN_IF_ERROR(GetString(docker, "socket", &c->docker.socket));
  FLEET_RETURN_IF_ERROR(docker.CheckUnknown());

  Mapping http(m.Get("http"), "http");
  FLEET_RETURN_IF_ERROR(http.Check());
  FLEET_RETURN_IF_ERROR(ParseListen(http, &c->http.listen));
  FLEET_RETURN_IF_ERROR(ParseListenerSecurity(http, &c->http));
  FLEET_RETURN_IF_ERROR(http.CheckUnknown());

  Mapping logging(m.Get("logging"), "logging");
  FLEET_RETURN_IF_ERROR(logging.Check());
  FLEET_RETURN_IF_ERROR(
      ParseOneOf(logging, "level", {"error", "warn", "info", "debug"}, &c->logging.level));
  FLEET_RETURN_IF_ERROR(ParseOneOf(logging, "format", {"logfmt", "json"}, &c->logging.format));
  FLEET_RETURN_IF_ERROR(logging.CheckUnknown());

  Mapping debug(m.Get("debug"), "debug");
  FLEET_RETURN_IF_ERROR(debug.Check());
  FLEET_RETURN_IF_ERROR(GetBool(debug, "liveView", &c->debug.live_view));
  FLEET_RETURN_IF_ERROR(GetInt(debug, "liveViewEntries", 1, 10000, &c->debug.live_view_entries));
  FLEET_RETURN_IF_ERROR(debug.CheckUnknown());

  std::map<std::string, SectionParser> parsers;
  {
    std::lock_guard lock(RegistryMutex());
    parsers = SectionParsers();
  }
  for (const char* name : kDeferredSections) parsers.emplace(name, nullptr);
  for (const auto& [name, parser] : parsers) {
    YAML::Node n = m.Get(name);
    if (!Present(n)) continue;
    if (parser) FLEET_RETURN_IF_ERROR(parser(n, name));
    c->sections[name] = n;
  }
  return m.CheckUnknown();
}

}  // namespace

void RegisterSection(const std::string& name, SectionParser parser) {
  std::lock_guard lock(RegistryMutex());
  SectionParsers()[name] = parser;
}

HttpConfig ListenerOf(const std::string& path) {
  if (path.empty()) return {};
  if (auto config = LoadConfig(path); config.ok()) return config->http;
  HttpConfig listener;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["http"].IsMap()) return listener;
    Mapping http(root["http"], "http");
    HttpConfig parsed;
    if (!ParseListen(http, &parsed.listen).ok()) return listener;
    listener.listen = parsed.listen;
    if (ParseListenerSecurity(http, &parsed).ok()) listener = std::move(parsed);
  } catch (const YAML::Exception&) {
    // Not even YAML: the default is the best guess left.
  }
  return listener;
}

fleet::Result<std::chrono::milliseconds> ParseDuration(const std::string& s) {
  static const std::regex kDuration(
      R"(^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$)");
  static const int64_t kUnitsMs[] = {365LL * 86400000, 7LL * 86400000, 86400000, 3600000, 60000,
                                     1000, 1};
  std::smatch match;
  if (s.size() > kMaxRegexInput) return fleet::Status::Invalid("not a duration (like 15s, 1m30s, 500ms): a long string");
  if (s.empty() || !std::regex_match(s, match, kDuration)) {
    return fleet::Status::Invalid("not a duration (like 15s, 1m30s, 500ms): \"" + s + "\"");
  }
  int64_t ms = 0;
  for (int i = 0; i < 7; ++i) {
    const auto& group = match[2 + 2 * i];
    if (!group.matched) continue;
    int64_t count = 0, part = 0;
    const auto [end, ec] = std::from_chars(&*group.first, &*group.first + group.length(), count);
    if (ec != std::errc() || __builtin_mul_overflow(count, kUnitsMs[i], &part) ||
        __builtin_add_overflow(ms, part, &ms)) {
      return fleet::Status::Invalid("duration out of range: \"" + s + "\"");
    }
  }
  return std::chrono::milliseconds(ms);
}

fleet::Result<AgentConfig> ParseConfig(const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return fleet::Status::Invalid(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                                  std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  AgentConfig config;
  fleet::Status st = ParseRoot(root, &config);
  if (!st.ok()) return st.WithContext(source);
  return config;
}

fleet::Result<AgentConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fleet::Status::NotFound("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace agent
