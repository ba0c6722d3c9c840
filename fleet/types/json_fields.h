// How the typed views read and write their fields: an absent field stays absent (optional, or
// an empty string/collection), so a stored object round-trips unchanged.
#pragma once

#include <optional>
#include <string>

#include "fleet/core/yaml_codec.h"

namespace fleet::json_fields {

template <typename T>
void Read(const Json& j, const char* key, std::optional<T>& field) {
  if (j.contains(key)) field = j[key].get<T>();
}
template <typename T>
void Write(Json& j, const char* key, const std::optional<T>& field) {
  if (field) j[key] = *field;
}
// Strings and collections: empty = absent.
template <typename T>
void Read(const Json& j, const char* key, T& field) {
  if (j.contains(key)) field = j[key].get<T>();
}
template <typename T>
void Write(Json& j, const char* key, const T& field) {
  if (!field.empty()) j[key] = field;
}

}  // namespace fleet::json_fields
