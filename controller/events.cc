#include "controller/events.h"

#include "controller/health.h"
#include "fleet/core/text.h"

namespace controller {

void EventRecorder::Record(const std::string& host, const std::string& type,
                           const std::string& reason, const std::string& foreign_message) {
  // Messages quote hosts (a banner, a command's stderr): kept only as valid, bounded UTF-8.
  const std::string message = fleet::ForeignText(foreign_message);
  const std::string now = FormatRfc3339(std::chrono::system_clock::now());
  std::lock_guard lock(mu_);
  auto& list = events_[host];
  if (!list.empty()) {
    fleet::Json& last = list.back();
    if (last["type"] == type && last["reason"] == reason && last["message"] == message) {
      last["count"] = last["count"].get<int>() + 1;
      last["lastTimestamp"] = now;
      return;
    }
  }
  list.push_back({{"type", type}, {"reason", reason}, {"message", message}, {"count", 1},
                  {"firstTimestamp", now}, {"lastTimestamp", now}});
  while (list.size() > per_host_) list.pop_front();
}

fleet::Json EventRecorder::List(const std::string& host) {
  std::lock_guard lock(mu_);
  fleet::Json out = fleet::Json::array();
  auto it = events_.find(host);
  if (it != events_.end()) {
    for (const auto& e : it->second) out.push_back(e);
  }
  return out;
}

void EventRecorder::Forget(const std::string& host) {
  std::lock_guard lock(mu_);
  events_.erase(host);
}

void RecordConditionChanges(EventRecorder& events, const std::string& host,
                            const std::vector<fleet::Condition>& before,
                            const std::vector<fleet::Condition>& after) {
  for (const auto& c : fleet::ChangedConditions(before, after)) {
    events.Record(host, c.status == fleet::condition_status::kFalse ? "Warning" : "Normal", c.reason,
                  c.type + ": " + c.message);
  }
}

}  // namespace controller
