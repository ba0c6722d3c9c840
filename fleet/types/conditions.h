// Conditions (status.conditions of Hosts and Rollouts) as Kubernetes shapes them, with every
// condition type and reason the controller writes named here, once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/yaml_codec.h"

namespace fleet {

// status.conditions[].status
namespace condition_status {
inline constexpr char kTrue[] = "True";
inline constexpr char kFalse[] = "False";
inline constexpr char kUnknown[] = "Unknown";
}  // namespace condition_status

// status.conditions[].type: a Host's (the Host CRD's enum) and a Rollout's.
namespace condition_type {
inline constexpr char kReachable[] = "Reachable";
inline constexpr char kAgentInstalled[] = "AgentInstalled";
inline constexpr char kConfigApplied[] = "ConfigApplied";
inline constexpr char kHealthy[] = "Healthy";
inline constexpr char kAgentRemoved[] = "AgentRemoved";
inline constexpr char kProgressing[] = "Progressing";
inline constexpr char kSelectorOverlap[] = "SelectorOverlap";
}  // namespace condition_type

// status.conditions[].reason, by the condition that carries it.
namespace reason {
// Reachable
inline constexpr char kConnected[] = "Connected";
inline constexpr char kTargetUnresolved[] = "TargetUnresolved";
inline constexpr char kHostKeyMismatch[] = "HostKeyMismatch";
inline constexpr char kHostKeyUnknown[] = "HostKeyUnknown";
inline constexpr char kAuthenticationFailed[] = "AuthenticationFailed";
inline constexpr char kTimeout[] = "Timeout";
inline constexpr char kConnectFailed[] = "ConnectFailed";
// AgentInstalled
inline constexpr char kInstalled[] = "Installed";
inline constexpr char kInstallFailed[] = "InstallFailed";
// ConfigApplied
inline constexpr char kApplied[] = "Applied";
inline constexpr char kUploadFailed[] = "UploadFailed";
inline constexpr char kRestartFailed[] = "RestartFailed";
inline constexpr char kUnsafeInstallDir[] = "UnsafeInstallDir";
inline constexpr char kRevisionUnavailable[] = "RevisionUnavailable";
inline constexpr char kProfileNotFound[] = "ProfileNotFound";
inline constexpr char kAgentVersionUnavailable[] = "AgentVersionUnavailable";
inline constexpr char kRenderFailed[] = "RenderFailed";  // also Progressing
// Healthy
inline constexpr char kAgentHealthy[] = "AgentHealthy";
inline constexpr char kAgentUnhealthy[] = "AgentUnhealthy";
inline constexpr char kAwaitingReport[] = "AwaitingReport";
inline constexpr char kNoReport[] = "NoReport";
inline constexpr char kReportsStopped[] = "ReportsStopped";
inline constexpr char kRevisionMismatch[] = "RevisionMismatch";
inline constexpr char kVersionMismatch[] = "VersionMismatch";
// alloy-compose hosts: the stack is installed (AgentInstalled) and healthy or not (Healthy) as
// `docker compose ps` shows its containers.
inline constexpr char kComposeStackUp[] = "ComposeStackUp";
inline constexpr char kComposeFailed[] = "ComposeFailed";
inline constexpr char kStackHealthy[] = "StackHealthy";
inline constexpr char kStackUnhealthy[] = "StackUnhealthy";
// AgentRemoved
inline constexpr char kRemoveFailed[] = "RemoveFailed";
// Progressing (a Rollout's)
inline constexpr char kNewRevision[] = "NewRevision";
inline constexpr char kNewRevisionAvailable[] = "NewRevisionAvailable";
inline constexpr char kRolloutPaused[] = "RolloutPaused";
inline constexpr char kFailureThresholdReached[] = "FailureThresholdReached";
inline constexpr char kNoBudget[] = "NoBudget";
// SelectorOverlap
inline constexpr char kNoOverlap[] = "NoOverlap";
inline constexpr char kOverlappingSelectors[] = "OverlappingSelectors";
}  // namespace reason

struct Condition {
  std::string type;
  std::string status;  // condition_status
  std::string reason;
  std::string message;
  std::string last_transition_time{};  // RFC 3339; set by SetCondition
  bool operator==(const Condition&) const = default;
};
void to_json(Json& j, const Condition& c);
void from_json(const Json& j, Condition& c);

// The condition of type in conditions, or nullptr.
const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type);
// The status of the condition of type ("" when there is none).
std::string ConditionStatus(const std::vector<Condition>& conditions, std::string_view type);

// Sets the condition of its type (appended when new). Its message is stored as
// fleet::ForeignText (it may quote a host: valid UTF-8, bounded); lastTransitionTime becomes now
// only when the status changes (or the condition is new). Returns whether anything changed.
bool SetCondition(std::vector<Condition>& conditions, Condition condition, const std::string& now);

// Whether a condition of after is new or changed status or reason against before (what is worth
// an event); the conditions of after that are.
std::vector<Condition> ChangedConditions(const std::vector<Condition>& before,
                                         const std::vector<Condition>& after);

}  // namespace fleet
