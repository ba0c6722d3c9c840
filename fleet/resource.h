// The resource kinds of vpsfleet.io/v1alpha1, read from the embedded CRDs, and validation of
// whole objects: Kubernetes ObjectMeta rules plus each kind's openAPIV3Schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/schema.h"
#include "fleet/core/yaml_codec.h"

namespace fleet {

inline constexpr char kGroup[] = "vpsfleet.io";
inline constexpr char kVersion[] = "v1alpha1";
inline constexpr char kApiVersion[] = "vpsfleet.io/v1alpha1";
// Label the controller puts on Hosts that a HostGroup owns.
inline constexpr char kHostGroupLabel[] = "vpsfleet.io/hostgroup";
// The controller's finalizer on a Host it delivered to: the Host stays (Terminating, with
// metadata.deletionTimestamp) until the agent on it is stopped and its config removed.
inline constexpr char kAgentCleanupFinalizer[] = "vpsfleet.io/agent-cleanup";

struct PrinterColumn {
  std::string name;       // "Last-Seen"
  std::string type;       // string, integer, date, ...
  std::string json_path;  // ".status.lastSeen"
  int priority = 0;       // > 0: only with -o wide
};

struct KindInfo {
  std::string kind;      // Host
  std::string list_kind;
  std::string plural;    // hosts
  std::string singular;  // host
  std::vector<std::string> short_names;
  Json schema;  // openAPIV3Schema
  // The same without metadata (validated by ObjectMeta rules) and status (not user input):
  // what a user-written object is checked against, kept so validation never copies the schema.
  Json user_schema;
  bool status_subresource = false;
  std::vector<PrinterColumn> columns;
};

// Every kind, in the order that applying them works best (referenced kinds first).
const std::vector<KindInfo>& Kinds();
// By kind, plural, singular or short name, case-insensitively; nullptr when unknown.
const KindInfo* FindKind(std::string_view name);
std::string KnownKindsText();  // "Host, HostGroup, ..."

// "host/atl-chat"
std::string RefString(const Json& object);

// DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, <= 63.
bool IsDns1123Label(std::string_view s);
// Why key is not a Kubernetes label key ([prefix/]name, the prefix a DNS-1123 subdomain), or ""
// when it is one.
std::string CheckLabelKey(const std::string& key);
// A Kubernetes label value: empty, or at most 63 alphanumerics, '-', '_' and '.', starting and
// ending with an alphanumeric.
bool IsLabelValue(std::string_view value);
inline constexpr const char* kLabelValueRule =
    "must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an "
    "alphanumeric character";

// Validates a user-written object (apiVersion, kind, metadata, spec...). Status is not user
// input: it is removed. Server-set metadata (uid, resourceVersion, generation,
// creationTimestamp, ownerReferences, finalizers, deletionTimestamp) is accepted and removed, as
// apply ignores it.
// With apply_defaults, schema defaults are filled in.
std::vector<FieldError> ValidateObject(Json& object, bool apply_defaults);

// The rule spec.installDir is held to (the Host CRD's schema for it: no system or shared
// directory, since the agent's directory is removed with its Host). The reconciler checks the
// stored value again before installing into or removing from it: the store may hold a value
// written before the rule. kInvalid with one cause per broken rule, each on spec.installDir.
Status CheckInstallDir(const std::string& dir);

// Validates a status written through the status subresource.
std::vector<FieldError> ValidateStatus(const KindInfo& kind, Json& status);

// Validates parsed documents as one atomic unit: each object, plus names repeated across them.
// Each cause is placed in its file (Cause::ToString: "file:line:col: path: message"); its item
// is the document's index in docs, as in a bulk apply of them.
std::vector<Cause> ValidateDocuments(std::vector<Document>& docs, bool apply_defaults);

}  // namespace fleet
