// Text that came from outside the controller — a host's SSH banner, a remote command's stderr, an
// SFTP status message, a CLI's output — before it is stored, logged or serialised. JSON (the
// store, the API) carries only valid UTF-8, and nlohmann::json::dump throws on anything else, so
// one stray byte from one host would otherwise fail the write that carries it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fleet/core/yaml_codec.h"

namespace fleet {

// Bound on foreign text in a condition message, an event or a log line.
inline constexpr size_t kForeignTextMax = 4096;

// Whether text is UTF-8 as Go's utf8.Valid judges it (no overlong forms, surrogates or code points
// past U+10FFFF): the check Prometheus makes on scraped label values and HELP text.
bool IsUtf8(std::string_view text);
// text with every invalid UTF-8 sequence replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);
// text with every run of invalid UTF-8 bytes replaced by one U+FFFD, as Go's
// strings.ToValidUTF8(text, "\uFFFD"): what node_exporter serves for a label it read from sysfs.
std::string GoValidUtf8(std::string_view text);
// ValidUtf8(text), at most max_bytes of it: a longer text is cut at a character boundary and
// ends with "… (N bytes cut)".
std::string ForeignText(std::string_view text, size_t max_bytes = kForeignTextMax);

// Names and label values from a client are shown whole up to a little over their 63-character
// limit, so a message quoting one stays short whatever was sent.
inline constexpr size_t kShownNameMax = 80;
// A name or value from a client as a message quotes it: ForeignText(name, kShownNameMax).
std::string ShownName(std::string_view name);

// One argument as a single-quoted word for a POSIX shell (and Python's shlex, which Ansible
// splits ssh arguments with): ' becomes '\''.
std::string ShellQuote(std::string_view arg);

// json.dump(indent) that cannot throw: invalid UTF-8 in its strings is written as U+FFFD. Every
// JSON vpsfleet writes goes through it (Json or nlohmann::ordered_json).
template <typename BasicJson>
std::string DumpJson(const BasicJson& json, int indent = -1) {
  return json.dump(indent, ' ', /*ensure_ascii=*/false, BasicJson::error_handler_t::replace);
}

}  // namespace fleet
