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
                            const fleet::Json& before, const fleet::Json& after) {
  std::map<std::string, fleet::Json> old;
  for (const auto& c : before.value("conditions", fleet::Json::array())) old[c.value("type", "")] = c;
  for (const auto& c : after.value("conditions", fleet::Json::array())) {
    auto it = old.find(c.value("type", ""));
    if (it != old.end() && it->second.value("status", "") == c.value("status", "") &&
        it->second.value("reason", "") == c.value("reason", "")) {
      continue;
    }
    events.Record(host, c.value("status", "") == "False" ? "Warning" : "Normal",
                  c.value("reason", ""), c.value("type", "") + ": " + c.value("message", ""));
  }
}

}  // namespace controller
