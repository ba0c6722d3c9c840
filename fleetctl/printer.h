// How fleetctl shows objects: kubectl-style tables from the CRDs' additionalPrinterColumns,
// YAML, JSON, and `describe` text.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "fleet/resource.h"

namespace fleetctl {

enum class OutputFormat { kTable, kWide, kYaml, kJson, kName };
fleet::Result<OutputFormat> ParseOutputFormat(const std::string& s);

std::string FormatTable(const fleet::KindInfo& kind, const std::vector<fleet::Json>& items,
                        bool wide, std::time_t now);
// One object or, for several, a v1 List.
std::string FormatObjects(const std::vector<fleet::Json>& items, bool as_list, OutputFormat f);
// events: the object's recent events (hosts), or null when the kind has none.
std::string Describe(const fleet::KindInfo& kind, const fleet::Json& object,
                     const fleet::Json& events, std::time_t now);

}  // namespace fleetctl
