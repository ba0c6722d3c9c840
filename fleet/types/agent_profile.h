// Typed view of the part of an AgentProfile the controller reads itself: spec.agent, which
// fleet-agent to install. The rest of the spec is the agent's config, rendered by fleet/render.cc
// and opaque here.
#pragma once

#include <optional>
#include <string>

#include "fleet/core/yaml_codec.h"

namespace fleet {

// spec.agent
struct AgentProfileAgent {
  std::optional<std::string> version;  // absent: the controller's own
  bool operator==(const AgentProfileAgent&) const = default;
};
void to_json(Json& j, const AgentProfileAgent& a);
void from_json(const Json& j, AgentProfileAgent& a);

// The spec.agent of an AgentProfile's spec (empty when it has none).
AgentProfileAgent AgentOf(const Json& profile_spec);

}  // namespace fleet
