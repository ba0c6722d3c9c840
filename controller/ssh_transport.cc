#include "controller/ssh_transport.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <sys/socket.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "fleet/core/crypto.h"
#include "fleet/core/text.h"

namespace controller {

using fleet::Code;
using fleet::Result;
using fleet::Status;

Result<std::string> ShellCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status::Invalid("empty command");
  std::string command;
  for (const std::string& arg : argv) {
    if (arg.find('\0') != std::string::npos) {
      return Status::Invalid("command argument contains a NUL byte");
    }
    if (!command.empty()) command += ' ';
    command += fleet::ShellQuote(arg);
  }
  return command;
}

std::string NormalizePublicKey(const std::string& line) {
  std::istringstream in(line);
  std::string type, base64;
  if (!(in >> type >> base64)) return "";
  return type + " " + base64;
}

Status VerifyHostKey(const SshTarget& target, const std::string& seen,
                     KnownHostsAnswer known_hosts) {
  const std::string where = target.address + ":" + std::to_string(target.port);
  if (!target.expected_host_key.empty()) {
    if (NormalizePublicKey(target.expected_host_key) == NormalizePublicKey(seen)) return {};
    return {Code::kForbidden, "host key mismatch: " + where + " presented " + seen +
                                  ", expected " + NormalizePublicKey(target.expected_host_key)};
  }
  switch (known_hosts) {
    case KnownHostsAnswer::kMatch:
      return {};
    case KnownHostsAnswer::kChanged:
      return {Code::kForbidden, "host key mismatch: " + where + " presented " + seen +
                                    ", which differs from its entry in " +
                                    target.known_hosts_file};
    case KnownHostsAnswer::kUnknown:
    case KnownHostsAnswer::kNotConsulted:
      break;
  }
  if (target.policy == SshTarget::HostKeyPolicy::kAcceptNew) {
    const std::string recorded = NormalizePublicKey(target.recorded_host_key);
    if (recorded.empty() || recorded == NormalizePublicKey(seen)) return {};
    return {Code::kForbidden, "host key mismatch: " + where + " presented " + seen +
                                  ", which differs from the key accept-new recorded, " + recorded};
  }
  return {Code::kForbidden, "host key unknown: " + where + " presented " + seen +
                                " and neither a pinned key nor a known_hosts entry verifies it"};
}

namespace {

using Clock = std::chrono::steady_clock;

struct KeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<std::remove_pointer_t<ssh_key>, KeyDeleter>;

struct ChannelDeleter {
  void operator()(ssh_channel channel) const {
    ssh_channel_close(channel);
    ssh_channel_free(channel);
  }
};
using ChannelPtr = std::unique_ptr<std::remove_pointer_t<ssh_channel>, ChannelDeleter>;

// Bound on a remote command's stderr, which is read only to quote it in an error message.
constexpr size_t kMaxExecStderr = 64 * 1024;

// Hashes a file where it is, so only the hash crosses the connection; prints nothing when the
// file is absent.
constexpr char kSha256Script[] = "if [ -e \"$1\" ]; then sha256sum < \"$1\"; fi";
// The same for many files, with one sha256sum for all that exist (each process started costs
// every host of a rollout): "absent PATH" for each missing one, then sha256sum's "HASH  PATH"
// lines. A file it cannot read gets no line and is asked for again on its own. Temporary files
// of uploads that died half-way (PATH.tmp-*) are removed on the way, so an upload that follows
// in the same session needs no preparation (see Upload).
constexpr char kSha256ManyScript[] =
    "n=$#; for f; do for t in \"$f\".tmp-*; do [ ! -e \"$t\" ] || rm -f -- \"$t\"; done; "
    "if [ -e \"$f\" ]; then set -- \"$@\" \"$f\"; else printf 'absent %s\\n' \"$f\"; fi; done; "
    "shift \"$n\"; [ $# -eq 0 ] || sha256sum -- \"$@\" 2>/dev/null; exit 0";

// A value that reaches libssh options or a remote path must not be able to change their meaning.
Status ValidateTarget(const SshTarget& t) {
  auto bad = [](const std::string& s) {
    return s.empty() || s[0] == '-' ||
           std::any_of(s.begin(), s.end(), [](unsigned char c) {
             return std::isspace(c) || std::iscntrl(c) || c == '@' || c == '\'' || c == '"';
           });
  };
  if (bad(t.address)) return Status::Invalid("ssh address is empty or malformed");
  if (bad(t.user)) return Status::Invalid("ssh user is empty or malformed");
  if (t.port <= 0 || t.port > 65535) return Status::Invalid("ssh port out of range");
  if (t.timeout.count() <= 0) return Status::Invalid("ssh timeout must be positive");
  return {};
}

Status ValidateRemotePath(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos) {
    return Status::Invalid("remote path must be absolute: " + path);
  }
  return {};
}

