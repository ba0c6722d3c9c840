// Defaults the controller applies to fields a stored object may lack (objects written before a
// field existed, or by tests), read from the CRD's `default:` so the schema stays their one source.
#pragma once

#include <optional>
#include <string_view>

#include "fleet/core/yaml_codec.h"

namespace fleet {

// The `default:` of kind's field at a dotted path ("spec.ssh.port"), from the embedded CRD.
// Aborts on a kind or field without one: a programming error that any test reaching it finds.
const Json& CrdDefault(std::string_view kind, std::string_view path);

// value when set, else kind's CRD default at path.
template <typename T>
T OrCrdDefault(const std::optional<T>& value, std::string_view kind, std::string_view path) {
  return value ? *value : CrdDefault(kind, path).get<T>();
}

}  // namespace fleet
