// The SSH half of delivery as the reconciler sees it: connect to a host (verifying its host key),
// then hash, upload and run commands there. NewSshTransport() is the libssh implementation; unit
// tests of the reconciler substitute a fake Transport.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/status.h"

namespace controller {

struct SshTarget {
  std::string address;
  int port = 22;
  std::string user = "root";
  // PEM/OpenSSH private key text from a Secret; never logged, never written to disk. Empty ->
  // authenticate through ssh-agent when use_agent is set.
  std::string private_key;
  bool use_agent = false;
  // "ssh-ed25519 AAAA..." pinned in the Host spec; empty = not pinned.
  std::string expected_host_key;
  // Optional OpenSSH known_hosts file, consulted only when expected_host_key is empty. It is read
  // on every connect: a key removed from it is refused from then on, a key added is accepted.
  std::string known_hosts_file;
  enum class HostKeyPolicy { kStrict, kAcceptNew } policy = HostKeyPolicy::kStrict;
  // The key accept-new recorded at an earlier connect; under accept-new it must match when
  // neither a pinned key nor a known_hosts entry decides. Ignored under strict.
  std::string recorded_host_key;
  // Bound on connecting and on every later step (each SFTP call, each command).
  std::chrono::seconds timeout{10};
  // Bound on what one command may print on stdout; more fails the command. The controller's own
  // commands print a line per file hashed.
  size_t max_stdout = 1024 * 1024;
};

struct ExecResult {
  int exit_code = -1;
  std::string out;  // as printed, at most SshTarget::max_stdout bytes
  std::string err;  // for messages: valid UTF-8, at most fleet::kForeignTextMax bytes and a marker
};

// Errors from Connect and from session methods:
//   kForbidden        "host key mismatch: ..." (changed key; refused, never overwritten) or
//                     "host key unknown: ..." (strict policy with nothing to verify against)
//   kUnavailable      cannot connect / connection lost
//   kUnauthorized     authentication refused
//   kDeadlineExceeded a step took longer than SshTarget::timeout
//   kInternal         among others, a command printed more than its bound (64 KiB on stderr)
// Messages quote what the host said only as fleet::ForeignText (valid UTF-8, bounded).
class RemoteSession {
 public:
  virtual ~RemoteSession() = default;
  // The host key the server actually presented, "type base64" (record it after accept-new).
  virtual const std::string& host_key() const = 0;
  // Lower-case hex SHA-256 of a remote file; "" when the file does not exist.
  virtual fleet::Result<std::string> Sha256(const std::string& path) = 0;
  // Atomic replace: write "<path>.tmp-<random>", fsync, chmod mode, rename over path; creates
  // missing parent directories. A reader sees the old content or the new, never a mix.
  virtual fleet::Status Upload(const std::string& path, std::string_view content, int mode) = 0;
  // Hashes all of paths in one round trip and remembers the answers, so the next Sha256 call for
  // each costs nothing: a reconcile learns everything it compares at once. An answer serves one
  // call; Upload of the path and any Exec (a command may change any file) forget it.
  virtual fleet::Status Prefetch(const std::vector<std::string>& /*paths*/) { return {}; }
  // Runs argv on the host; each element is single-quoted for the remote POSIX shell, so values
  // are never interpreted by it. A non-zero exit is a successful ExecResult, not an error.
  virtual fleet::Result<ExecResult> Exec(const std::vector<std::string>& argv) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual fleet::Result<std::unique_ptr<RemoteSession>> Connect(const SshTarget& target) = 0;
};

std::unique_ptr<Transport> NewSshTransport();

}  // namespace controller
