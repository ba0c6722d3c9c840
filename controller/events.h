// Events: what happened to a host and why, newest last, as `fleetctl describe` shows them (the
// role of Kubernetes Events). Kept in memory, bounded per host, and like Kubernetes' they are
// not meant to survive forever: the durable record is the Host's conditions.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fleet/core/yaml_codec.h"
#include "fleet/types/conditions.h"

namespace controller {

class EventRecorder {
 public:
  explicit EventRecorder(size_t per_host = 20) : per_host_(per_host) {}

  // type: "Normal" or "Warning". A repeat of the newest event (same type, reason and message)
  // bumps its count and time instead of adding a line. The message is kept as fleet::ForeignText
  // (valid UTF-8, bounded): it may quote a host.
  void Record(const std::string& host, const std::string& type, const std::string& reason,
              const std::string& message);
  // [{type, reason, message, count, firstTimestamp, lastTimestamp}], oldest first.
  fleet::Json List(const std::string& host);
  void Forget(const std::string& host);

 private:
  const size_t per_host_;
  std::mutex mu_;
  std::map<std::string, std::deque<fleet::Json>> events_;
};

// Records one event per condition whose status or reason differs between two Host statuses'
// conditions (fleet::ChangedConditions): a Warning when it is False.
void RecordConditionChanges(EventRecorder& events, const std::string& host,
                            const std::vector<fleet::Condition>& before,
                            const std::vector<fleet::Condition>& after);

}  // namespace controller
