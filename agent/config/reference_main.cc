// agent-config-reference: prints docs/agent-config.md (a build tool, kept out of fleet-agent).
#include <iostream>

#include "agent/config/agent_config.h"

int main() {
  std::cout << agent::ConfigReferenceMarkdown();
  return 0;
}
