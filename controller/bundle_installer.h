// The AgentInstaller the controller runs with: installs the fleet-agent bundle by checksum and
// restarts the agent (agent_service.h) — the real side of the reconciler's installer seam.
#pragma once

#include "controller/agent_service.h"
#include "controller/bundle.h"
#include "controller/host_reconciler.h"

namespace controller {

class BundleInstaller : public AgentInstaller {
 public:
  explicit BundleInstaller(Bundle bundle) : bundle_(std::move(bundle)) {}

  fleet::Result<bool> Install(RemoteSession& session, const std::string& install_dir) override {
    auto uploaded = InstallBundle(session, bundle_, install_dir);
    if (!uploaded.ok()) return uploaded.status();
    return !uploaded->empty();
  }

  fleet::Status Restart(RemoteSession& session, const std::string& install_dir,
                        const std::string& config_path) override {
    return RestartAgent(session, install_dir, config_path);
  }

  fleet::Status Remove(RemoteSession& session, const std::string& install_dir) override {
    return RemoveAgent(session, install_dir);
  }

 private:
  const Bundle bundle_;
};

}  // namespace controller
