// Files compiled into the binaries by cmake/embed.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace fleet {

struct EmbeddedFile {
  std::string_view name;  // base name, e.g. "hosts.vpsfleet.io.yaml"
  std::string_view data;
};

// The CRDs from crds/, the one source of truth for resource schemas.
const std::vector<EmbeddedFile>& EmbeddedCrds();

}  // namespace fleet
