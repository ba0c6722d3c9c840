#include "fleet/render_alloy_compose.h"

#include <optional>

#include "agent/config/agent_config.h"
#include "fleet/core/crypto.h"
#include "fleet/core/text.h"
#include "fleet/types/crd_default.h"
#include "fleet/types/host.h"

namespace fleet {
namespace {

// Where Alloy listens in its container (the UI, livedebugging); published on uiListen.
constexpr char kAlloyPort[] = "12345";
constexpr char kDockerSocket[] = "unix:///var/run/docker.sock";

struct BasicAuth {
  std::string username;
  std::string password;
  bool operator==(const BasicAuth&) const = default;
};

// A .env value is written single-quoted: compose v1 (python-dotenv) and v2 both take such a value
// literally, with no `$` interpolation. They disagree on backslashes and quotes inside it, and a
// line break would end it, so those are refused rather than guessed.
Status CheckEnvValue(std::string_view value, const std::string& field) {
  if (!IsUtf8(value)) return Status::Invalid(field + ": not valid UTF-8");
  for (unsigned char c : value) {
    if (c == '\'' || c == '\\' || c < 0x20 || c == 0x7f) {
      return Status::Invalid(field + ": the alloy-compose .env cannot carry ' or \\ or control "
                                     "characters (compose's .env parsers read them differently); "
                                     "change the value or use the fleet-agent flavor");
    }
  }
  return Status::Ok();
}

// A duration as Go's time.ParseDuration reads it (Alloy's durations): the CRD's grammar has d, w
// and y units Go lacks.
Result<std::string> GoDuration(const std::string& text, const std::string& field) {
  auto parsed = agent::ParseDuration(text);
  if (!parsed.ok()) return Status::Invalid(field + ": " + parsed.status().message());
  const int64_t ms = parsed->count();
  if (ms <= 0) return Status::Invalid(field + ": must be positive");
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// {"name" = "value", ...} in key order.
std::string AlloyObject(const std::map<std::string, std::string>& fields) {
  std::string out = "{";
  for (const auto& [k, v] : fields) out += (out.size() > 1 ? ", " : "") + AlloyQuote(k) + " = " + v;
  return out + "}";
}

std::string Indented(const std::string& block, int spaces) {
  std::string out;
  const std::string pad(spaces, ' ');
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\n', start);
    if (end == std::string::npos) end = block.size();
    const std::string line = block.substr(start, end - start);
    out += (line.empty() ? "" : pad) + line + "\n";
    start = end + 1;
  }
  return out;
}

class ComposeRenderer {
 public:
  explicit ComposeRenderer(const RenderInputs& in)
      : in_(in), spec_(in.profile->value("spec", Json::object())),
        host_name_((*in.host)["metadata"]["name"].get<std::string>()),
        dir_(ComposeStackDir((*in.host)["spec"].get<HostSpec>().InstallDir())) {}

  Result<RenderedAgent> Render() {
    const Json stack = spec_.value("alloyCompose", Json::object());
    const std::string project = stack.value("project", "vpsfleet-" + host_name_);
    FLEET_RETURN_IF_ERROR(ReadEndpoint("remoteWrite", remote_write_url_, remote_write_auth_));
    FLEET_RETURN_IF_ERROR(ReadEndpoint("loki", loki_url_, loki_auth_));
    auto config = ConfigAlloy();
    if (!config.ok()) return config.status();
    auto env = Env();
    if (!env.ok()) return env.status();

    RenderedAgent out;
    out.flavor = kFlavorAlloyCompose;
    out.compose_project = project;
    out.config_path = dir_ + "/compose.yaml";
    Json compose = ComposeFile(stack);
    if (stack.contains("composePatch")) compose.merge_patch(stack["composePatch"]);
    out.config = Header("#") + ToYaml(compose);
    out.files[dir_ + "/config.alloy"] = *config;
    out.secret_files[dir_ + "/.env"] = *env;
    std::string material = std::string(kFlavorAlloyCompose) + "\n" + project + "\n" + out.config;
    for (const auto& [path, content] : out.files) material += path + "\n" + content;
    for (const auto& [path, content] : out.secret_files) material += path + "\n" + Sha256Hex(content) + "\n";
    out.revision = Sha256Hex(material).substr(0, 12);
    return out;
  }

 private:
  std::string Header(const char* comment) const {
    return std::string(comment) + " Rendered by fleet-controller for host " + host_name_ +
           " (AgentProfile flavor alloy-compose); do not edit.\n";
  }

