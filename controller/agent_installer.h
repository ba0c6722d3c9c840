// The steps on a connected host that install and (re)start the agent; faked in unit tests.
#pragma once

#include <string>

#include "controller/transport.h"
#include "fleet/core/status.h"

namespace controller {

class AgentInstaller {
 public:
  virtual ~AgentInstaller() = default;
  // Installs or upgrades the agent files of version ("" = the default); true when anything
  // changed on the host.
  virtual fleet::Result<bool> Install(RemoteSession& session, const std::string& install_dir,
                                      const std::string& version) = 0;
  virtual fleet::Status Restart(RemoteSession& session, const std::string& install_dir,
                                const std::string& config_path) = 0;
  // The running agent re-reads its config in place (SIGHUP); starts one when none runs.
  virtual fleet::Status Reload(RemoteSession& session, const std::string& install_dir,
                               const std::string& config_path) = 0;
  // Stops the agent for good and removes its config and secrets (the Host is being deleted).
  virtual fleet::Status Remove(RemoteSession& session, const std::string& install_dir) = 0;
};

}  // namespace controller