std::string LeadingHex(const std::string& text) {
  return text.substr(0, text.find_first_not_of("0123456789abcdef"));
}

// Host key algorithms that make a server present a key of this type. An RSA key is offered
// with SHA-2 signatures only: OpenSSH 8.8+ refuses the SHA-1 "ssh-rsa" algorithm.
std::string HostKeyAlgorithmsFor(const std::string& key_type) {
  return key_type == "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256" : key_type;
}

// libssh 0.10's SFTP calls wait for the server's replies without any timeout, so a host that
// accepts a connection and then hangs would hold a worker forever. One thread watches the
// deadlines of the steps in flight and shuts down the socket of a step that overruns its own;
// the blocked call then fails at once and its session reports kDeadlineExceeded.
class Watchdog {
 public:
  static Watchdog& Instance() {
    static Watchdog* const instance = new Watchdog();  // its thread runs until the process ends
    return *instance;
  }

  // Watches fd from now for budget; on expiry sets *expired, then shuts the socket down.
  uint64_t Arm(int fd, Clock::duration budget, std::atomic<bool>* expired) {
    std::lock_guard lock(mu_);
    entries_[++last_id_] = {fd, budget, Clock::now() + budget, expired};
    wake_.notify_one();
    return last_id_;
  }
  // The step made progress: its budget starts again.
  void Extend(uint64_t id) {
    std::lock_guard lock(mu_);
    Entry& entry = entries_.at(id);
    entry.deadline = Clock::now() + entry.budget;
  }
  void Disarm(uint64_t id) {
    std::lock_guard lock(mu_);
    entries_.erase(id);
  }

 private:
  struct Entry {
    int fd;
    Clock::duration budget;
    Clock::time_point deadline;
    std::atomic<bool>* expired;
  };

  Watchdog() { std::thread([this] { Watch(); }).detach(); }

  void Watch() {
    std::unique_lock lock(mu_);
    for (;;) {
      const auto now = Clock::now();
      auto next = Clock::time_point::max();
      for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second.deadline <= now) {
          it->second.expired->store(true);
          ::shutdown(it->second.fd, SHUT_RDWR);
          it = entries_.erase(it);
        } else {
          next = std::min(next, it->second.deadline);
          ++it;
        }
      }
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::map<uint64_t, Entry> entries_;
  uint64_t last_id_ = 0;
};

// Bounds the blocking libssh calls made while it lives (see Watchdog), and keeps the session's
// step deadline: libssh's own timeout, equal to the step's, may fire first and fail a call with an
// empty message, and an error past that deadline is the step timing out all the same.
class StepGuard {
 public:
  StepGuard(ssh_session session, Clock::duration timeout, Clock::duration slack,
            std::atomic<bool>* expired, Clock::time_point* step_deadline)
      : id_(Watchdog::Instance().Arm(ssh_get_fd(session), timeout + slack, expired)),
        timeout_(timeout),
        step_deadline_(step_deadline),
        outer_deadline_(*step_deadline) {
    *step_deadline_ = std::min(outer_deadline_, Clock::now() + timeout_);
  }
  ~StepGuard() {
    Watchdog::Instance().Disarm(id_);
    *step_deadline_ = outer_deadline_;
  }
  StepGuard(const StepGuard&) = delete;
  StepGuard& operator=(const StepGuard&) = delete;
  void Progress() {
    Watchdog::Instance().Extend(id_);
    *step_deadline_ = Clock::now() + timeout_;
  }