  // url and basic auth of spec.remoteWrite or spec.loki; none when the section is unset.
  Status ReadEndpoint(const char* section, std::string& url, std::optional<BasicAuth>& auth) {
    if (!spec_.contains(section)) return Status::Ok();
    const Json& endpoint = spec_[section];
    const std::string path = std::string("spec.") + section;
    url = endpoint.value("url", "");
    FLEET_RETURN_IF_ERROR(CheckEnvValue(url, path + ".url"));
    if (!endpoint.contains("basicAuth")) return Status::Ok();
    const Json& basic = endpoint["basicAuth"];
    BasicAuth a{basic.value("username", ""), ""};
    FLEET_RETURN_IF_ERROR(CheckEnvValue(a.username, path + ".basicAuth.username"));
    const std::string field = path + ".basicAuth.passwordSecretRef";
    auto password = SecretKeyValue(*in_.secrets, basic.value("passwordSecretRef", ""), "password", field);
    if (!password.ok()) return password.status();
    FLEET_RETURN_IF_ERROR(CheckEnvValue(*password, field + " (its password)"));
    a.password = *password;
    auth = std::move(a);
    return Status::Ok();
  }

  // Loki gets the shared BASIC_AUTH_* unless both endpoints have credentials and they differ.
  bool LokiHasOwnAuth() const { return loki_auth_ && remote_write_auth_ && *loki_auth_ != *remote_write_auth_; }

  Result<std::string> Env() const {
    std::string out = Header("#");
    auto line = [&](const char* name, const std::string& value) {
      out += std::string(name) + "='" + value + "'\n";
    };
    const std::optional<BasicAuth>& shared = remote_write_auth_ ? remote_write_auth_ : loki_auth_;
    line("HOSTNAME", host_name_);
    line("LOKI_URL", loki_url_);
    line("REMOTE_WRITE_URL", remote_write_url_);
    line("BASIC_AUTH_USER", shared ? shared->username : "");
    line("BASIC_AUTH_PASS", shared ? shared->password : "");
    if (LokiHasOwnAuth()) {
      line("LOKI_BASIC_AUTH_USER", loki_auth_->username);
      line("LOKI_BASIC_AUTH_PASS", loki_auth_->password);
    }
    return out;
  }

  // external_labels: the section's externalLabels, then the host's vars.extraLabels (which win,
  // as in the fleet-agent render).
  std::string ExternalLabels(const char* section) const {
    std::map<std::string, std::string> labels;
    const Json external = spec_[section].value("externalLabels", Json::object());
    for (const auto& [k, v] : external.items()) {
      labels[k] = AlloyQuote(v.get<std::string>());
    }
    const Json& vars = (*in_.host)["spec"].value("vars", Json::object());
    if (vars.contains("extraLabels") && vars["extraLabels"].is_object()) {
      for (const auto& [k, v] : vars["extraLabels"].items()) {
        labels[k] = AlloyQuote(v.is_string() ? v.get<std::string>() : DumpJson(v));
      }
    }
    return labels.empty() ? "" : "external_labels = " + AlloyObject(labels) + "\n";
  }

  static std::string BasicAuthBlock(const char* user_env, const char* pass_env) {
    return std::string("basic_auth {\n  username = sys.env(\"") + user_env + "\")\n  password = sys.env(\"" +
           pass_env + "\")\n}\n";
  }

