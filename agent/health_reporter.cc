#include "agent/health_reporter.h"

#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>

#include "agent/http_client.h"
#include "agent/version.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

double ResidentBytes(const std::string& procfs) {
  long size = 0, resident = 0;
  if (const auto statm = fleet::ReadKernelFile(procfs + "/self/statm"); statm.ok()) {
    std::sscanf(statm->c_str(), "%ld %ld", &size, &resident);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

HealthReporter::HealthReporter(const AgentConfig& config, ComponentsFn components, MemoryFn memory)
    : controller_(config.controller), instance_(config.instance), revision_(config.revision),
      procfs_(config.paths.procfs), components_(std::move(components)), memory_(std::move(memory)) {}

HealthReporter::~HealthReporter() { Stop(); }

void HealthReporter::Start() {
  if (controller_.url.empty()) return;  // an agent run by hand, outside a fleet
  thread_ = std::thread([this] { Loop(); });
}

void HealthReporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

fleet::Json HealthReporter::BuildReport() {
  fleet::Json components = fleet::Json::array();
  bool healthy = true;
  for (const auto& c : components_()) {
    healthy = healthy && (c.healthy || !c.counts_for_agent);
    fleet::Json j = {{"name", c.name}, {"healthy", c.healthy}};
    if (!c.message.empty()) j["message"] = c.message;
    components.push_back(std::move(j));
  }
  fleet::Json resources = {{"rssBytes", ResidentBytes(procfs_)}, {"cpuSeconds", CpuSeconds()}};
  const MemoryUse memory = memory_();
  if (memory.budget_bytes > 0) {
    resources["memoryBudgetBytes"] = memory.budget_bytes;
    resources["memoryPressure"] = MemoryPressureName(memory.pressure);
  }
  return {{"version", Version()},
          {"revision", revision_},
          {"healthy", healthy},
          {"components", components},
          {"resources", resources}};
}

fleet::Status HealthReporter::SendOnce() {
  // Re-read each time: the controller may rotate it.
  auto token = fleet::ReadTrimmedFile(controller_.token_file);
  if (!token.ok()) return token.status().WithContext("controller.tokenFile");
  HttpClientOptions options(std::chrono::seconds(10));
  options.tls.ca_file = controller_.ca_file;  // the controller's CA, delivered with the config
  auto client = HttpClient::Create(controller_.url, std::move(options));
  if (!client.ok()) return client.status().WithContext("controller.url");
  auto resp = client->Send("POST", "/apis/vpsfleet.io/v1alpha1/hosts/" + PercentEncode(instance_) + "/report",
                           {{"Authorization", "Bearer " + *token}, {"Content-Type", "application/json"}},
                           fleet::DumpJson(BuildReport()));
  if (!resp.ok()) {
    return fleet::Status::Unavailable("reporting to the controller: " + resp.status().message());
  }
  if (resp->status != 200) {
    // The body is the controller's Status, or whatever a proxy in between sent: bounded and
    // valid UTF-8 before it reaches the log.
    return fleet::Status::Unavailable("controller answered " + std::to_string(resp->status) + ": " +
                                      fleet::ForeignText(resp->body, 512));
  }
  return fleet::Status::Ok();
}

void HealthReporter::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    fleet::Status st = SendOnce();
    lock.lock();
    if (st.ok()) {
      if (consecutive_failures_ > 0) spdlog::info("health reports to the controller resumed");
      consecutive_failures_ = 0;
    } else if (consecutive_failures_++ == 0) {
      spdlog::warn("health report failed: {}", st.message());  // once per outage, not per try
    }
    cv_.wait_for(lock, controller_.report_interval, [&] { return stopping_; });
  }
}

}  // namespace agent
