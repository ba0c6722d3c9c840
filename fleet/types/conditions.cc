#include "fleet/types/conditions.h"

#include <algorithm>

#include "fleet/core/text.h"

namespace fleet {

void to_json(Json& j, const Condition& c) {
  // Every field, even empty: as the controller has always stored them.
  j = {{"type", c.type},
       {"status", c.status},
       {"reason", c.reason},
       {"message", c.message},
       {"lastTransitionTime", c.last_transition_time}};
}

void from_json(const Json& j, Condition& c) {
  c.type = j.value("type", "");
  c.status = j.value("status", "");
  c.reason = j.value("reason", "");
  c.message = j.value("message", "");
  c.last_transition_time = j.value("lastTransitionTime", "");
}

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

std::string ConditionStatus(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = FindCondition(conditions, type);
  return c ? c->status : "";
}

bool SetCondition(std::vector<Condition>& conditions, Condition condition, const std::string& now) {
  condition.message = ForeignText(condition.message);
  for (auto& c : conditions) {
    if (c.type != condition.type) continue;
    const bool transition = c.status != condition.status;
    const bool changed = transition || c.reason != condition.reason || c.message != condition.message;
    condition.last_transition_time = transition ? now : c.last_transition_time;
    c = std::move(condition);
    return changed;
  }
  condition.last_transition_time = now;
  conditions.push_back(std::move(condition));
  return true;
}

std::vector<Condition> ChangedConditions(const std::vector<Condition>& before,
                                         const std::vector<Condition>& after) {
  std::vector<Condition> changed;
  for (const auto& c : after) {
    const Condition* old = FindCondition(before, c.type);
    if (!old || old->status != c.status || old->reason != c.reason) changed.push_back(c);
  }
  return changed;
}

}  // namespace fleet
