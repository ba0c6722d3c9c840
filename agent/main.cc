// fleet-agent: node_exporter + cAdvisor metrics in one daemon. See agent/daemon.h.
#include <CLI/CLI.hpp>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>

#include "agent/config.h"
#include "agent/daemon.h"
#include "agent/support_client.h"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena; the agent's few threads allocate little,
  // and two arenas keep ~2 MiB of RSS off a daemon that should stay small on every VPS.
  mallopt(M_ARENA_MAX, 2);
  // The container collector keeps ~16 cgroup files open per container; allow what the hard
  // limit allows, as the Go runtime does for node_exporter and cAdvisor.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  CLI::App app{"fleet-agent: host and container metrics for one VPS"};
  app.set_version_flag("--version", std::string("fleet-agent ") + VPSFLEET_VERSION);
  std::string config_path;
  agent::Overrides overrides;
  app.add_option("--config", config_path, "agent config file (YAML, kind AgentConfig)");
  app.add_option("--path.procfs", overrides.procfs, "procfs mountpoint (overrides paths.procfs)");
  app.add_option("--path.sysfs", overrides.sysfs, "sysfs mountpoint (overrides paths.sysfs)");
  app.add_option("--path.rootfs", overrides.rootfs, "root filesystem (overrides paths.rootfs)");
  app.add_option("--web.listen-address", overrides.listen, "host:port (overrides http.listen)");
  std::string check_path;
  CLI::App* check = app.add_subcommand("check-config", "validate a config file and exit");
  check->add_option("file", check_path, "config file")->required();
  int support_duration = 0;
  CLI::App* support = app.add_subcommand(
      "support", "write the running agent's support bundle (tar.gz) to stdout; needs --config");
  support->add_option("--duration", support_duration, "seconds the agent collects first (0-300)")
      ->check(CLI::Range(0, 300));
  support->fallthrough();  // --config and the other flags may follow the subcommand
  CLI11_PARSE(app, argc, argv);

  const std::string& path = check->parsed() ? check_path : config_path;
  agent::AgentConfig config;
  if (!path.empty()) {
    auto loaded = agent::LoadConfig(path);
    if (!loaded.ok()) {
      std::cerr << "fleet-agent: invalid config: " << loaded.status().message() << "\n";
      return 1;
    }
    config = std::move(*loaded);
  } else if (check->parsed()) {
    return 1;
  }
  agent::ApplyOverrides(overrides, &config);
  if (config.instance.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    config.instance = host;
  }
  if (support->parsed()) {
    if (path.empty()) {
      std::cerr << "fleet-agent support: --config is required\n";
      return 1;
    }
    auto bundle = agent::FetchLocalSupportBundle(config, support_duration);
    if (!bundle.ok()) {
      std::cerr << "fleet-agent support: " << bundle.status().message() << "\n";
      return 1;
    }
    std::cout.write(bundle->data(), static_cast<std::streamsize>(bundle->size()));
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  if (fleet::Status st = agent::Validate(config); !st.ok()) {
    std::cerr << "fleet-agent: invalid config: " << path << ": " << st.message() << "\n";
    return 1;
  }
  if (check->parsed()) {
    std::cout << path << ": OK\n";
    return 0;
  }
  return agent::RunDaemon(config);
}
