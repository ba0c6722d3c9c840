// The values Ansible's INI inventory gives variables: it passes each `key=value` value through
// Python's ast.literal_eval and keeps the text as a string when that fails. This reads the
// literals inventories hold — integers (with 0x/0o/0b and '_'), floats, True/False/None, quoted
// strings with their escapes, and lists, tuples and dicts of them — into JSON, so an imported
// variable has the type `ansible-inventory` shows for it.
#pragma once

#include <optional>
#include <string_view>

#include "fleet/core/yaml_codec.h"

namespace ansible_compat {

// The value literal_eval would return, or nullopt where it would raise (the caller keeps the
// text). Sets, complex numbers and byte strings, which no inventory variable can hold usefully,
// are nullopt; so is nesting deeper than 32.
std::optional<fleet::Json> PythonLiteral(std::string_view text);

// What Ansible's INI plugin stores for a value: the literal, else the text itself.
fleet::Json IniValue(std::string_view text);

}  // namespace ansible_compat
