// fleet-agent: node_exporter + cAdvisor metrics in one daemon. See agent/daemon.h.
#include <CLI/CLI.hpp>
#include <malloc.h>
#include <unistd.h>

#include <iostream>

#include "agent/config/agent_config.h"
#include "agent/daemon.h"
#include "agent/version.h"
#include "agent/status/status_client.h"
#include "agent/local_client.h"
#include "fleet/core/files.h"

namespace {

// `fleet-agent status`: 0 when every component is healthy, 1 when one is not (or the last reload
// was refused), 2 when the agent cannot be asked.
int PrintStatus(const std::string& config_path, const std::string& address, int timeout_seconds) {
  agent::HttpConfig listener = agent::ListenerOf(config_path);
  if (!address.empty()) listener.listen = address;
  auto status = agent::status::FetchStatus(listener, std::chrono::seconds(timeout_seconds));
  if (!status.ok()) {
    std::cerr << "fleet-agent status: agent unreachable: " << status.status().message() << "\n";
    return 2;
  }
  std::cout << agent::status::FormatStatusTable(*status);
  return status->value("healthy", false) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena; the agent's few threads allocate little,
  // and two arenas keep ~2 MiB of RSS off a daemon that should stay small on every VPS.
  mallopt(M_ARENA_MAX, 2);
  // Large buffers (a remote-write or Loki batch, a support bundle) come from mmap and go back to
  // the kernel when freed. glibc's default would raise the mmap threshold after the first free
  // and keep the next ones in the heap, holding them between uses. (/metrics needs none: its
  // text is sent in 32 KiB pieces.)
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // The container collector keeps ~16 cgroup files open per container (node_exporter and
  // cAdvisor get the hard limit from the Go runtime).
  fleet::RaiseOpenFileLimit();
  CLI::App app{"fleet-agent: host and container metrics for one VPS"};
  app.set_version_flag("--version", "fleet-agent " + agent::Version());
  std::string config_path;
  agent::Overrides overrides;
  app.add_option("--config", config_path, "agent config file (YAML, kind AgentConfig)");
  app.add_option("--path.procfs", overrides.procfs, "procfs mountpoint (overrides paths.procfs)");
  app.add_option("--path.sysfs", overrides.sysfs, "sysfs mountpoint (overrides paths.sysfs)");
  app.add_option("--path.rootfs", overrides.rootfs, "root filesystem (overrides paths.rootfs)");
  app.add_option("--path.udev.data", overrides.udev_data, "udev database (overrides paths.udevData)");
  app.add_option("--web.listen-address", overrides.listen, "host:port (overrides http.listen)");
  agent::DaemonOptions daemon_options;
  int check_seconds = 5;
  app.add_option("--config.check-interval", check_seconds,
                 "seconds between checks of the config file for changes (reload without SIGHUP)")
      ->check(CLI::Range(1, 3600));
  std::string check_path;
  CLI::App* check = app.add_subcommand("check-config", "validate a config file and exit");
  check->add_option("file", check_path, "config file")->required();
  std::string status_config, status_address;
  int status_timeout = 5;
  CLI::App* status = app.add_subcommand(
      "status", "print the running agent's component status (exit 1 if unhealthy, 2 if unreachable)");
  status->add_option("--config", status_config, "the agent's config file: its listener (address, TLS, basic auth) is asked");
  status->add_option("--address", status_address, "host:port of the agent (default: http.listen of the config)");
  status->add_option("--timeout", status_timeout, "seconds to wait for the answer")->check(CLI::Range(1, 600));
  int support_duration = 0;
  CLI::App* support = app.add_subcommand(
      "support", "write the running agent's support bundle (tar.gz) to stdout; needs --config");
  support->add_option("--duration", support_duration, "seconds the agent collects first (0-300)")
      ->check(CLI::Range(0, 300));
  support->fallthrough();  // --config and the other flags may follow the subcommand
  CLI11_PARSE(app, argc, argv);
  if (status->parsed()) {
    return PrintStatus(status_config.empty() ? config_path : status_config, status_address, status_timeout);
  }

  const std::string& path = check->parsed() ? check_path : config_path;
  std::string text;
  if (!path.empty()) {
    auto read = agent::ReadConfigFile(path);
    if (!read.ok()) {
      std::cerr << "fleet-agent: invalid config: " << read.status().message() << "\n";
      return 1;
    }
    text = std::move(*read);
  }
  auto config = agent::PrepareConfig(text, path, overrides);
  if (!config.ok()) {
    std::cerr << "fleet-agent: invalid config: " << config.status().message() << "\n";
    return 1;
  }
  if (support->parsed()) {
    if (path.empty()) {
      std::cerr << "fleet-agent support: --config is required\n";
      return 1;
    }
    auto bundle = agent::FetchLocalSupportBundle(*config, support_duration);
    if (!bundle.ok()) {
      std::cerr << "fleet-agent support: " << bundle.status().message() << "\n";
      return 1;
    }
    std::cout.write(bundle->data(), static_cast<std::streamsize>(bundle->size()));
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  if (check->parsed()) {
    std::cout << path << ": OK\n";
    return 0;
  }
  daemon_options.config_path = config_path;
  daemon_options.overrides = overrides;
  daemon_options.config_check_interval = std::chrono::seconds(check_seconds);
  return agent::RunDaemon(*config, text, daemon_options);
}
