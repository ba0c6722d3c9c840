// Kubernetes label selectors: the string form (`-l region=atl,role in (chat,db),!paused`) and
// the structured form (matchLabels/matchExpressions) used in Rollouts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace fleet {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  static Result<LabelSelector> Parse(const std::string& text);
  // From {matchLabels: {...}, matchExpressions: [{key, operator, values}]}; already validated
  // by the Rollout schema.
  static LabelSelector FromJson(const Json& selector);

  bool Empty() const { return requirements_.empty(); }
  bool Matches(const std::map<std::string, std::string>& labels) const;
  // Matches an object's metadata.labels.
  bool MatchesObject(const Json& object) const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace fleet
