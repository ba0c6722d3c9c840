// Installing and running fleet-agent on a host over a RemoteSession: the bundle by checksum, then
// a restart under systemd where it runs, or under the bundle's own supervisor elsewhere.
// Every remote command goes through RemoteSession::Exec(argv) with the user-supplied values
// (install dir, config path) as separate arguments, never spliced into a command string.
#pragma once

#include <string>
#include <vector>

#include "controller/bundle.h"
#include "controller/transport.h"
#include "fleet/render.h"
#include "fleet/core/status.h"

namespace controller {

inline constexpr char kAgentUnitName[] = "fleet-agent.service";
inline constexpr char kAgentUnitPath[] = "/etc/systemd/system/fleet-agent.service";


// OK when the command ran and exited 0; else the error, naming what (and quoting its stderr).
fleet::Status CheckExit(const fleet::Result<ExecResult>& result, const std::string& what);

// Absolute, no NUL/newline/control characters, no "." or ".." components; kInvalid otherwise.
fleet::Status ValidateInstallPath(const std::string& path);

// Uploads each bundle file whose remote sha256 differs (libraries first, bin/ after, MANIFEST
// last) and returns the relative paths uploaded; none when the remote MANIFEST already matches.
fleet::Result<std::vector<std::string>> InstallBundle(RemoteSession& session, const Bundle& bundle,
                                                      const std::string& install_dir);


// The unit running install_dir/bin/fleet-agent --config config_path, with systemd's quoting.
std::string AgentSystemdUnit(const std::string& install_dir, const std::string& config_path);

// Each is one remote command where systemd is not the init system (the script detects it) and
// the unit plus systemctl where it is.
//
// (Re)starts the agent of an installed bundle with config_path. Under the supervisor: stops the
// old supervisor and agent (TERM, up to 5 s, KILL) and starts bin/fleet-supervise detached, with
// pids in install_dir/run/ and output in install_dir/log/agent.log; returns once it runs.
fleet::Status RestartAgent(RemoteSession& session, const std::string& install_dir,
                           const std::string& config_path);
// Makes the running agent re-read config_path in place (SIGHUP; `systemctl reload-or-restart`):
// no new process, buffers kept. Restarts when no agent runs with that config.
fleet::Status ReloadAgent(RemoteSession& session, const std::string& install_dir,
                          const std::string& config_path);
fleet::Status StopAgent(RemoteSession& session, const std::string& install_dir);

// What deleting a Host does on it: stops the agent for good (under systemd also disables and
// removes the unit, so a reboot does not start it again) and removes its config and secrets/
// (the report token and the receivers' credentials). The bundle (bin/, lib/, MANIFEST) stays:
// it holds nothing secret and a host added back skips the upload by checksum; so do buffer/
// (telemetry not yet delivered) and log/, for whoever looks at the host afterwards.
fleet::Status RemoveAgent(RemoteSession& session, const std::string& install_dir);

}  // namespace controller
