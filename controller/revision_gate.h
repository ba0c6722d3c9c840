// Which revision a host may run, given the one rendered for it now (Rollouts hold hosts back).
#pragma once

#include <string>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace controller {

class RevisionGate {
 public:
  virtual ~RevisionGate() = default;
  virtual fleet::Result<std::string> Admitted(const fleet::Json& host, const std::string& rendered) = 0;
};

}  // namespace controller