 private:
  const uint64_t id_;
  const Clock::duration timeout_;
  Clock::time_point* const step_deadline_;
  const Clock::time_point outer_deadline_;
};

class SshSession final : public RemoteSession {
 public:
  explicit SshSession(SshTarget target) : target_(std::move(target)) {}
  ~SshSession() override {
    if (session_ == nullptr) return;
    if (ssh_is_connected(session_) != 0) {
      StepGuard guard = Guard();
      if (sftp_ != nullptr) sftp_free(sftp_);
      ssh_disconnect(session_);
    } else if (sftp_ != nullptr) {
      sftp_free(sftp_);
    }
    ssh_free(session_);
  }

  Status Open();

  const std::string& host_key() const override { return host_key_; }
  Result<std::string> Sha256(const std::string& path) override;
  Status Prefetch(const std::vector<std::string>& paths) override;
  Status Upload(const std::string& path, std::string_view content, int mode) override;
  Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    known_hashes_.clear();
    prepared_.clear();
    return Run(argv);
  }

 private:
  Status Configure();
  Status CheckHostKey();
  Status Authenticate();
  // Maps the session's last libssh error to a Status: timed out, connection gone, or internal.
  Status SessionError(const std::string& what) const;
  Status SftpError(const std::string& what) const;
  Result<sftp_session> Sftp();
  Result<ExecResult> Run(const std::vector<std::string>& argv);
  Status MakeDirectories(const std::string& dir);
  Status PrepareUpload(const std::string& path);
  Status Rename(const std::string& from, const std::string& to);
#if LIBSSH_VERSION_INT < SSH_VERSION_INT(0, 11, 0)
  Status PosixRename(const std::string& from, const std::string& to);
#endif
  StepGuard Guard(Clock::duration slack = {}) {
    return StepGuard(session_, target_.timeout, slack, &expired_, &step_deadline_);
  }

  const SshTarget target_;
  ssh_session session_ = nullptr;
  sftp_session sftp_ = nullptr;
  bool sftp_fsync_ = false;
  bool sftp_posix_rename_ = false;
  std::string host_key_;
  std::map<std::string, std::string> known_hashes_;  // path -> sha256 hex, "" = absent
  // Paths the last Prefetch found present (so their directory exists) and cleared of stale
  // temporary files: their next Upload skips PrepareUpload's round trips.
  std::set<std::string> prepared_;
  // A step overran the timeout: the watchdog shut the socket down, or libssh gave up waiting
  // midway through a request, and the session cannot be trusted for another step.
  mutable std::atomic<bool> expired_{false};
  Clock::time_point step_deadline_ = Clock::time_point::max();  // of the guarded step under way
};

Status SshSession::SessionError(const std::string& what) const {
  // libssh's message may quote what the server sent (its banner, before any key is checked).
  const std::string message = what + " (" + target_.address + ":" + std::to_string(target_.port) +
                              "): " + fleet::ForeignText(ssh_get_error(session_));
  // libssh reports its own timeouts (connect, key exchange) only in the message text, and some
  // (a channel request, sftp_new) not at all: the step's deadline having passed tells those.
  if (expired_ || message.find("imeout") != std::string::npos || Clock::now() >= step_deadline_) {
    expired_ = true;
    return {Code::kDeadlineExceeded, message};
  }
  if (ssh_is_connected(session_) == 0) return Status::Unavailable(message);
  return Status::Internal(message);
}

