#include "controller/revisions.h"

#include <algorithm>

#include "agent/config/agent_config.h"
#include "controller/health.h"
#include "fleet/core/crypto.h"
#include "fleet/types/agent_profile.h"
#include "fleet/types/host.h"

namespace controller {

using fleet::Json;
using fleet::Status;

fleet::Result<std::map<std::string, Json>> LoadSecrets(fleet::Store& store) {
  auto list = store.List("Secret");
  if (!list.ok()) return list.status();
  std::map<std::string, Json> secrets;
  for (auto& s : list->items) {
    std::string name = s["metadata"]["name"];
    secrets[name] = std::move(s);
  }
  return secrets;
}

fleet::Result<fleet::RenderedAgent> RenderHost(fleet::Store& store, const Json& host,
                                               const std::map<std::string, Json>& secrets,
                                               const ReconcilerOptions& options) {
  const std::string profile_name = host["spec"].get<fleet::HostSpec>().profile;
  auto profile = store.Get("AgentProfile", profile_name);
  if (!profile.ok()) {
    if (profile.status().code() == fleet::Code::kNotFound) {
      return Status::NotFound("agentprofile/" + profile_name + " not found");
    }
    return profile.status();
  }
  fleet::RenderInputs inputs{&host, &*profile, &secrets, options.controller_url, options.report_interval};
  if (options.controller_ca) inputs.controller_ca = options.controller_ca();
  inputs.agent_version = fleet::AgentOf((*profile)["spec"]).version.value_or(options.default_agent_version);
  if (!inputs.agent_version.empty()) {
    auto bundle = options.agent_bundles.find(inputs.agent_version);
    if (bundle == options.agent_bundles.end()) {
      std::string known;
      for (const auto& [version, digest] : options.agent_bundles) known += (known.empty() ? "" : ", ") + version;
      return Status::Unavailable("agentprofile/" + profile_name + " spec.agent.version: fleet-agent " +
                                 inputs.agent_version + " is not available (the controller has " +
                                 (known.empty() ? "none" : known) + ")");
    }
    inputs.agent_bundle_digest = bundle->second;
  }
  auto rendered = fleet::RenderAgentConfig(inputs);
  // kNotFound means the profile; a profile that cannot be rendered (a missing secret) is invalid.
  if (!rendered.ok()) return Status::Invalid(rendered.status().message());
  if (rendered->flavor != fleet::kFlavorFleetAgent) return rendered;
  // The agent's own parser, before any SSH session: a config the agent would refuse is a failed
  // render (RenderFailed, with the agent's error), never a push.
  const std::string source = "rendered config of host/" + host["metadata"]["name"].get<std::string>();
  if (auto parsed = agent::ParseConfig(rendered->config, source); !parsed.ok()) return parsed.status();
  return rendered;
}

std::string RenderFailureReason(const Status& st) {
  switch (st.code()) {
    case fleet::Code::kNotFound: return "ProfileNotFound";
    case fleet::Code::kUnavailable: return "AgentVersionUnavailable";
    default: return "RenderFailed";
  }
}

namespace {

// Path -> SHA-256 of the content: what the history keeps of secret files.
Json ContentHashes(const std::map<std::string, std::string>& files) {
  Json hashes = Json::object();
  for (const auto& [path, content] : files) hashes[path] = fleet::Sha256Hex(content);
  return hashes;
}

Json ToJson(const fleet::RenderedAgent& r) {
  return {{"revision", r.revision}, {"configPath", r.config_path}, {"config", r.config},
          {"secretFileHashes", ContentHashes(r.secret_files)}, {"agentVersion", r.agent_version},
          {"flavor", r.flavor}, {"files", r.files}, {"composeProject", r.compose_project},
          {"firstSeen", FormatRfc3339(std::chrono::system_clock::now())}};
}

// Revisions recorded before the history kept only hashes held the files' content: replaced by
// its hashes. True when one was.
bool ScrubLegacySecretFiles(Json& revisions) {
  bool scrubbed = false;
  for (auto& r : revisions) {
    if (!r.contains("secretFiles")) continue;
    r["secretFileHashes"] = ContentHashes(r["secretFiles"].get<std::map<std::string, std::string>>());
    r.erase("secretFiles");
    scrubbed = true;
  }
  return scrubbed;
}

fleet::RenderedAgent FromJson(const Json& j, const fleet::RenderedAgent& current) {
  fleet::RenderedAgent r;
  r.revision = j["revision"];
  r.config_path = j["configPath"];
  r.config = j["config"];
  const Json hashes = j.value("secretFileHashes", Json::object());
  for (const auto& [path, hash] : hashes.items()) {
    auto now = current.secret_files.find(path);
    if (now != current.secret_files.end() && fleet::Sha256Hex(now->second) == hash) {
      r.secret_files[path] = now->second;
    } else {
      r.kept_secret_files[path] = hash;
    }
  }
  r.agent_version = j.value("agentVersion", "");  // "" in revisions recorded before versions were
  // Revisions recorded before flavors were are fleet-agent's.
  r.flavor = j.value("flavor", fleet::kFlavorFleetAgent);
  r.files = j.value("files", Json::object()).get<std::map<std::string, std::string>>();
  r.compose_project = j.value("composeProject", "");
  return r;
}

}  // namespace

Status RecordRevision(fleet::Store& store, const std::string& host,
                      const fleet::RenderedAgent& rendered) {
  auto cur = store.Get(kHostRevisionsKind, host);
  if (!cur.ok() && cur.status().code() != fleet::Code::kNotFound) return cur.status();
  Json obj = cur.ok() ? *cur : Json{{"kind", kHostRevisionsKind}, {"metadata", {{"name", host}}},
                                    {"revisions", Json::array()}};
  const bool scrubbed = ScrubLegacySecretFiles(obj["revisions"]);
  const bool known = std::any_of(obj["revisions"].begin(), obj["revisions"].end(),
                                 [&](const Json& r) { return r["revision"] == rendered.revision; });
  if (known && !scrubbed) return Status::Ok();
  if (!known) obj["revisions"].push_back(ToJson(rendered));
  auto& revisions = obj["revisions"];
  while (revisions.size() > kRevisionHistoryLimit) revisions.erase(revisions.begin());
  int64_t expected = cur.ok() ? std::stoll(obj["metadata"]["resourceVersion"].get<std::string>()) : -1;
  // Two reconcilers recording the same host at once: one wins, the other retries with backoff.
  auto committed = store.Commit({{fleet::StoreOp::Type::kPut, kHostRevisionsKind, host, obj, expected}});
  return committed.status();
}

fleet::Result<fleet::RenderedAgent> FindRevision(fleet::Store& store, const std::string& host,
                                                 const std::string& revision,
                                                 const fleet::RenderedAgent& current) {
  auto cur = store.Get(kHostRevisionsKind, host);
  if (!cur.ok() && cur.status().code() != fleet::Code::kNotFound) return cur.status();
  if (cur.ok()) {
    for (const auto& r : (*cur)["revisions"]) {
      if (r["revision"] == revision) return FromJson(r, current);
    }
  }
  return Status::NotFound("revision " + revision + " of host/" + host + " is not in its history");
}

Status ForgetRevisions(fleet::Store& store, const std::string& host) {
  auto committed = store.Commit({{fleet::StoreOp::Type::kDelete, kHostRevisionsKind, host, Json(), 0}});
  if (!committed.ok() && committed.status().code() == fleet::Code::kNotFound) return Status::Ok();
  return committed.status();
}

}  // namespace controller
