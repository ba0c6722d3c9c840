// loki-test-receiver: the e2e Loki receiver as a standalone process, for the demo (Loki itself
// is not installable here). Listens on 127.0.0.1:PORT, decodes pushes exactly as the tests do,
// and rewrites SUMMARY (JSON: one entry per stream with its labels, line count and last line)
// every second until SIGTERM or SIGINT.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/loki_receiver.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: loki-test-receiver PORT SUMMARY_FILE\n");
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  e2e::LokiReceiver receiver(std::stoi(argv[1]));
  receiver.Start();
  const std::string summary = argv[2];
  auto write_summary = [&] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [labels, entries] : receiver.Streams()) {
      out.push_back({{"labels", labels}, {"lines", entries.size()},
                     {"last", entries.empty() ? "" : entries.back().line}});
    }
    std::ofstream(summary + ".tmp") << out.dump(2) << "\n";
    std::rename((summary + ".tmp").c_str(), summary.c_str());
  };
  timespec second{1, 0};
  while (sigtimedwait(&stop, nullptr, &second) < 0) write_summary();
  write_summary();
  receiver.Stop();
  return 0;
}
