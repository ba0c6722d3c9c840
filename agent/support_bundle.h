// The support bundle (GET /-/support?duration=N): a tar.gz of what an operator needs to look at
// an agent from afar — the config with its secrets redacted, recent logs (debug lines included
// for the N seconds the request waits), a /metrics snapshot, component status, and build and
// runtime facts (version, pid, uptime, rlimits, cgroup, kernel, os-release).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "agent/http_server.h"
#include "agent/logging.h"
#include "fleet/core/status.h"

namespace agent {

// The config file's YAML with every value that may hold a secret replaced by "<redacted>":
// fields named like password, token, secret, credential, authorization or api key (but not the
// *File fields, which hold paths), every header value, and the password of URLs with userinfo.
// Comments are dropped. Secret files are never opened.
fleet::Result<std::string> RedactConfig(const std::string& yaml);

struct SupportSources {
  std::string config_path;               // "" when the agent runs without a file
  std::function<std::string()> metrics;  // Prometheus text, as /metrics serves it
  std::function<std::string()> status;   // component status JSON
  std::shared_ptr<LogRing> logs;
  std::string procfs = "/proc";        // where /proc/self is read
  std::string os_release = "/etc/os-release";
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

// The archive's members, by name: config.yaml, logs.txt, metrics.txt, status.json, runtime.json,
// limits.txt, cgroup.txt, os-release.txt.
fleet::Result<std::string> BuildSupportBundle(const SupportSources& sources);

class SupportBundleService {
 public:
  static constexpr int kMaxDurationSeconds = 300;
  explicit SupportBundleService(SupportSources sources) : sources_(std::move(sources)) {}

  // GET /-/support?duration=N (0..kMaxDurationSeconds, default 0): waits N seconds with debug
  // lines kept in the log ring, then answers application/gzip. One bundle at a time (429).
  HttpResponse Handle(const HttpRequest& request);
  // Ends any wait at once (the bundle is still built); for shutdown.
  void Stop();

 private:
  SupportSources sources_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
  bool busy_ = false;
};

}  // namespace agent
