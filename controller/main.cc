// fleet-controller: keeps the fleet's desired state and serves the API fleetctl talks to.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "controller/apiserver.h"
#include "controller/credentials.h"
#include "fleet/registry.h"

int main(int argc, char** argv) {
  CLI::App app{"fleet-controller: the vpsfleet control plane (desired state, API, reconcile)"};
  std::string data_dir = "/var/lib/fleet-controller";
  std::string listen = "127.0.0.1:7070";
  std::string log_level = "info";
  app.add_option("--data-dir", data_dir, "Where the SQLite store, API token and keys live")
      ->capture_default_str();
  app.add_option("--listen", listen, "host:port for the API")->capture_default_str();
  app.add_option("--log-level", log_level, "error, warn, info or debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
      ->capture_default_str();
  app.set_version_flag("--version", std::string("fleet-controller ") + VPSFLEET_VERSION);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Block the shutdown signals in every thread; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = fleet::OpenSqliteStore(data_dir);
  if (!store.ok()) {
    spdlog::critical("{}", store.status().message());
    return 1;
  }
  auto token = controller::ReadOrCreateSecretFile(data_dir + "/token");
  auto fingerprint_key = controller::ReadOrCreateSecretFile(data_dir + "/fingerprint.key");
  for (const auto* r : {&token, &fingerprint_key}) {
    if (!r->ok()) {
      spdlog::critical("{}", r->status().message());
      return 1;
    }
  }
  fleet::Registry registry(**store, *fingerprint_key);
  controller::ApiServer server(registry, *token);
  if (auto st = server.Start(listen); !st.ok()) {
    spdlog::critical("{}", st.message());
    return 1;
  }
  spdlog::info("fleet-controller {} serving http://{} (store {}/fleet.db, token in {}/token)",
               VPSFLEET_VERSION, listen, data_dir, data_dir);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  server.Stop();
  return 0;
}
