// What the build tools of this folder (agent-config-schema-json, agent-profile-crd) read: one
// YAML document from a file.
#pragma once

#include <string>

#include "fleet/core/files.h"
#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace agent {

inline fleet::Result<fleet::Json> ReadOneYamlDocument(const std::string& path) {
  auto text = fleet::ReadFileText(path);
  if (!text.ok()) return text.status();
  auto docs = fleet::ParseYamlDocuments(*text, path);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1) return fleet::Status::Invalid(path + ": not one YAML document");
  return std::move(docs->front().object);
}

}  // namespace agent
