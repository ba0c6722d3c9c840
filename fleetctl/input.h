// Reads resources for -f: files, directories (*.yaml, *.yml, *.json) and "-" for stdin.
#pragma once

#include <string>
#include <vector>

#include "fleet/core/yaml_codec.h"

namespace fleetctl {

fleet::Result<std::vector<fleet::Document>> LoadInputs(const std::vector<std::string>& paths,
                                                       bool recursive);

// Loads and validates offline against the CRD schemas (all documents, all errors).
fleet::Result<std::vector<fleet::Document>> LoadValidated(const std::vector<std::string>& paths,
                                                          bool recursive);

}  // namespace fleetctl