Status SshSession::Configure() {
  session_ = ssh_new();
  if (session_ == nullptr) return Status::Internal("ssh_new failed");
  const int verbosity = SSH_LOG_NOLOG;
  const bool process_config = false;  // ~/.ssh/config must not change what the Host spec says
  const int nodelay = 1;  // with Nagle, every synchronous SFTP write waits out a delayed ACK
  const long timeout = target_.timeout.count();
  const std::string known_hosts =
      target_.expected_host_key.empty() && !target_.known_hosts_file.empty()
          ? target_.known_hosts_file : "/dev/null";
  bool ok = ssh_options_set(session_, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_PROCESS_CONFIG, &process_config) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_HOST, target_.address.c_str()) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_PORT, &target_.port) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_USER, target_.user.c_str()) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_NODELAY, &nodelay) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str()) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == 0;
  // The key that decides when no known_hosts file is read: the pinned one, else the recorded one.
  std::string deciding_key = target_.expected_host_key;
  if (deciding_key.empty() && target_.known_hosts_file.empty() &&
      target_.policy == SshTarget::HostKeyPolicy::kAcceptNew) {
    deciding_key = target_.recorded_host_key;
  }
  if (ok && !deciding_key.empty()) {
    // Ask for that key's type, so a server with several host keys presents that one.
    const std::string key = NormalizePublicKey(deciding_key);
    if (key.empty()) return Status::Invalid("host key is not \"type base64\"");
    const std::string algorithms = HostKeyAlgorithmsFor(key.substr(0, key.find(' ')));
    ok = ssh_options_set(session_, SSH_OPTIONS_HOSTKEYS, algorithms.c_str()) == 0;
  }
  if (!ok) return Status::Invalid("ssh options: " + fleet::ForeignText(ssh_get_error(session_)));
  return {};
}

Status SshSession::CheckHostKey() {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session_, &raw) != SSH_OK) {
    return SessionError("reading host key");
  }
  KeyPtr key(raw);
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key.get(), &base64) != SSH_OK) {
    return Status::Internal("exporting host key");
  }
  host_key_ = std::string(ssh_key_type_to_char(ssh_key_type(key.get()))) + " " + base64;
  ssh_string_free_char(base64);

  KnownHostsAnswer answer = KnownHostsAnswer::kNotConsulted;
  if (target_.expected_host_key.empty() && !target_.known_hosts_file.empty()) {
    switch (ssh_session_is_known_server(session_)) {
      case SSH_KNOWN_HOSTS_OK: answer = KnownHostsAnswer::kMatch; break;
      case SSH_KNOWN_HOSTS_CHANGED:
      case SSH_KNOWN_HOSTS_OTHER: answer = KnownHostsAnswer::kChanged; break;
      case SSH_KNOWN_HOSTS_UNKNOWN:
      case SSH_KNOWN_HOSTS_NOT_FOUND: answer = KnownHostsAnswer::kUnknown; break;
      case SSH_KNOWN_HOSTS_ERROR:
        return Status::Internal("reading known_hosts " + target_.known_hosts_file + ": " +
                                fleet::ForeignText(ssh_get_error(session_)));
    }
  }
  return VerifyHostKey(target_, host_key_, answer);
}

Status SshSession::Authenticate() {
  int rc = SSH_AUTH_DENIED;
  if (!target_.private_key.empty()) {
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_base64(target_.private_key.c_str(), nullptr, nullptr, nullptr,
                                      &raw) != SSH_OK) {
      return Status::Invalid("the ssh private key could not be parsed");  // never echo it
    }
    KeyPtr key(raw);
    rc = ssh_userauth_publickey(session_, nullptr, key.get());
  } else if (target_.use_agent) {
    rc = ssh_userauth_agent(session_, nullptr);
  } else {
    return Status::Invalid("no ssh private key given and ssh-agent not enabled");
  }
  switch (rc) {
    case SSH_AUTH_SUCCESS: return {};
    case SSH_AUTH_DENIED:
    case SSH_AUTH_PARTIAL:
      return Status::Unauthorized("ssh authentication as " + target_.user + " refused by " +
                                  target_.address + ":" + std::to_string(target_.port));
    default: return SessionError("ssh authentication");
  }
}

