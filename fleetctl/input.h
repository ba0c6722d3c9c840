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

// status with each cause placed in the document its item came from (items[i] of a bulk apply is
// docs[i]), so that it reads "file:line:col: field: message": from the causes' item and field,
// never from message text. A status without causes is returned as it is.
fleet::Status PlacedInFiles(const fleet::Status& status, const std::vector<fleet::Document>& docs);

}  // namespace fleetctl
