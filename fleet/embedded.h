// The CRDs compiled into the binaries (crds/CMakeLists.txt), the one source of truth for
// resource schemas.
#pragma once

#include <vector>

#include "fleet/core/embedded.h"

namespace fleet {

const std::vector<EmbeddedFile>& EmbeddedCrds();

}  // namespace fleet