Status SshSession::Open() {
  FLEET_RETURN_IF_ERROR(ValidateTarget(target_));
  FLEET_RETURN_IF_ERROR(Configure());
  if (ssh_connect(session_) != SSH_OK) {
    Status failed = SessionError("connecting");
    // Before the handshake completes every failure is "cannot reach the host".
    return failed.code() == Code::kInternal ? Status::Unavailable(failed.message()) : failed;
  }
  StepGuard guard = Guard();
  FLEET_RETURN_IF_ERROR(CheckHostKey());
  return Authenticate();
}

Result<ExecResult> SshSession::Run(const std::vector<std::string>& argv) {
  Result<std::string> command = ShellCommand(argv);
  if (!command.ok()) return command.status();
  const auto deadline = Clock::now() + target_.timeout;
  // A backstop only: the read loop below ends at the deadline and leaves the session usable.
  StepGuard guard = Guard(std::chrono::seconds(1));
  ChannelPtr channel(ssh_channel_new(session_));
  if (!channel) return SessionError("creating channel");
  if (ssh_channel_open_session(channel.get()) != SSH_OK) return SessionError("opening channel");
  if (ssh_channel_request_exec(channel.get(), command->c_str()) != SSH_OK) {
    return SessionError("starting " + argv[0]);
  }
  ExecResult result;
  char buffer[16384];
  // A host that floods stops being read: the channel is closed on return.
  auto collect = [&](int is_stderr, int n) -> Status {
    std::string& sink = is_stderr ? result.err : result.out;
    const size_t limit = is_stderr ? kMaxExecStderr : target_.max_stdout;
    if (sink.size() + static_cast<size_t>(n) > limit) {
      return Status::Internal(argv[0] + " on " + target_.address + " printed more than " +
                              std::to_string(limit) + " bytes on " +
                              (is_stderr ? "stderr" : "stdout"));
    }
    sink.append(buffer, static_cast<size_t>(n));
    return {};
  };
  auto drain = [&]() -> Status {
    for (int is_stderr : {0, 1}) {
      int n;
      while ((n = ssh_channel_read_nonblocking(channel.get(), buffer, sizeof buffer,
                                               is_stderr)) > 0) {
        FLEET_RETURN_IF_ERROR(collect(is_stderr, n));
      }
      if (n == SSH_ERROR) return SessionError("reading output of " + argv[0]);
    }
    return {};
  };
  for (;;) {
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) {
      return Status(Code::kDeadlineExceeded,
                    argv[0] + " did not finish within " +
                        std::to_string(target_.timeout.count()) + "s on " + target_.address);
    }
    // Blocks until stdout data, EOF or a slice of the time left. libssh waits on one stream at a
    // time: stderr arriving meanwhile is buffered (up to the channel window) and drained below
    // after each slice at the latest, so a host flooding stderr is cut off as promptly as stdout.
    constexpr long kSliceMs = 100;
    const int n = ssh_channel_read_timeout(channel.get(), buffer, sizeof buffer, 0,
                                           static_cast<int>(std::min(remaining, kSliceMs)));
    if (n == SSH_ERROR) return SessionError("reading output of " + argv[0]);
    FLEET_RETURN_IF_ERROR(collect(0, n));
    FLEET_RETURN_IF_ERROR(drain());
    if (ssh_channel_is_eof(channel.get())) break;
  }
  FLEET_RETURN_IF_ERROR(drain());  // data processed together with the EOF
  ssh_channel_send_eof(channel.get());
  result.exit_code = ssh_channel_get_exit_status(channel.get());
  result.err = fleet::ForeignText(result.err);
  return result;
}

