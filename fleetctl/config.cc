#include "fleetctl/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "fleet/core/files.h"
#include "fleet/core/yaml_codec.h"

namespace fleetctl {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMaxCertificateAuthorityBytes = 1 << 20;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A context's fields as they are named in the file.
struct ContextField {
  const char* name;
  std::string Context::*text = nullptr;  // a string field, or
  bool Context::*flag = nullptr;         // a true/false one
};
constexpr ContextField kContextFields[] = {
    {"server", &Context::server},
    {"token", &Context::token},
    {"tokenFile", &Context::token_file},
    {"certificateAuthority", &Context::certificate_authority},
    {"insecureSkipTLSVerify", nullptr, &Context::insecure_skip_tls_verify},
};

// "file:line:col: field: message".
fleet::Status InvalidField(const fleet::Document& doc, const std::string& field,
                           const std::string& message) {
  return fleet::Status::Invalid(
      fleet::Located(doc.source, doc.positions.Find(field), field + ": " + message));
}

fleet::Result<Context> ParseContext(const fleet::Document& doc, const std::string& path,
                                    const fleet::Json& fields) {
  auto invalid = [&](const std::string& field, const std::string& message) {
    return InvalidField(doc, field, message);
  };
  if (!fields.is_object()) return invalid(path, "must be a mapping");
  Context ctx;
  for (const auto& [key, value] : fields.items()) {
    const std::string field = fleet::JoinPath(path, key);
    const ContextField* known = nullptr;
    for (const auto& f : kContextFields) {
      if (key == f.name) known = &f;
    }
    if (!known) {
      std::string names;
      for (const auto& f : kContextFields) names += (names.empty() ? "" : ", ") + std::string(f.name);
      return invalid(field, "unknown field (known: " + names + ")");
    }
    if (known->text) {
      if (!value.is_string()) return invalid(field, "must be a string");
      ctx.*known->text = value.get<std::string>();
    } else {
      if (!value.is_boolean()) return invalid(field, "must be true or false");
      ctx.*known->flag = value.get<bool>();
    }
  }
  return ctx;
}

}  // namespace

std::string ConfigPath() {
  if (auto p = Env("FLEETCTL_CONFIG"); !p.empty()) return p;
  if (auto x = Env("XDG_CONFIG_HOME"); !x.empty()) return x + "/vpsfleet/config.yaml";
  return Env("HOME") + "/.config/vpsfleet/config.yaml";
}

fleet::Result<Config> LoadConfig(const std::string& path) {
  Config cfg;
  auto text = fleet::ReadFileText(path, kMaxConfigBytes);
  if (!text.ok()) {
    if (text.status().code() == fleet::Code::kNotFound) return cfg;  // no config file yet
    return text.status();
  }
  auto docs = fleet::ParseYamlDocuments(*text, path);
  if (!docs.ok()) return docs.status();
  if (docs->empty()) return cfg;
  const fleet::Document& doc = (*docs)[0];
  const fleet::Json& j = doc.object;
  auto invalid = [&](const std::string& field, const std::string& message) {
    return InvalidField(doc, field, message);
  };
  if (!j.is_object()) return fleet::Status::Invalid(path + ": must be a mapping");
  if (j.contains("currentContext")) {
    if (!j["currentContext"].is_string()) return invalid("currentContext", "must be a string");
    cfg.current_context = j["currentContext"];
  }
  if (j.contains("contexts")) {
    if (!j["contexts"].is_object()) return invalid("contexts", "must be a mapping");
    for (const auto& [name, fields] : j["contexts"].items()) {
      auto ctx = ParseContext(doc, fleet::JoinPath("contexts", name), fields);
      if (!ctx.ok()) return ctx.status();
      cfg.contexts[name] = std::move(*ctx);
    }
  }
  return cfg;
}

fleet::Status SaveConfig(const std::string& path, const Config& config) {
  fleet::Json j = {{"currentContext", config.current_context}, {"contexts", fleet::Json::object()}};
  for (const auto& [name, c] : config.contexts) {
    fleet::Json e = {{"server", c.server}};
    if (!c.token.empty()) e["token"] = c.token;
    if (!c.token_file.empty()) e["tokenFile"] = c.token_file;
    if (!c.certificate_authority.empty()) e["certificateAuthority"] = c.certificate_authority;
    if (c.insecure_skip_tls_verify) e["insecureSkipTLSVerify"] = true;
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
  // Either TLS flag replaces both of the context's TLS settings, as --server replaces its server.
  const bool tls_flags = !flags.certificate_authority.empty() || flags.insecure_skip_tls_verify;
  conn.certificate_authority = tls_flags ? flags.certificate_authority : ctx.certificate_authority;
  conn.insecure_skip_tls_verify = tls_flags ? flags.insecure_skip_tls_verify : ctx.insecure_skip_tls_verify;
  if (!conn.certificate_authority.empty()) {
    if (conn.insecure_skip_tls_verify) {
      // One would make the other meaningless; say so rather than pick one silently.
      return fleet::Status::Invalid("certificateAuthority " + conn.certificate_authority +
                                    " and insecureSkipTLSVerify are both set: choose one");
    }
    auto pem = fleet::ReadFileText(conn.certificate_authority, kMaxCertificateAuthorityBytes);
    if (!pem.ok()) return pem.status().WithContext("certificateAuthority");
    conn.certificate_authority_pem = std::move(*pem);
  }
  return conn;
}

}  // namespace fleetctl
