#include "fleetctl/support_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace fleetctl {
namespace {

struct SupportFlags {
  std::string host;
  std::string output;  // default support-HOST.tar.gz; "-" for stdout
  int duration = 0;
};

// Writes all of data to fd.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int Run(const ConnectFn& connect, const SupportFlags& f) {
  auto client = connect();
  if (!client.ok()) {
    std::cerr << "error: " << client.status().message() << "\n";
    return 1;
  }
  auto bundle = (*client)->HostSupportBundle(f.host, f.duration);
  if (!bundle.ok()) {
    std::cerr << "error: " << bundle.status().message() << "\n";
    return 1;
  }
  if (f.output == "-") return WriteAll(STDOUT_FILENO, *bundle) ? 0 : 1;
  const std::string path = f.output.empty() ? "support-" + f.host + ".tar.gz" : f.output;
  // The bundle is redacted, but it still describes the host: keep it private to the user.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "error: cannot write " << path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  const bool ok = WriteAll(fd, *bundle);
  if (::close(fd) != 0 || !ok) {
    std::cerr << "error: writing " << path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cerr << "wrote " << path << " (" << bundle->size() << " bytes)\n";
  return 0;
}

}  // namespace

void AddSupportCommand(CLI::App& app, ConnectFn connect, int* rc) {
  auto flags = std::make_shared<SupportFlags>();
  auto* cmd = app.add_subcommand(
      "support", "Fetch a host's agent support bundle (tar.gz: redacted config, logs, metrics, "
                 "status, runtime facts) through the controller's SSH path");
  cmd->add_option("host", flags->host, "Host name")->required();
  cmd->add_option("-o,--output", flags->output,
                  "Where to write the bundle (default support-HOST.tar.gz; - for stdout)");
  cmd->add_option("--duration", flags->duration,
                  "Seconds the agent collects (debug) logs before answering, 0 to 300")
      ->check(CLI::Range(0, 300))
      ->capture_default_str();
  cmd->callback([connect, flags, rc] { *rc = Run(connect, *flags); });
}

}  // namespace fleetctl
