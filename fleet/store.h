// The Store keeps objects by (kind, name) with one global, strictly increasing revision (as
// etcd does): every committed transaction gets the next revision, each object it writes carries
// it as metadata.resourceVersion, and watchers see every change in revision order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace fleet {

enum class EventType { kAdded, kModified, kDeleted };
const char* EventTypeName(EventType t);  // ADDED, MODIFIED, DELETED (Kubernetes watch names)

struct WatchEvent {
  EventType type;
  int64_t revision;
  std::string kind;
  Json object;  // for kDeleted: the object as it was last stored
};

struct StoredList {
  std::vector<Json> items;  // sorted by name
  int64_t revision = 0;     // store revision the list was read at
};

// One write in a transaction. expected_revision: -1 the object must not exist, 0 no
// precondition, >0 it must exist at exactly that resourceVersion.
struct StoreOp {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  std::string kind;
  std::string name;
  Json object;  // for kPut
  int64_t expected_revision = 0;
  // What the retained history (watch replay) keeps of this write instead of the object (for
  // kDelete: instead of the object as last stored): a Secret with fingerprints in place of its
  // values. Null keeps the object itself. A commit with such an op also leaves no earlier copy
  // of the replaced values in the database files (see OpenSqliteStore).
  Json history = Json();
};

class Watch {
 public:
  virtual ~Watch() = default;  // destruction unsubscribes
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<Json> Get(const std::string& kind, const std::string& name) = 0;
  virtual Result<StoredList> List(const std::string& kind) = 0;
  // Applies every op or none. On success returns the new revision; kPut objects are stored with
  // metadata.resourceVersion set to it. A failed precondition is kConflict (or kNotFound /
  // kAlreadyExists), naming the object.
  // Takes the ops by value: their objects move into the stored rows and watch events.
  virtual Result<int64_t> Commit(std::vector<StoreOp> ops) = 0;
  // Calls on_event for every change to kind ("" = all kinds) after revision from_revision, in
  // order, first the retained history then live changes, with no gap and no repeat. on_event
  // runs on the committing thread and must not block or call back into the store.
  // kGone-like kInvalid when from_revision is older than the retained history.
  virtual Result<std::unique_ptr<Watch>> WatchFrom(
      const std::string& kind, int64_t from_revision,
      std::function<void(const WatchEvent&)> on_event) = 0;
  virtual int64_t Revision() = 0;
};

// SQLite in WAL mode at <dir>/fleet.db (created 0600, dir 0700). Keeps the last
// history_limit events for watches. Deleted and replaced rows are zeroed (secure_delete), and
// after a commit with a StoreOp::history the WAL is checkpointed and truncated, so an old Secret
// value is in none of the files once it is replaced.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir, int history_limit = 100000);

}  // namespace fleet
