// Validation and defaulting of values against an OpenAPI v3 structural schema, with the
// Kubernetes extensions CRDs use (x-kubernetes-preserve-unknown-fields, -int-or-string,
// -list-type/-list-map-keys). The schemas come from crds/ and nowhere else.
#pragma once

#include <string>
#include <vector>

#include "fleet/yaml_codec.h"

namespace fleet {

struct FieldError {
  std::string path;     // "spec.ssh.port"
  std::string message;  // "must be <= 65535"
  bool at_key = false;  // the error is about the key itself (unknown field)

  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
};

// Checks value against schema, appending to errors; with apply_defaults, absent properties that
// have a `default` are filled in first (and then checked like any value).
void ValidateSchema(const Json& schema, Json& value, const std::string& path, bool apply_defaults,
                    std::vector<FieldError>* errors);

}  // namespace fleet
