// agent-config-schema-json IN.yaml OUT.json: the agent config schema, written in YAML for people,
// as the compact JSON the binaries embed (a build tool). Parsing JSON at start-up needs a fraction
// of the heap that yaml-cpp's node tree and the source positions do, and what the parse raised
// the heap to stays partly resident in a daemon that parses its config once.
#include <fstream>
#include <iostream>

#include "fleet/core/files.h"
#include "fleet/core/text.h"
#include "fleet/core/yaml_codec.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: agent-config-schema-json IN.yaml OUT.json\n";
    return 2;
  }
  auto text = fleet::ReadFileText(argv[1]);
  if (!text.ok()) {
    std::cerr << text.status().ToString() << "\n";
    return 1;
  }
  auto docs = fleet::ParseYamlDocuments(*text, argv[1]);
  if (!docs.ok() || docs->size() != 1) {
    std::cerr << argv[1] << ": " << (docs.ok() ? "not one YAML document" : docs.status().ToString()) << "\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << fleet::DumpJson(docs->front().object);
  return out.flush() ? 0 : 1;
}
