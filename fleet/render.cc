#include "fleet/render.h"

#include <set>

#include "agent/config/agent_config.h"
#include "agent/config/profile_crd.h"
#include "fleet/render_alloy_compose.h"
#include "fleet/types/host.h"

#include "fleet/core/crypto.h"
#include "fleet/core/schema.h"
#include "fleet/core/text.h"
#include "fleet/resource.h"

namespace fleet {
namespace {

// The agent's config schema, parsed once: the renderer maps a profile onto the agent's config by it.
const Json& AgentSchema() {
  static const Json schema = agent::AgentConfigSchema();
  return schema;
}

class Renderer {
 public:
  Renderer(const RenderInputs& in, std::string install_dir)
      : in_(in), install_dir_(std::move(install_dir)) {}

  // Replaces, in value (the part of the profile's spec at path), every Secret reference the
  // agent's schema declares (x-vpsfleet-profile: {secretRef, secretKey}) by the path of the file
  // the Secret's key is written to, and records the file. Walks the schema, so a new field that
  // comes from a Secret is a schema edit only.
  Status SecretsToFiles(const Json& schema, Json& value, const std::string& path) {
    if (value.is_array()) {
      if (!schema.contains("items")) return Status::Ok();
      for (size_t i = 0; i < value.size(); ++i) {
        FLEET_RETURN_IF_ERROR(SecretsToFiles(schema["items"], value[i], JoinPath(path, i)));
      }
      return Status::Ok();
    }
    if (!value.is_object()) return Status::Ok();
    if (!schema.contains("properties")) {
      const Json& values = schema.value("additionalProperties", Json());
      if (!values.is_object()) return Status::Ok();
      for (auto& [key, v] : value.items()) {
        FLEET_RETURN_IF_ERROR(SecretsToFiles(values, v, JoinPath(path, key)));
      }
      return Status::Ok();
    }
    std::set<std::string> references;
    for (const auto& [name, field] : schema["properties"].items()) {
      const auto secret = agent::SecretFileOf(field);
      if (!secret) {
        if (value.contains(name)) {
          FLEET_RETURN_IF_ERROR(SecretsToFiles(field, value[name], JoinPath(path, name)));
        }
        continue;
      }
      if (!value.contains(secret->ref_field)) continue;
      const std::string secret_name = value[secret->ref_field];
      auto content = SecretKeyValue(*in_.secrets, secret_name, secret->key,
                                    "spec." + JoinPath(path, secret->ref_field));
      if (!content.ok()) return content.status();
      const std::string file = install_dir_ + "/secrets/" + secret_name + "." + secret->key;
      files_[file] = *content;
      value[name] = file;
      references.insert(secret->ref_field);
    }
    for (const auto& reference : references) value.erase(reference);
    return Status::Ok();
  }

  Result<RenderedAgent> Render() {
    const Json& host = *in_.host;
    Json spec = in_.profile->value("spec", Json::object());
    // A profile stored under an older CRD may hold fields the current one removed (e.g.
    // remoteWrite.queue.capacity, defaulted until the disk buffer became the only queue); the
    // agent refuses unknown fields, so what the CRD no longer declares is not rendered.
    PruneUnknownFields(FindKind("AgentProfile")->schema["properties"]["spec"], spec);
    // What to install and how the other flavor would run, not how this agent runs.
    for (const char* field : {"agent", "flavor", "alloyCompose"}) spec.erase(field);
    FLEET_RETURN_IF_ERROR(SecretsToFiles(AgentSchema(), spec, ""));
    // A host's vars.extraLabels become external labels on both its metrics and its logs.
    const Json& vars = host["spec"].value("vars", Json::object());
    if (vars.contains("extraLabels") && vars["extraLabels"].is_object()) {
      for (const char* section : {"remoteWrite", "loki"}) {
        if (!spec.contains(section)) continue;
        for (auto& [k, v] : vars["extraLabels"].items()) {
          spec[section]["externalLabels"][k] = v.is_string() ? v.get<std::string>() : DumpJson(v);
        }
      }
    }
    // Several agents on one machine (test hosts, or hosts sharing an IP) need their own port.
    if (vars.contains("httpListen") && vars["httpListen"].is_string()) {
      spec["http"]["listen"] = vars["httpListen"];
    }
    if (!spec.contains("buffer") || !spec["buffer"].contains("dir")) {
      spec["buffer"]["dir"] = install_dir_ + "/buffer";
    }
    const std::string job = spec.value("job", "fleet-agent");
    spec.erase("job");
    Json config = spec;
    config["apiVersion"] = "vpsfleet.io/v1alpha1";
    config["kind"] = "AgentConfig";
    config["instance"] = host["metadata"]["name"];
    config["job"] = job;
    config["controller"] = {{"url", in_.controller_url},
                            {"tokenFile", AgentTokenPath(install_dir_)},
                            {"reportInterval", in_.report_interval}};
    if (!in_.controller_ca.empty()) {
      files_[AgentControllerCaPath(install_dir_)] = in_.controller_ca;
      config["controller"]["caFile"] = AgentControllerCaPath(install_dir_);
    }

    // The revision covers everything the agent will run with, secrets included (by hash).
    std::string material = ToYaml(config);
    for (const auto& [path, content] : files_) material += path + "\n" + Sha256Hex(content) + "\n";
    if (!in_.agent_version.empty()) {
      material += "agent " + in_.agent_version + " " + in_.agent_bundle_digest + "\n";
    }
    RenderedAgent out;
    out.agent_version = in_.agent_version;
    out.revision = Sha256Hex(material).substr(0, 12);
    config["revision"] = out.revision;
    out.config = "# Rendered by fleet-controller for host " +
                 host["metadata"]["name"].get<std::string>() + "; do not edit.\n" + ToYaml(config);
    out.config_path = AgentConfigPath(install_dir_);
    out.secret_files = std::move(files_);
    return out;
  }

 private:
  const RenderInputs& in_;
  const std::string install_dir_;
  std::map<std::string, std::string> files_;
};

}  // namespace

Result<std::string> SecretKeyValue(const std::map<std::string, Json>& secrets, const std::string& name,
                                   const std::string& key, const std::string& field) {
  auto it = secrets.find(name);
  if (it == secrets.end()) return Status::NotFound(field + ": secret/" + name + " not found");
  const Json& data = it->second.value("data", Json::object());
  if (!data.contains(key)) {
    return Status::NotFound(field + ": secret/" + name + " has no key \"" + key + "\"");
  }
  auto decoded = Base64Decode(data[key].get<std::string>());
  if (!decoded) return Status::Invalid(field + ": secret/" + name + " key " + key + " is not base64");
  return *decoded;
}

std::string ComposeStackDir(const std::string& install_dir) { return install_dir + "/alloy-compose"; }

std::string AgentConfigPath(const std::string& install_dir) { return install_dir + "/config.yaml"; }
std::string AgentTokenPath(const std::string& install_dir) {
  return install_dir + "/secrets/controller-token";
}
std::string AgentControllerCaPath(const std::string& install_dir) {
  return install_dir + "/secrets/controller-ca.crt";
}

Result<RenderedAgent> RenderAgentConfig(const RenderInputs& in) {
  const std::string flavor = in.profile->value("spec", Json::object()).value("flavor", kFlavorFleetAgent);
  if (flavor == kFlavorAlloyCompose) return RenderAlloyCompose(in);
  return Renderer(in, (*in.host)["spec"].get<HostSpec>().InstallDir()).Render();
}

}  // namespace fleet