  Result<std::string> ConfigAlloy() const {
    const std::string job = AlloyQuote(spec_.value("job", CrdDefault("AgentProfile", "spec.job").get<std::string>()));
    auto interval = GoDuration(spec_.value("scrapeInterval", CrdDefault("AgentProfile", "spec.scrapeInterval").get<std::string>()),
                               "spec.scrapeInterval");
    if (!interval.ok()) return interval.status();
    std::string out = Header("//") +
                      "// The compose stack fleet-agent replaces: node_exporter and cAdvisor scraped by Alloy,\n"
                      "// every container's logs read through the Docker socket; values from .env.\n\n"
                      "livedebugging {\n  enabled = true\n}\n";
    if (!remote_write_url_.empty()) {
      // Both exporters' series carry the host's instance and the profile's job, as fleet-agent's
      // do; exporter tells their up and scrape_* series apart.
      for (const auto& [name, address] : {std::pair{"node_exporter", "node-exporter:9100"},
                                          std::pair{"cadvisor", "cadvisor:8080"}}) {
        const std::string target = AlloyObject({{"__address__", AlloyQuote(address)},
                                                {"instance", "sys.env(\"HOSTNAME\")"},
                                                {"job", job},
                                                {"exporter", AlloyQuote(name)}});
        out += "\nprometheus.scrape " + AlloyQuote(name) + " {\n  targets         = [" + target +
               "]\n  scrape_interval = " + AlloyQuote(*interval) +
               "\n  forward_to      = [prometheus.remote_write.default.receiver]\n}\n";
      }
      std::string endpoint = "url = sys.env(\"REMOTE_WRITE_URL\")\n";
      if (remote_write_auth_) endpoint += BasicAuthBlock("BASIC_AUTH_USER", "BASIC_AUTH_PASS");
      out += "\nprometheus.remote_write \"default\" {\n  endpoint {\n" + Indented(endpoint, 4) + "  }\n" +
             Indented(ExternalLabels("remoteWrite"), 2) + "}\n";
    }
    if (!loki_url_.empty()) {
      out += std::string("\ndiscovery.docker \"containers\" {\n  host = ") + AlloyQuote(kDockerSocket) + "\n}\n" +
             "\n// Docker names containers \"/name\"; the container label is the name, stream is stdout or\n"
             "// stderr: the labels fleet-agent gives the same lines.\n"
             "discovery.relabel \"containers\" {\n  targets = []\n\n  rule {\n"
             "    source_labels = [\"__meta_docker_container_name\"]\n    regex         = \"/(.*)\"\n"
             "    target_label  = \"container\"\n  }\n\n  rule {\n"
             "    source_labels = [\"__meta_docker_container_log_stream\"]\n"
             "    target_label  = \"stream\"\n  }\n}\n" +
             "\nloki.source.docker \"containers\" {\n  host          = " + AlloyQuote(kDockerSocket) +
             "\n  targets       = discovery.docker.containers.targets\n  labels        = " +
             AlloyObject({{"instance", "sys.env(\"HOSTNAME\")"}, {"job", job}}) +
             "\n  relabel_rules = discovery.relabel.containers.rules\n"
             "  forward_to    = [loki.write.default.receiver]\n}\n";
      std::string endpoint = "url = sys.env(\"LOKI_URL\")\n";
      const std::string tenant = spec_["loki"].value("tenantId", "");
      if (!tenant.empty()) endpoint += "tenant_id = " + AlloyQuote(tenant) + "\n";
      if (LokiHasOwnAuth()) {
        endpoint += BasicAuthBlock("LOKI_BASIC_AUTH_USER", "LOKI_BASIC_AUTH_PASS");
      } else if (loki_auth_) {
        endpoint += BasicAuthBlock("BASIC_AUTH_USER", "BASIC_AUTH_PASS");
      }
      out += "\nloki.write \"default\" {\n  endpoint {\n" + Indented(endpoint, 4) + "  }\n" +
             Indented(ExternalLabels("loki"), 2) + "}\n";
    }
    return out;
  }

  // compose.yaml: the services as the upstream projects document running them in a container.
  Json ComposeFile(const Json& stack) const {
    auto image = [&](const char* name) {
      const std::string path = std::string("spec.alloyCompose.images.") + name;
      return stack.value("images", Json::object()).value(name, CrdDefault("AgentProfile", path).get<std::string>());
    };
    const std::string ui = stack.value("uiListen", CrdDefault("AgentProfile", "spec.alloyCompose.uiListen").get<std::string>());
    Json alloy = {
        {"image", image("alloy")},
        {"command", {"run", std::string("--server.http.listen-addr=0.0.0.0:") + kAlloyPort,
                     "--storage.path=/var/lib/alloy/data", "/etc/alloy/config.alloy"}},
        {"env_file", {".env"}},
        {"volumes", {"./config.alloy:/etc/alloy/config.alloy:ro", "/var/run/docker.sock:/var/run/docker.sock:ro",
                     "alloy-data:/var/lib/alloy/data"}},
        {"depends_on", {"node-exporter", "cadvisor"}},
        {"restart", "unless-stopped"}};
    if (!ui.empty()) alloy["ports"] = {ui + ":" + kAlloyPort};
    Json node_exporter = {{"image", image("nodeExporter")},
                          {"command", {"--path.rootfs=/host"}},
                          {"pid", "host"},
                          {"volumes", {"/:/host:ro,rslave"}},
                          {"restart", "unless-stopped"}};
    Json cadvisor = {{"image", image("cadvisor")},
                     {"privileged", true},
                     {"devices", {"/dev/kmsg"}},
                     {"volumes", {"/:/rootfs:ro", "/var/run:/var/run:ro", "/sys:/sys:ro",
                                  "/var/lib/docker/:/var/lib/docker:ro", "/dev/disk/:/dev/disk:ro"}},
                     {"restart", "unless-stopped"}};
    return {{"services", {{"alloy", alloy}, {"node-exporter", node_exporter}, {"cadvisor", cadvisor}}},
            {"volumes", {{"alloy-data", Json::object()}}}};
  }

  const RenderInputs& in_;
  const Json spec_;
  const std::string host_name_;
  const std::string dir_;
  std::string remote_write_url_, loki_url_;
  std::optional<BasicAuth> remote_write_auth_, loki_auth_;
};

}  // namespace

std::string AlloyQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

Result<RenderedAgent> RenderAlloyCompose(const RenderInputs& in) { return ComposeRenderer(in).Render(); }

}  // namespace fleet
