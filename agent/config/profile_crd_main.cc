// agent-profile-crd TEMPLATE OUT: writes the AgentProfile CRD generated from the template and the
// agent's config schema (a build tool; profile_crd.h says why).
#include <fstream>
#include <iostream>

#include "agent/config/agent_config.h"
#include "agent/config/profile_crd.h"
#include "agent/config/tool_input.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: agent-profile-crd TEMPLATE.yaml OUT.yaml\n";
    return 2;
  }
  auto crd_template = agent::ReadOneYamlDocument(argv[1]);
  if (!crd_template.ok()) {
    std::cerr << crd_template.status().ToString() << "\n";
    return 1;
  }
  auto crd = agent::AgentProfileCrd(*crd_template, agent::AgentConfigSchema());
  if (!crd.ok()) {
    std::cerr << crd.status().ToString() << "\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << agent::AgentProfileCrdYaml(*crd);
  return out.flush() ? 0 : 1;
}
