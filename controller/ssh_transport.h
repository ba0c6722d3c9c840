// libssh implementation of controller::Transport, plus the pure pieces of it that unit tests
// check without a server: the remote command line (fleet::ShellQuote's words) and the host key
// decision.
#pragma once

#include <string>
#include <vector>

#include "controller/transport.h"
#include "fleet/core/status.h"

namespace controller {

// The command line a remote shell runs for argv; kInvalid if argv is empty or has a NUL byte.
fleet::Result<std::string> ShellCommand(const std::vector<std::string>& argv);

// "type base64" from a key line that may carry a comment or extra spaces ("" when malformed).
std::string NormalizePublicKey(const std::string& line);

// What a known_hosts lookup said about the presented key (kNotConsulted: no file given).
enum class KnownHostsAnswer { kNotConsulted, kMatch, kChanged, kUnknown };

// Whether to trust the key the server presented (`seen`, "type base64"): against the pinned key
// first, else the known_hosts answer, else the policy. kForbidden "host key mismatch: ..." or
// "host key unknown: ..." when refused.
fleet::Status VerifyHostKey(const SshTarget& target, const std::string& seen,
                            KnownHostsAnswer known_hosts);

}  // namespace controller
