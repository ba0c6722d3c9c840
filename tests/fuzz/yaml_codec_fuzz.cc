// Fuzz target: what `fleetctl validate` and `fleetctl apply -f` do to a file before anything is
// sent (fleetctl/input.cc): parse the YAML stream with source positions, validate every document
// against the CRDs (offline, as fleetctl does, and with defaults, as the server does), format the
// errors against the source map. On the way, the codec's promise (fleet/core/yaml_codec.h) that
// ToYaml's output reads back as the same value.
#include <cstdint>
#include <string>
#include <string_view>

#include "fleet/resource.h"
#include "fleet/core/yaml_codec.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/json_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = fleet::ParseYamlDocuments(text, "fuzz.yaml");
  if (!docs.ok()) {
    FUZZ_CHECK(docs.status().code() == fleet::Code::kInvalid);
    return 0;
  }
  // YAML is Unicode: bytes that are not UTF-8 cannot round-trip (yaml-cpp writes U+FFFD), but
  // they are validated: a message that quotes them must not throw.
  const bool utf8 = fuzz::IsUtf8(std::string(text));
  for (const auto& doc : *docs) {
    if (!utf8) break;
    const std::string yaml = fleet::ToYaml(doc.object);
    auto again = fleet::ParseYamlDocuments(yaml, "again.yaml");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->size() == 1);
    FUZZ_CHECK(fuzz::SameJson(again->front().object, doc.object));
  }
  std::vector<fleet::Document> defaulted = *docs;
  for (const auto& problem : fleet::ValidateDocuments(*docs, /*apply_defaults=*/false)) {
    FUZZ_CHECK(problem.ToString().rfind("fuzz.yaml", 0) == 0);
  }
  for (const auto& problem : fleet::ValidateDocuments(defaulted, /*apply_defaults=*/true)) {
    FUZZ_CHECK(problem.ToString().rfind("fuzz.yaml", 0) == 0);
  }
  return 0;
}
