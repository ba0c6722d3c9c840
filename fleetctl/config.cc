#include "fleetctl/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "fleet/files.h"
#include "fleet/yaml_codec.h"

namespace fleetctl {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string ConfigPath() {
  if (auto p = Env("FLEETCTL_CONFIG"); !p.empty()) return p;
  if (auto x = Env("XDG_CONFIG_HOME"); !x.empty()) return x + "/vpsfleet/config.yaml";
  return Env("HOME") + "/.config/vpsfleet/config.yaml";
}

fleet::Result<Config> LoadConfig(const std::string& path) {
  Config cfg;
  auto text = fleet::ReadFileText(path);
  if (!text.ok()) return cfg;  // no config file yet
  auto docs = fleet::ParseYamlDocuments(*text, path);
  if (!docs.ok()) return docs.status();
  if (docs->empty()) return cfg;
  const auto& j = (*docs)[0].object;
  try {
    cfg.current_context = j.value("currentContext", "");
    const fleet::Json contexts = j.value("contexts", fleet::Json::object());
    for (auto& [name, c] : contexts.items()) {
      cfg.contexts[name] = {c.value("server", ""), c.value("token", ""), c.value("tokenFile", "")};
    }
  } catch (const fleet::Json::exception& e) {
    return fleet::Status::Invalid(path + ": " + e.what());
  }
  return cfg;
}

fleet::Status SaveConfig(const std::string& path, const Config& config) {
  fleet::Json j = {{"currentContext", config.current_context}, {"contexts", fleet::Json::object()}};
  for (const auto& [name, c] : config.contexts) {
    fleet::Json e = {{"server", c.server}};
    if (!c.token.empty()) e["token"] = c.token;
    if (!c.token_file.empty()) e["tokenFile"] = c.token_file;
    j["contexts"][name] = e;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fleet::Status::Unavailable("cannot write " + tmp);
  ::fchmod(fd, 0600);
  std::string text = fleet::ToYaml(j);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return fleet::Status::Unavailable("cannot write " + path);
  }
  return fleet::Status::Ok();
}

fleet::Result<Connection> ResolveConnection(const ConnectionFlags& flags) {
  auto cfg = LoadConfig(flags.config_path.empty() ? ConfigPath() : flags.config_path);
  if (!cfg.ok()) return cfg.status();
  Context ctx;
  std::string name = flags.context.empty() ? cfg->current_context : flags.context;
  if (!name.empty()) {
    auto it = cfg->contexts.find(name);
    if (it == cfg->contexts.end()) {
      return fleet::Status::NotFound("context \"" + name + "\" is not in " + ConfigPath());
    }
    ctx = it->second;
  }
  Connection conn;
  conn.server = !flags.server.empty() ? flags.server
                : !Env("FLEETCTL_SERVER").empty() ? Env("FLEETCTL_SERVER") : ctx.server;
  std::string token_file = !flags.token_file.empty() ? flags.token_file : ctx.token_file;
  if (!flags.token.empty()) {
    conn.token = flags.token;
  } else if (!flags.token_file.empty()) {
    auto t = fleet::ReadTrimmedFile(flags.token_file);
    if (!t.ok()) return t.status();
    conn.token = *t;
  } else if (!Env("FLEETCTL_TOKEN").empty()) {
    conn.token = Env("FLEETCTL_TOKEN");
  } else if (!ctx.token.empty()) {
    conn.token = ctx.token;
  } else if (!token_file.empty()) {
    auto t = fleet::ReadTrimmedFile(token_file);
    if (!t.ok()) return t.status();
    conn.token = *t;
  }
  if (conn.server.empty()) {
    return fleet::Status::Invalid(
        "no controller configured: pass --server, set FLEETCTL_SERVER, or run "
        "`fleetctl config set-context NAME --server URL --token-file FILE`");
  }
  while (!conn.server.empty() && conn.server.back() == '/') conn.server.pop_back();
  return conn;
}

}  // namespace fleetctl
