#include "fleet/types/agent_profile.h"

#include "fleet/types/json_fields.h"

namespace fleet {

// The fields of AgentProfileAgent, once.
constexpr auto kAgentFields = [](auto& a, auto&& f) { f("version", a.version); };

void to_json(Json& j, const AgentProfileAgent& a) { json_fields::WriteFields(j, a, kAgentFields); }
void from_json(const Json& j, AgentProfileAgent& a) { json_fields::ReadFields(j, a, kAgentFields); }

AgentProfileAgent AgentOf(const Json& profile_spec) {
  return profile_spec.value("agent", Json::object()).get<AgentProfileAgent>();
}

}  // namespace fleet
