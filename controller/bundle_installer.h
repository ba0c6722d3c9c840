// The AgentInstaller the controller runs with: installs the fleet-agent bundle of the wanted
// version by checksum and restarts or reloads the agent (agent_service.h) — the real side of the
// reconciler's installer seam.
#pragma once

#include "controller/agent_service.h"
#include "controller/bundle.h"
#include "controller/agent_installer.h"

namespace controller {

class BundleInstaller : public AgentInstaller {
 public:
  explicit BundleInstaller(AgentBundles bundles) : bundles_(std::move(bundles)) {}

  fleet::Result<bool> Install(RemoteSession& session, const std::string& install_dir,
                              const std::string& version) override {
    auto bundle = bundles_.by_version.find(version.empty() ? bundles_.default_version : version);
    if (bundle == bundles_.by_version.end()) {
      return fleet::Status::NotFound("no fleet-agent bundle of version " + version);
    }
    auto uploaded = InstallBundle(session, bundle->second, install_dir);
    if (!uploaded.ok()) return uploaded.status();
    return !uploaded->empty();
  }

  fleet::Status Restart(RemoteSession& session, const std::string& install_dir,
                        const std::string& config_path) override {
    return RestartAgent(session, install_dir, config_path);
  }
  fleet::Status Reload(RemoteSession& session, const std::string& install_dir,
                       const std::string& config_path) override {
    return ReloadAgent(session, install_dir, config_path);
  }

  // What the reconcilers render with: version -> bundle digest.
  std::map<std::string, std::string> Digests() const {
    std::map<std::string, std::string> out;
    for (const auto& [version, bundle] : bundles_.by_version) out[version] = bundle.digest;
    return out;
  }

  fleet::Status Remove(RemoteSession& session, const std::string& install_dir) override {
    return RemoveAgent(session, install_dir);
  }

 private:
  const AgentBundles bundles_;
};

}  // namespace controller
