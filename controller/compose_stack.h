// Running the alloy-compose flavor's stack (fleet/render_alloy_compose.h) on a host over a
// RemoteSession: `docker compose` (the v2 plugin) where it answers, else `docker-compose` (v1),
// always with the project name and compose.yaml given, so the stack is found whatever the
// working directory. The stack's health is what `compose ps` lists, read with `docker inspect`
// (v1's ps has no machine-readable output; both label containers the same way).
#pragma once

#include <string>
#include <vector>

#include "controller/transport.h"
#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"
#include "fleet/types/conditions.h"

namespace controller {

// The services the rendered compose.yaml runs.
inline const std::vector<std::string> kComposeServices = {"alloy", "node-exporter", "cadvisor"};

// `up -d --remove-orphans` in dir (holding compose.yaml); restart_alloy also restarts alloy,
// whose config.alloy is a bind mount compose does not see change.
fleet::Status ComposeUp(RemoteSession& session, const std::string& dir, const std::string& project,
                        bool restart_alloy);
// `docker inspect` of every container `compose ps` lists for the project (a JSON array).
fleet::Result<fleet::Json> ComposeContainers(RemoteSession& session, const std::string& dir,
                                             const std::string& project);
// `down` (containers and network; the alloy-data volume stays, as it would by hand). remove_dir
// also deletes dir (the host is leaving the fleet: its .env holds a password).
fleet::Status ComposeDown(RemoteSession& session, const std::string& dir, const std::string& project,
                          bool remove_dir);

// The Healthy condition from ComposeContainers' answer: True when every service has a running
// container (healthy, when the image defines a health check).
fleet::Condition StackHealth(const fleet::Json& containers, const std::string& project);

}  // namespace controller
