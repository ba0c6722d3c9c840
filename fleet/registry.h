// The Registry gives stored objects their Kubernetes semantics, between the API server and the
// Store: validation and defaulting from the CRDs, server-set metadata (uid, generation,
// creationTimestamp), optimistic concurrency, the status subresource, Secrets that are never
// returned in clear text, HostGroups that own one Host per entry, and atomic bulk apply.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fleet/resource.h"
#include "fleet/core/time.h"
#include "fleet/selector.h"
#include "fleet/store.h"

namespace fleet {

struct AppliedObject {
  std::string ref;     // "host/atl-chat"
  std::string action;  // created | configured | unchanged | deleted | terminating
  std::string via;     // "hostgroup/atl" when the change follows from another object
  Json object;         // as stored (or as it would be, on dry run), secrets redacted
};

struct ApplyResult {
  std::vector<AppliedObject> objects;
  int64_t revision = 0;
};

class Registry {
 public:
  // fingerprint_key keys the HMAC shown in place of secret values (stable per controller, so a
  // changed value shows as changed without revealing it).
  Registry(Store& store, std::string fingerprint_key);

  Result<Json> Get(const KindInfo& kind, const std::string& name);
  Result<StoredList> List(const KindInfo& kind, const LabelSelector& selector);
  Result<Json> Create(const KindInfo& kind, Json object, bool dry_run);
  // Replaces spec, labels and annotations; metadata.resourceVersion, when given, must match.
  Result<Json> Update(const KindInfo& kind, const std::string& name, Json object, bool dry_run);
  // Writes status only (the status subresource); resourceVersion, when given, must match.
  Result<Json> UpdateStatus(const KindInfo& kind, const std::string& name, Json object,
                            bool dry_run);
  // Deletes the object and what it owns (a HostGroup's Hosts). An object with finalizers is
  // marked instead (metadata.deletionTimestamp; action "terminating") and goes when its last
  // finalizer is removed; force deletes it at once, finalizers or not. A Terminating object
  // refuses spec writes (Conflict) but takes status writes.
  Result<ApplyResult> Delete(const KindInfo& kind, const std::string& name, bool dry_run,
                             bool force = false);
  // Adds or removes one of metadata.finalizers (a Terminating object takes no new ones); removing
  // the last one from a Terminating object deletes it (action "deleted").
  Result<ApplyResult> SetFinalizer(const KindInfo& kind, const std::string& name,
                                   const std::string& finalizer, bool present);
  // Creates or updates every object in one transaction: all or nothing.
  Result<ApplyResult> Apply(std::vector<Json> objects, bool dry_run);

  // Stored objects for the controller's own use: secrets in clear.
  Store& store() { return store_; }
  // Replaces secret values with fingerprints.
  Json Redact(Json object) const;

 private:
  class Plan;
  Result<ApplyResult> Execute(Plan& plan, bool dry_run);

  Store& store_;
  std::string fingerprint_key_;
};

// The Hosts a HostGroup owns: each entry merged over spec.defaults (maps merged, the entry wins),
// labelled with the group's labels, its own, and vpsfleet.io/hostgroup=<group>.
std::vector<Json> ExpandHostGroup(const Json& group);


}  // namespace fleet
