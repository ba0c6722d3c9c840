// How the typed views read and write their fields: an absent field stays absent (optional, or
// an empty string/collection), so a stored object round-trips unchanged.
#pragma once

#include <optional>
#include <string>
#include <type_traits>

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
// Numbers: always written. Strings and collections: empty = absent.
template <typename T>
void Read(const Json& j, const char* key, T& field) {
  if (j.contains(key)) field = j[key].get<T>();
}
template <typename T>
void Write(Json& j, const char* key, const T& field) {
  if constexpr (std::is_arithmetic_v<T>) {
    j[key] = field;
  } else if (!field.empty()) {
    j[key] = field;
  }
}

// A struct's fields listed once, for both directions: fields(s, f) calls f("key", s.member) for
// each member, s const when writing.
template <typename S, typename Fields>
void WriteFields(Json& j, const S& s, Fields fields) {
  j = Json::object();
  fields(s, [&j](const char* key, const auto& field) { Write(j, key, field); });
}
template <typename S, typename Fields>
void ReadFields(const Json& j, S& s, Fields fields) {
  fields(s, [&j](const char* key, auto& field) { Read(j, key, field); });
}

}  // namespace fleet::json_fields
