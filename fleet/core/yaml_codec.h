// YAML <-> JSON with source positions. Resources are handled as JSON values (like Kubernetes'
// unstructured objects); the YAML a user wrote is converted once, remembering where each field
// came from, so that any later error can be reported as file:line:column.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleet/core/status.h"

namespace fleet {

using Json = nlohmann::json;

struct Mark {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

// Where each field of one document came from, keyed by field path ("spec.ssh.port",
// "spec.hosts[2].name").
struct SourceMap {
  std::map<std::string, Mark> values;  // the value's position
  std::map<std::string, Mark> keys;    // the mapping key's position (for unknown-field errors)
  Mark root;

  // The value position of path, or of its nearest ancestor that has one.
  Mark Find(const std::string& path) const;
  Mark FindKey(const std::string& path) const;
};

struct Document {
  Json object;
  SourceMap positions;
  std::string source;  // file name as given, or "<stdin>"
  int index = 0;       // 0-based position among the stream's documents
};

// Path helpers: "spec" + "ssh" -> "spec.ssh"; keys with '.' or '/' are bracketed
// (metadata.labels[vpsfleet.io/group]); "spec.hosts" + 2 -> "spec.hosts[2]".
std::string JoinPath(const std::string& parent, const std::string& key);
std::string JoinPath(const std::string& parent, size_t index);

// "file:line:col: message" (or "file: message" when the mark is unknown).
std::string Located(const std::string& source, Mark mark, const std::string& message);

// Parses a multi-document YAML stream. Empty documents are skipped. Fails on syntax errors,
// duplicate keys, anchors/aliases merge keys it cannot resolve, and non-string keys, naming
// file:line:column.
Result<std::vector<Document>> ParseYamlDocuments(std::string_view text, const std::string& source);

// Emits one JSON value as block YAML; strings that would read back as another type are quoted,
// so ParseYaml(ToYaml(x)) == x. Objects that are resources (have apiVersion and kind) list their keys in Kubernetes order (apiVersion,
// kind, metadata, spec, status), the rest sorted.
std::string ToYaml(const Json& value);

// JSON text with the same top-level key order as ToYaml, indented.
std::string ToPrettyJson(const Json& value);

}  // namespace fleet