Result<std::string> SshSession::Sha256(const std::string& path) {
  FLEET_RETURN_IF_ERROR(ValidateRemotePath(path));
  if (auto known = known_hashes_.find(path); known != known_hashes_.end()) {
    std::string hex = std::move(known->second);  // answers one call: later ones ask the host
    known_hashes_.erase(known);
    return hex;
  }
  Result<ExecResult> r = Run({"sh", "-c", kSha256Script, "sh", path});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Status::Internal("hashing " + path + " on " + target_.address + ": " + r->err);
  }
  if (r->out.empty()) return std::string();
  std::string hex = LeadingHex(r->out);
  if (hex.size() != 64) {
    return Status::Internal("unexpected sha256sum output on " + target_.address + ": " +
                            fleet::ForeignText(r->out));
  }
  return hex;
}

Status SshSession::Prefetch(const std::vector<std::string>& paths) {
  std::vector<std::string> argv = {"sh", "-c", kSha256ManyScript, "sh"};
  for (const std::string& path : paths) {
    FLEET_RETURN_IF_ERROR(ValidateRemotePath(path));
    // One answer per line: a path with a newline is hashed on its own when asked for.
    if (path.find('\n') == std::string::npos) argv.push_back(path);
  }
  if (argv.size() == 4) return {};
  Result<ExecResult> r = Run(argv);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) return Status::Internal("hashing files on " + target_.address + ": " + r->err);
  const std::set<std::string> asked(argv.begin() + 4, argv.end());
  for (const std::string& path : asked) prepared_.erase(path);
  std::istringstream lines(r->out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("absent ", 0) == 0 && asked.count(line.substr(7))) {
      known_hashes_[line.substr(7)] = "";
      continue;
    }
    // "HASH  PATH" (" *PATH" in binary mode); a name sha256sum had to escape starts with a backslash
    // and matches nothing asked, so that file is asked for again on its own.
    const std::string hex = LeadingHex(line);
    if (hex.size() == 64 && line.size() > 66 && asked.count(line.substr(66))) {
      known_hashes_[line.substr(66)] = hex;
      prepared_.insert(line.substr(66));
    }
  }
  return {};
}

Status SshSession::SftpError(const std::string& what) const {
  Status session_status = SessionError(what);
  if (session_status.code() != Code::kInternal || sftp_ == nullptr) return session_status;
  return Status::Internal(what + " on " + target_.address + ": sftp error " +
                          std::to_string(sftp_get_error(sftp_)));
}

Result<sftp_session> SshSession::Sftp() {
  if (sftp_ != nullptr) return sftp_;
  StepGuard guard = Guard();
  sftp_ = sftp_new(session_);
  if (sftp_ == nullptr) return SessionError("starting sftp");
  if (sftp_init(sftp_) != SSH_OK) {
    Status failed = SftpError("initialising sftp");
    sftp_free(sftp_);
    sftp_ = nullptr;
    return failed;
  }
  sftp_fsync_ = sftp_extension_supported(sftp_, "fsync@openssh.com", "1") != 0;
  sftp_posix_rename_ = sftp_extension_supported(sftp_, "posix-rename@openssh.com", "1") != 0;
  return sftp_;
}

// mkdir -p over SFTP: no remote process is started for it.
Status SshSession::MakeDirectories(const std::string& dir) {
  if (dir.empty() || dir == "/") return {};
  StepGuard guard = Guard();
  if (sftp_attributes attributes = sftp_stat(sftp_, dir.c_str())) {
    const bool is_directory = attributes->type == SSH_FILEXFER_TYPE_DIRECTORY;
    sftp_attributes_free(attributes);
    if (is_directory) return {};
    return Status::Invalid(dir + " on " + target_.address + " exists and is not a directory");
  }
  FLEET_RETURN_IF_ERROR(MakeDirectories(dir.substr(0, dir.rfind('/'))));
  if (sftp_mkdir(sftp_, dir.c_str(), 0755) == 0) return {};
  // Created meanwhile by someone else is as good as created here.
  if (sftp_attributes attributes = sftp_stat(sftp_, dir.c_str())) {
    sftp_attributes_free(attributes);
    return {};
  }
  return SftpError("creating directory " + dir);
}

