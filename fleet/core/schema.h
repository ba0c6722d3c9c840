// Validation and defaulting of values against an OpenAPI v3 structural schema, with the
// Kubernetes extensions CRDs use (x-kubernetes-preserve-unknown-fields, -int-or-string,
// -list-type/-list-map-keys). The schemas come from crds/ and nowhere else.
// Supported: type, enum, minLength/maxLength, pattern (RE2 syntax, as Kubernetes' Go regexp),
// `not: {pattern}` on strings, format byte, minimum/maximum, minItems/maxItems, maxProperties,
// required, properties, additionalProperties, nullable, default. Values of `format: byte` and
// `format: password` fields are never echoed in messages (Secret data and stringData).
#pragma once

#include <string>
#include <vector>

#include "fleet/core/yaml_codec.h"

namespace fleet {

struct FieldError {
  std::string path;     // "spec.ssh.port"
  std::string message;  // "must be <= 65535"
  bool at_key = false;  // the error is about the key itself (unknown field)
  const char* reason = kFieldValueInvalid;  // the Kubernetes cause type (fleet/core/status.h)

  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
  // As a cause of a Status; item and ref name the object in a request of several.
  Cause ToCause(int item = -1, std::string ref = "") const;
};

// Each error as a cause, in order.
std::vector<Cause> CausesOf(const std::vector<FieldError>& errors, int item = -1,
                            const std::string& ref = "");

// cause with its position in doc: its field's value, or with at_key its key (an unknown field,
// which is what a cause that crossed the wire says by its reason), or else the nearest ancestor
// with a position.
Cause Placed(const Document& doc, Cause cause, bool at_key);
Cause Placed(const Document& doc, Cause cause);

// A value as JSON, cut to max characters: how messages show what was given (never the whole of
// a value that may be megabytes long).
std::string Brief(const Json& v, size_t max = 40);

// Checks value against schema, appending to errors; with apply_defaults, absent properties that
// have a `default` are filled in first (and then checked like any value).
void ValidateSchema(const Json& schema, Json& value, const std::string& path, bool apply_defaults,
                    std::vector<FieldError>* errors);

// Drops the fields schema does not declare (x-kubernetes-preserve-unknown-fields and
// additionalProperties: true keep theirs), as the Kubernetes API server prunes what it reads from
// storage: an object stored under an older schema keeps no field a newer one removed.
void PruneUnknownFields(const Json& schema, Json& value);

}  // namespace fleet
