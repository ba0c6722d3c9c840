// agent-profile-crd TEMPLATE OUT: writes the AgentProfile CRD generated from the template and the
// agent's config schema (a build tool; profile_crd.h says why).
#include <fstream>
#include <iostream>

#include "agent/config/agent_config.h"
#include "agent/config/profile_crd.h"
#include "fleet/core/files.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: agent-profile-crd TEMPLATE.yaml OUT.yaml\n";
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
  auto crd = agent::AgentProfileCrd(docs->front().object, agent::AgentConfigSchema());
  if (!crd.ok()) {
    std::cerr << crd.status().ToString() << "\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << agent::AgentProfileCrdYaml(*crd);
  return out.flush() ? 0 : 1;
}
