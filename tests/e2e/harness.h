// The e2e harness: starts real processes on free loopback ports, always stops them (RAII), and
// gives tests a scratch directory that is removed afterwards.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/common/temp_dir.h"

namespace e2e {

std::string SourceDir();  // repository root
std::string BinaryDir();  // CMake build root
std::string Bin(const std::string& name);  // path of a built binary, e.g. Bin("fleetctl")

// A free TCP port on 127.0.0.1, claimed for the life of this process against every other test
// process (harness.cc says how), outside the kernel's ephemeral range.
int FreePort();

using testsupport::TempDir;

// A child process with stdout+stderr captured to a log file; killed (SIGTERM, then SIGKILL) when
// destroyed unless it already exited.
class Process {
 public:
  Process(std::vector<std::string> argv, std::map<std::string, std::string> extra_env = {},
          std::string log_path = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  bool Running();
  // Sends sig and waits up to timeout for exit; returns the exit status (as from waitpid) or -1.
  int Stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string Log() const;  // everything the process printed so far

 private:
  int pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string log_path_;
  bool own_log_ = false;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs a command to completion (bounded by timeout; killed past it) with optional stdin.
CommandResult Run(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                  std::map<std::string, std::string> extra_env = {},
                  std::chrono::seconds timeout = std::chrono::seconds(60));

struct HttpResponse {
  int status = 0;  // 0 when the connection failed
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};
// A TCP connection to 127.0.0.1:port (a blocking socket), or -1.
int ConnectLoopback(int port);
// Writes all of data to fd (MSG_NOSIGNAL: a peer that went away is false, not SIGPIPE).
bool SendAll(int fd, const std::string& data);
// Plain HTTP/1.1 request to 127.0.0.1:port (no TLS), bounded by timeout.
HttpResponse Http(const std::string& method, int port, const std::string& target,
                  const std::string& body = "", std::map<std::string, std::string> headers = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The whole file ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// text with every line prefixed by n spaces (for embedding in YAML block scalars).
std::string Indent(const std::string& text, int n);

// Polls pred every 50 ms until it is true or timeout passes; returns its last value.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// https for a Controller: the files it serves (--tls-cert-file, --tls-private-key-file) and the
// CA its clients (the readiness check, fleetctl) verify it with.
struct ControllerTls {
  std::string cert_file, key_file, ca_file;
};

// fleet-controller with its data in dir/controller on a port of its own, kept across restarts
// (agents report to the URL rendered into their config), and fleetctl pointed at it. Stopped
// when destroyed.
class Controller {
 public:
  // flags: given on every start after --data-dir and --listen, e.g. {"--agent-bundle", ...}.
  // tls: serve https; fleetctl's config file (FleetctlEnv) then names tls->ca_file.
  Controller(std::filesystem::path dir, std::vector<std::string> flags = {},
             std::optional<ControllerTls> tls = std::nullopt);
  // Starts it (again, after Stop) with flags plus extra_flags and waits for /readyz; false when
  // it did not answer within 15 s (Log() tells why).
  [[nodiscard]] bool Start(const std::vector<std::string>& extra_flags = {});
  int Stop(int sig = 15) { return process_ ? process_->Stop(sig) : -1; }

  int port() const { return port_; }
  std::string url() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }
  std::string token_file() const { return (dir_ / "controller" / "token").string(); }
  std::string token() const;  // the API's bearer token, written at the first start
  std::string Log() const { return process_ ? process_->Log() : ""; }
  int pid() const { return process_ ? process_->pid() : -1; }

  // The environment that points fleetctl at this controller (with a config file of its own).
  std::map<std::string, std::string> FleetctlEnv() const;
  CommandResult Fleetctl(std::vector<std::string> args, const std::string& stdin_data = "",
                         std::chrono::seconds timeout = std::chrono::seconds(120)) const;

 private:
  const std::filesystem::path dir_;
  const std::vector<std::string> flags_;
  const std::optional<ControllerTls> tls_;
  const int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace e2e
