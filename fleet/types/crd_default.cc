#include "fleet/types/crd_default.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fleet/resource.h"

namespace fleet {

const Json& CrdDefault(std::string_view kind, std::string_view path) {
  const KindInfo* info = FindKind(kind);
  const Json* schema = info ? &info->schema : nullptr;
  for (size_t start = 0; schema && start <= path.size();) {
    size_t dot = std::min(path.find('.', start), path.size());
    const std::string name(path.substr(start, dot - start));
    const bool found = schema->contains("properties") && (*schema)["properties"].contains(name);
    schema = found ? &(*schema)["properties"][name] : nullptr;
    start = dot + 1;
  }
  if (!schema || !schema->contains("default")) {
    std::fprintf(stderr, "no CRD default for %.*s %.*s\n", static_cast<int>(kind.size()), kind.data(),
                 static_cast<int>(path.size()), path.data());
    std::abort();
  }
  return (*schema)["default"];
}

}  // namespace fleet
