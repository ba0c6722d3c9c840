// Rollout objects and host lists as the Rollout reconciler writes them, for fleetctl's rollout
// tests in the unit and the integration tier.
#pragma once

#include "fleet/core/yaml_codec.h"

namespace fleetctl::rollouts {

using fleet::Json;

inline Json Rollout(const std::string& phase, Json status_extra = Json::object(), Json selector = Json::object()) {
  Json status = {{"observedGeneration", 2},
                 {"observedInputsRevision", "40"},
                 {"observedHostGenerations", {{"web-1", 3}}},
                 {"phase", phase},
                 {"revision", 2},
                 {"updatedHosts", 1},
                 {"failedHosts", 0},
                 {"message", "m"},
                 {"history", {{{"revision", 1}, {"fingerprint", "aaa"}, {"hosts", {{"web-1", "r1"}, {"web-2", "r1"}}}},
                              {{"revision", 2}, {"fingerprint", "bbb"}, {"hosts", {{"web-1", "r2"}, {"web-2", "r2"}}}}}}};
  if (!status_extra.is_null()) status.update(status_extra);  // `{}` in a row is null
  return {{"metadata", {{"name", "web"}, {"generation", 2}}},
          {"spec", {{"selector", selector}}},
          {"status", status}};
}

inline Json Hosts(int web1_generation) {
  return Json::array({{{"metadata", {{"name", "web-1"}, {"generation", web1_generation}, {"labels", {{"role", "web"}}}}}},
                      {{"metadata", {{"name", "db-1"}, {"generation", 9}, {"labels", {{"role", "db"}}}}}}});
}

}  // namespace fleetctl::rollouts
