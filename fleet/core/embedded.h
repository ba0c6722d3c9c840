// Files compiled into the binaries by cmake/embed.cmake; each embed_files(target Symbol ...) call
// defines fleet::Symbol(), declared by its user.
#pragma once

#include <string_view>
#include <vector>

namespace fleet {

struct EmbeddedFile {
  std::string_view name;  // base name, e.g. "hosts.vpsfleet.io.yaml"
  std::string_view data;
};

}  // namespace fleet
