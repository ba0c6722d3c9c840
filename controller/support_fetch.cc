#include "controller/support_fetch.h"

#include <spdlog/spdlog.h>

#include "controller/revisions.h"
#include "fleet/render.h"

namespace controller {

fleet::Result<std::string> SupportBundleFetcher::Fetch(const std::string& name, int duration) {
  if (duration < 0 || duration > kMaxDurationSeconds) {
    return fleet::Status::Invalid("duration must be from 0 to " +
                                  std::to_string(kMaxDurationSeconds) + " seconds");
  }
  auto host = store_.Get("Host", name);
  if (!host.ok()) return host.status();
  auto secrets = LoadSecrets(store_);
  if (!secrets.ok()) return secrets.status();
  const auto spec = (*host)["spec"].get<fleet::HostSpec>();
  auto target = SshTargetFor(spec, *secrets, host->value("status", fleet::Json::object()).get<fleet::HostStatus>(),
                             tailnet_);
  if (!target.ok()) return target.status();
  // The command runs for the whole collection window; the SSH step timeout must cover it.
  target->timeout += std::chrono::seconds(duration + 20);
  // The bundle comes back on stdout: logs and metrics of the window, gzipped.
  target->max_stdout = 64 * 1024 * 1024;
  auto session = transport_.Connect(*target);
  if (!session.ok()) return session.status().WithContext("host " + name);
  const std::string install_dir = spec.InstallDir();
  auto run = (*session)->Exec({install_dir + "/bin/fleet-agent", "support", "--config",
                               fleet::AgentConfigPath(install_dir), "--duration",
                               std::to_string(duration)});
  if (!run.ok()) return run.status().WithContext("host " + name);
  if (run->exit_code != 0) {
    return fleet::Status::Unavailable("host " + name + ": fleet-agent support exited with " +
                                      std::to_string(run->exit_code) + ": " + run->err);
  }
  spdlog::info("support bundle from host {}: {} bytes", name, run->out.size());
  return std::move(run->out);
}

}  // namespace controller
