// agent-config-schema-json IN.yaml OUT.json: the agent config schema, written in YAML for people,
// as the compact JSON the binaries embed (a build tool). Parsing JSON at start-up needs a fraction
// of the heap that yaml-cpp's node tree and the source positions do, and what the parse raised
// the heap to stays partly resident in a daemon that parses its config once.
#include <fstream>
#include <iostream>

#include "agent/config/tool_input.h"
#include "fleet/core/text.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: agent-config-schema-json IN.yaml OUT.json\n";
    return 2;
  }
  auto schema = agent::ReadOneYamlDocument(argv[1]);
  if (!schema.ok()) {
    std::cerr << schema.status().ToString() << "\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << fleet::DumpJson(*schema);
  return out.flush() ? 0 : 1;
}