// Before an upload: the parent directories exist, and temporary files of uploads of this path
// that died half-way (controller killed, connection lost) are removed.
Status SshSession::PrepareUpload(const std::string& path) {
  const std::string parent = path.substr(0, path.rfind('/'));
  const std::string stale_prefix = path.substr(path.rfind('/') + 1) + ".tmp-";
  FLEET_RETURN_IF_ERROR(MakeDirectories(parent));
  StepGuard guard = Guard();
  sftp_dir dir = sftp_opendir(sftp_, parent.empty() ? "/" : parent.c_str());
  if (dir == nullptr) return SftpError("listing " + parent);
  std::vector<std::string> stale;
  while (sftp_attributes entry = sftp_readdir(sftp_, dir)) {
    if (entry->name != nullptr && std::string_view(entry->name).starts_with(stale_prefix)) {
      stale.push_back(parent + "/" + entry->name);
    }
    sftp_attributes_free(entry);
    guard.Progress();
  }
  const bool complete = sftp_dir_eof(dir) != 0;
  sftp_closedir(dir);
  if (!complete) return SftpError("listing " + parent);
  for (const std::string& file : stale) {
    if (sftp_unlink(sftp_, file.c_str()) != 0) return SftpError("removing " + file);
  }
  return {};
}

#if LIBSSH_VERSION_INT < SSH_VERSION_INT(0, 11, 0)
namespace sftp_wire {
void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
void PutString(std::string& out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out += s;
}
uint32_t GetU32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
}  // namespace sftp_wire

