#include "fleet/render.h"
#include "fleet/types/host.h"

#include "fleet/core/crypto.h"
#include "fleet/core/schema.h"
#include "fleet/core/text.h"
#include "fleet/resource.h"

namespace fleet {
namespace {

class Renderer {
 public:
  Renderer(const RenderInputs& in, std::string install_dir)
      : in_(in), install_dir_(std::move(install_dir)) {}

  // A Secret key's clear value, or the error that names what is missing.
  Result<std::string> SecretValue(const std::string& name, const std::string& key,
                                  const std::string& field) {
    auto it = in_.secrets->find(name);
    if (it == in_.secrets->end()) {
      return Status::NotFound(field + ": secret/" + name + " not found");
    }
    const Json& data = it->second.value("data", Json::object());
    if (!data.contains(key)) {
      return Status::NotFound(field + ": secret/" + name + " has no key \"" + key + "\"");
    }
    auto decoded = Base64Decode(data[key].get<std::string>());
    if (!decoded) return Status::Invalid(field + ": secret/" + name + " key " + key + " is not base64");
    return *decoded;
  }

  // Replaces `<ref_field>: name` in obj with `<file_field>: <path>` and records the file.
  Status SecretToFile(Json& obj, const std::string& ref_field, const std::string& key,
                      const std::string& file_field, const std::string& path_for_errors) {
    if (!obj.is_object() || !obj.contains(ref_field)) return Status::Ok();
    std::string name = obj[ref_field];
    auto value = SecretValue(name, key, path_for_errors + "." + ref_field);
    if (!value.ok()) return value.status();
    std::string file = install_dir_ + "/secrets/" + name + "." + key;
    files_[file] = *value;
    obj.erase(ref_field);
    obj[file_field] = file;
    return Status::Ok();
  }

  Status Endpoint(Json& spec, const std::string& section) {
    if (!spec.contains(section)) return Status::Ok();
    Json& s = spec[section];
    if (s.contains("basicAuth")) {
      FLEET_RETURN_IF_ERROR(SecretToFile(s["basicAuth"], "passwordSecretRef", "password",
                                         "passwordFile", "spec." + section + ".basicAuth"));
    }
    if (s.contains("tls")) {
      FLEET_RETURN_IF_ERROR(
          SecretToFile(s["tls"], "caSecretRef", "ca.crt", "caFile", "spec." + section + ".tls"));
    }
    return Status::Ok();
  }

  Result<RenderedAgent> Render() {
    const Json& host = *in_.host;
    Json spec = in_.profile->value("spec", Json::object());
    // A profile stored under an older CRD may hold fields the current one removed (e.g.
    // remoteWrite.queue.capacity, defaulted until the disk buffer became the only queue); the
    // agent refuses unknown fields, so what the CRD no longer declares is not rendered.
    PruneUnknownFields(FindKind("AgentProfile")->schema["properties"]["spec"], spec);
    spec.erase("agent");  // what to install, not how to run
    FLEET_RETURN_IF_ERROR(Endpoint(spec, "remoteWrite"));
    FLEET_RETURN_IF_ERROR(Endpoint(spec, "loki"));
    if (spec.contains("http")) {
      Json& http = spec["http"];
      if (http.contains("basicAuth")) {
        FLEET_RETURN_IF_ERROR(SecretToFile(http["basicAuth"], "passwordSecretRef", "password",
                                           "passwordFile", "spec.http.basicAuth"));
      }
      if (http.contains("tls")) {
        Json& tls = http["tls"];
        std::string name = tls["secretRef"];
        for (const auto& [key, field] : {std::pair{"tls.crt", "certFile"}, {"tls.key", "keyFile"}}) {
          auto v = SecretValue(name, key, "spec.http.tls.secretRef");
          if (!v.ok()) return v.status();
          std::string file = install_dir_ + "/secrets/" + name + "." + key;
          files_[file] = *v;
          tls[field] = file;
        }
        tls.erase("secretRef");
      }
    }
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

std::string AgentConfigPath(const std::string& install_dir) { return install_dir + "/config.yaml"; }
std::string AgentTokenPath(const std::string& install_dir) {
  return install_dir + "/secrets/controller-token";
}
std::string AgentControllerCaPath(const std::string& install_dir) {
  return install_dir + "/secrets/controller-ca.crt";
}

Result<RenderedAgent> RenderAgentConfig(const RenderInputs& in) {
  return Renderer(in, (*in.host)["spec"].get<HostSpec>().InstallDir()).Render();
}

}  // namespace fleet