// posix-rename@openssh.com (rename(2) on the host: replaces the target atomically) as libssh
// 0.11's sftp_rename sends it; 0.10 has no call for it, so the request is written on the SFTP
// channel here. libssh reads that channel only inside its own calls, one whole reply at a time,
// and none is outstanding between them, so this reply is the next packet and only ours.
Status SshSession::PosixRename(const std::string& from, const std::string& to) {
  constexpr uint32_t kId = 0x666c6565;  // any id: the reply comes back to this call alone
  std::string packet;
  packet += static_cast<char>(SSH_FXP_EXTENDED);
  sftp_wire::PutU32(packet, kId);
  sftp_wire::PutString(packet, "posix-rename@openssh.com");
  sftp_wire::PutString(packet, from);
  sftp_wire::PutString(packet, to);
  std::string framed;
  sftp_wire::PutU32(framed, static_cast<uint32_t>(packet.size()));
  framed += packet;
  if (ssh_channel_write(sftp_->channel, framed.data(), static_cast<uint32_t>(framed.size())) !=
      static_cast<int>(framed.size())) {
    return SessionError("renaming " + from);
  }
  auto read_exactly = [&](unsigned char* out, uint32_t size) {
    for (uint32_t got = 0; got < size;) {
      const int n = ssh_channel_read(sftp_->channel, out + got, size - got, 0);
      if (n < 0 || (n == 0 && ssh_channel_is_eof(sftp_->channel))) return false;
      got += static_cast<uint32_t>(n);
    }
    return true;
  };
  unsigned char length[4];
  if (!read_exactly(length, 4)) return SessionError("renaming " + from);
  // A status reply: type, id, code, then a message and a language tag (a few bytes each).
  const uint32_t size = sftp_wire::GetU32(length);
  if (size < 9 || size > 64 * 1024) {
    return Status::Internal("renaming " + from + " on " + target_.address +
                            ": malformed sftp reply of " + std::to_string(size) + " bytes");
  }
  std::string reply(size, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(reply.data());
  if (!read_exactly(bytes, size)) return SessionError("renaming " + from);
  if (bytes[0] != SSH_FXP_STATUS || sftp_wire::GetU32(bytes + 1) != kId) {
    return Status::Internal("renaming " + from + " on " + target_.address +
                            ": unexpected sftp reply of type " + std::to_string(bytes[0]));
  }
  const uint32_t code = sftp_wire::GetU32(bytes + 5);
  if (code == SSH_FX_OK) return {};
  std::string message;
  if (size >= 13) message = reply.substr(13, std::min<uint32_t>(sftp_wire::GetU32(bytes + 9), size - 13));
  return Status::Internal("renaming " + from + " on " + target_.address + ": sftp status " +
                          std::to_string(code) +
                          (message.empty() ? "" : ": " + fleet::ForeignText(message)));
}
#endif

// An SFTP rename that replaces the target: posix-rename@openssh.com, which OpenSSH's sftp server
// offers. A plain SFTP rename fails when the target exists, so without the extension mv -f does
// it (rename(2) on one filesystem), at the price of a remote command. mv moves a file into a
// directory that is in the target's place and succeeds, so that is refused first.
Status SshSession::Rename(const std::string& from, const std::string& to) {
#if LIBSSH_VERSION_INT < SSH_VERSION_INT(0, 11, 0)
  if (sftp_posix_rename_) return PosixRename(from, to);
#endif
  // From libssh 0.11 on, sftp_rename sends posix-rename@openssh.com itself where it is offered.
  if (sftp_rename(sftp_, from.c_str(), to.c_str()) == 0) return {};
  Result<ExecResult> moved = Run({"sh", "-c",
                                  "if [ -d \"$2\" ]; then echo \"$2: is a directory\" >&2; exit 1; fi; "
                                  "exec mv -f -- \"$1\" \"$2\"",
                                  "sh", from, to});
  if (!moved.ok()) return moved.status();
  if (moved->exit_code != 0) {
    return Status::Internal("renaming " + from + " on " + target_.address + ": " + moved->err);
  }
  return {};
}

Status SshSession::Upload(const std::string& path, std::string_view content, int mode) {
  FLEET_RETURN_IF_ERROR(ValidateRemotePath(path));
  Result<sftp_session> sftp = Sftp();
  if (!sftp.ok()) return sftp.status();
  known_hashes_.erase(path);
  const std::string temp = path + ".tmp-" + fleet::RandomHex(6);
  if (prepared_.erase(path) == 0) FLEET_RETURN_IF_ERROR(PrepareUpload(path));
  StepGuard guard = Guard();  // restarted after each reply: a slow link is fine, a hung host not
  // Created 0600 and widened to mode only once complete: a secret is never readable early.
  sftp_file file = sftp_open(*sftp, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (file == nullptr) return SftpError("creating " + temp);
  auto fail = [&](const std::string& what) {
    Status failed = SftpError(what);
    if (file != nullptr) sftp_close(file);
    sftp_unlink(*sftp, temp.c_str());
    return failed;
  };
  // OpenSSH's sftp-server takes writes of up to 256 KiB; 64 KiB keeps each request small.
  constexpr size_t kChunk = 64 * 1024;
  for (size_t offset = 0; offset < content.size();) {
    const size_t n = std::min(kChunk, content.size() - offset);
    const ssize_t written = sftp_write(file, content.data() + offset, n);
    if (written <= 0) return fail("writing " + temp);
    offset += static_cast<size_t>(written);
    guard.Progress();
  }
  if (sftp_fsync_ && sftp_fsync(file) != 0) return fail("fsync " + temp);
  const int closed = sftp_close(file);
  file = nullptr;
  if (closed != SSH_NO_ERROR) return fail("closing " + temp);
  if (sftp_chmod(*sftp, temp.c_str(), static_cast<mode_t>(mode)) != 0) {
    return fail("chmod " + temp);
  }
  Status renamed = Rename(temp, path);
  if (!renamed.ok()) sftp_unlink(*sftp, temp.c_str());
  return renamed;
}

class SshTransport final : public Transport {
 public:
  Result<std::unique_ptr<RemoteSession>> Connect(const SshTarget& target) override {
    auto session = std::make_unique<SshSession>(target);
    FLEET_RETURN_IF_ERROR(session->Open());
    return std::unique_ptr<RemoteSession>(std::move(session));
  }
};

}  // namespace

std::unique_ptr<Transport> NewSshTransport() { return std::make_unique<SshTransport>(); }

}  // namespace controller
