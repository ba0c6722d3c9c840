#include "fleet/registry.h"

#include <algorithm>
#include <map>
#include <optional>

#include "fleet/core/crypto.h"
#include "fleet/core/text.h"

namespace fleet {
namespace {

constexpr char kSecret[] = "Secret";
constexpr char kHost[] = "Host";
constexpr char kHostGroup[] = "HostGroup";
// What a Secret value reads as. Data values are base64, which has no space: no value is mistaken
// for one already redacted.
constexpr char kRedactedPrefix[] = "REDACTED hmac-sha256:";

enum class Mode { kCreate, kUpdate, kApply };

int64_t RevisionOf(const Json& obj) {
  const auto& meta = obj["metadata"];
  if (!meta.contains("resourceVersion") || !meta["resourceVersion"].is_string()) return 0;
  try {
    return std::stoll(meta["resourceVersion"].get<std::string>());
  } catch (const std::exception&) {
    return -2;  // never matches: a malformed precondition is a conflict, not a silent pass
  }
}

// What users write and what generation counts: everything but metadata and status.
Json SpecPart(const Json& obj) {
  Json out = obj;
  out.erase("metadata");
  out.erase("status");
  return out;
}

Json UserContent(const Json& obj) {
  Json out = SpecPart(obj);
  const auto& meta = obj["metadata"];
  for (const char* k : {"labels", "annotations", "ownerReferences"}) {
    if (meta.contains(k) && !meta[k].empty()) out["metadata"][k] = meta[k];
  }
  return out;
}

std::optional<std::string> OwnerGroup(const Json& obj) {
  const auto& meta = obj["metadata"];
  if (!meta.contains("ownerReferences")) return std::nullopt;
  for (const auto& ref : meta["ownerReferences"]) {
    if (ref.value("kind", "") == kHostGroup) return ref.value("name", "");
  }
  return std::nullopt;
}

void NormalizeSecret(Json& obj) {
  if (!obj.contains("stringData")) return;
  for (auto& [k, v] : obj["stringData"].items()) {
    obj["data"][k] = Base64Encode(v.get<std::string>());
  }
  obj.erase("stringData");
}

bool Terminating(const Json& obj) { return obj["metadata"].contains("deletionTimestamp"); }

std::string Finalizers(const Json& obj) {
  std::string out;
  for (const auto& f : obj["metadata"].value("finalizers", Json::array())) {
    out += (out.empty() ? "" : ", ") + f.get<std::string>();
  }
  return out;
}

Status BeingDeleted(const Json& obj) {
  return Status::Conflict(RefString(obj) + " is being deleted (waiting for " + Finalizers(obj) +
                          "); wait until it is gone, or remove it now with delete --force");
}

Json DeepMerge(Json base, const Json& over) {
  if (!base.is_object() || !over.is_object()) return over;
  for (auto it = over.begin(); it != over.end(); ++it) {
    base[it.key()] = base.contains(it.key()) ? DeepMerge(base[it.key()], it.value()) : it.value();
  }
  return base;
}

}  // namespace

std::vector<Json> ExpandHostGroup(const Json& group) {
  std::vector<Json> hosts;
  const Json& spec = group["spec"];
  Json defaults = spec.value("defaults", Json::object());
  Json group_labels = group["metadata"].value("labels", Json::object());
  const std::string group_name = group["metadata"]["name"];
  for (const auto& entry : spec["hosts"]) {
    Json host_spec = entry;
    host_spec.erase("name");
    host_spec.erase("labels");
    Json labels = DeepMerge(group_labels, entry.value("labels", Json::object()));
    labels[kHostGroupLabel] = group_name;
    hosts.push_back({{"apiVersion", kApiVersion},
                     {"kind", kHost},
                     {"metadata", {{"name", entry["name"]}, {"labels", labels}}},
                     {"spec", DeepMerge(defaults, host_spec)}});
  }
  return hosts;
}

// A set of writes planned against the store's current state; committed at once with a
// resourceVersion precondition on every object it read, so a concurrent change makes the whole
// plan fail with Conflict instead of being overwritten.
class Registry::Plan {
 public:
  explicit Plan(Store& store) : store_(store) {}

  // The object as the plan has it so far (nullopt: absent).
  Result<std::optional<Json>> Current(const std::string& kind, const std::string& name) {
    auto key = Key(kind, name);
    if (auto it = state_.find(key); it != state_.end()) return it->second;
    auto got = store_.Get(kind, name);
    if (!got.ok() && got.status().code() != Code::kNotFound) return got.status();
    std::optional<Json> cur;
    if (got.ok()) cur = std::move(*got);
    base_revision_[key] = cur ? RevisionOf(*cur) : -1;
    state_[key] = cur;
    return cur;
  }

  // Writes desired (validated and defaulted) as mode says.
  Status Write(Json desired, Mode mode, int64_t precondition, const std::string& via) {
    const std::string kind = desired["kind"];
    const std::string name = desired["metadata"]["name"];
    const std::string ref = RefString(desired);
    auto cur_or = Current(kind, name);
    if (!cur_or.ok()) return cur_or.status();
    const std::optional<Json>& cur = *cur_or;
    if (mode == Mode::kCreate && cur) return Status::AlreadyExists(ref + " already exists");
    if (mode == Mode::kUpdate && !cur) return Status::NotFound(ref + " not found");
    if (precondition != 0 && cur && RevisionOf(*cur) != precondition) {
      return Status::Conflict("the object " + ref + " has been modified; read it again and retry");
    }
    if (kind == kHost && via.empty() && cur) {
      if (auto owner = OwnerGroup(*cur)) {
        return Status::Invalid(ref + " is managed by hostgroup/" + *owner +
                               "; change the group instead");
      }
    }
    if (cur && Terminating(*cur)) return BeingDeleted(*cur);
    if (kind == kSecret) NormalizeSecret(desired);
    Json obj = std::move(desired);
    std::string action;
    if (!cur) {
      obj["metadata"]["uid"] = NewUuid();
      obj["metadata"]["creationTimestamp"] = NowRfc3339();
      obj["metadata"]["generation"] = 1;
      action = "created";
    } else {
      for (const char* k : {"uid", "creationTimestamp", "generation", "resourceVersion", "finalizers"}) {
        if ((*cur)["metadata"].contains(k)) obj["metadata"][k] = (*cur)["metadata"][k];
      }
      if (cur->contains("status")) obj["status"] = (*cur)["status"];
      if (SpecPart(obj) != SpecPart(*cur)) {
        obj["metadata"]["generation"] = (*cur)["metadata"].value("generation", 0) + 1;
      }
      action = UserContent(obj) == UserContent(*cur) ? "unchanged" : "configured";
    }
    if (kind == kHostGroup) FLEET_RETURN_IF_ERROR(WriteGroupHosts(obj));
    Record(kind, name, ref, action, via, std::move(obj));
    return Status::Ok();
  }

  Status WriteStatus(const std::string& kind, const std::string& name, Json status,
                     int64_t precondition) {
    auto cur_or = Current(kind, name);
    if (!cur_or.ok()) return cur_or.status();
    if (!*cur_or) return Status::NotFound(kind + "/" + ShownName(name) + " not found");
    Json obj = **cur_or;
    if (precondition != 0 && RevisionOf(obj) != precondition) {
      return Status::Conflict("the object " + RefString(obj) +
                              " has been modified; read it again and retry");
    }
    std::string action = obj.value("status", Json()) == status ? "unchanged" : "configured";
    obj["status"] = std::move(status);
    std::string ref = RefString(obj);
    Record(kind, name, ref, action, "", std::move(obj));
    return Status::Ok();
  }

  // An object with finalizers is only marked (metadata.deletionTimestamp, action
  // "terminating"); whoever owns each finalizer removes it when done, and the last removal
  // deletes the object (SetFinalizer). force deletes it at once, finalizers or not.
  Status Remove(const std::string& kind, const std::string& name, const std::string& via,
                bool force) {
    auto cur_or = Current(kind, name);
    if (!cur_or.ok()) return cur_or.status();
    if (!*cur_or) return Status::NotFound(kind + "/" + ShownName(name) + " not found");
    Json obj = **cur_or;
    // A Host its group left Terminating may be deleted on its own: waited for, or forced.
    if (kind == kHost && via.empty() && !Terminating(obj)) {
      if (auto owner = OwnerGroup(obj)) {
        return Status::Invalid(RefString(obj) + " is managed by hostgroup/" + *owner +
                               "; remove it from the group instead");
      }
    }
    if (kind == kHostGroup) {
      auto owned = OwnedHosts(name);
      if (!owned.ok()) return owned.status();
      for (const auto& h : *owned) {
        FLEET_RETURN_IF_ERROR(Remove(kHost, h, "hostgroup/" + name, force));
      }
    }
    const std::string ref = RefString(obj);
    if (!force && !obj["metadata"].value("finalizers", Json::array()).empty()) {
      const bool marked = Terminating(obj);
      if (!marked) obj["metadata"]["deletionTimestamp"] = NowRfc3339();
      Record(kind, name, ref, "terminating", via, std::move(obj), !marked);
      return Status::Ok();
    }
    Delete(kind, name, via, std::move(obj));
    return Status::Ok();
  }

  Status SetFinalizer(const std::string& kind, const std::string& name,
                      const std::string& finalizer, bool present) {
    auto cur_or = Current(kind, name);
    if (!cur_or.ok()) return cur_or.status();
    if (!*cur_or) return Status::NotFound(kind + "/" + ShownName(name) + " not found");
    Json obj = **cur_or;
    const std::string ref = RefString(obj);
    Json list = obj["metadata"].value("finalizers", Json::array());
    auto it = std::find(list.begin(), list.end(), Json(finalizer));
    if ((it != list.end()) == present) {
      Record(kind, name, ref, "unchanged", "", std::move(obj));
      return Status::Ok();
    }
    if (present) {
      if (Terminating(obj)) return BeingDeleted(obj);
      list.push_back(finalizer);
    } else {
      list.erase(it);
    }
    if (list.empty() && Terminating(obj)) {
      Delete(kind, name, "", std::move(obj));
      return Status::Ok();
    }
    if (list.empty()) {
      obj["metadata"].erase("finalizers");
    } else {
      obj["metadata"]["finalizers"] = std::move(list);
    }
    Record(kind, name, ref, "configured", "", std::move(obj));
    return Status::Ok();
  }

 private:
  void Delete(const std::string& kind, const std::string& name, const std::string& via, Json obj) {
    std::string key = Key(kind, name);
    state_[key] = std::nullopt;
    SetOp(key, {StoreOp::Type::kDelete, kind, name, Json(), base_revision_[key]});
    results_.push_back({{RefString(obj), "deleted", via, std::move(obj)}, key});
  }

 public:

  // The store ops, each put carrying a copy of the object as planned (the plan keeps its own for
  // the results); ops hold no object until now, so planning keeps one copy, not two.
  std::vector<StoreOp> TakeOps() {
    std::vector<StoreOp> ops;
    ops.reserve(op_order_.size());
    for (const auto& key : op_order_) {
      StoreOp op = std::move(ops_.at(key));
      if (op.type == StoreOp::Type::kPut) op.object = *state_.at(key);
      ops.push_back(std::move(op));
    }
    return ops;
  }
  // The object a delete op removes, as the plan last had it.
  const Json& Removed(const StoreOp& op) const {
    const std::string key = Key(op.kind, op.name);
    for (const auto& r : results_) {
      if (r.key == key && r.action == "deleted") return r.object;
    }
    static const Json kNone;
    return kNone;
  }
  // Results with each object as the plan left it (moved out of the plan's state).
  std::vector<AppliedObject> TakeResults() {
    for (auto& r : results_) {
      if (r.action == "deleted") continue;
      auto& state = state_[r.key];
      if (state) r.object = std::move(*state);
    }
    return {results_.begin(), results_.end()};
  }

 private:
  static std::string Key(const std::string& kind, const std::string& name) {
    return kind + "/" + name;
  }

  void Record(const std::string& kind, const std::string& name, const std::string& ref,
              const std::string& action, const std::string& via, Json obj) {
    Record(kind, name, ref, action, via, std::move(obj), action != "unchanged");
  }
  void Record(const std::string& kind, const std::string& name, const std::string& ref,
              const std::string& action, const std::string& via, Json obj, bool write) {
    std::string key = Key(kind, name);
    if (write) {
      SetOp(key, {StoreOp::Type::kPut, kind, name, Json(), base_revision_[key]});
    }
    state_[key] = std::move(obj);
    results_.push_back({{ref, action, via, Json()}, key});
  }

  void SetOp(const std::string& key, StoreOp op) {
    if (!ops_.count(key)) op_order_.push_back(key);
    ops_[key] = std::move(op);
  }

  Result<std::vector<std::string>> OwnedHosts(const std::string& group) {
    auto list = store_.List(kHost);
    if (!list.ok()) return list.status();
    std::vector<std::string> names;
    for (const auto& h : list->items) {
      if (OwnerGroup(h) == group) names.push_back(h["metadata"]["name"]);
    }
    return names;
  }

  Status WriteGroupHosts(const Json& group) {
    const std::string group_name = group["metadata"]["name"];
    const std::string via = "hostgroup/" + group_name;
    Json owner = Json::array({{{"apiVersion", kApiVersion},
                               {"kind", kHostGroup},
                               {"name", group_name},
                               {"uid", group["metadata"]["uid"]},
                               {"controller", true}}});
    std::vector<Json> hosts = ExpandHostGroup(group);
    std::vector<Cause> causes;
    for (size_t i = 0; i < hosts.size(); ++i) {
      for (auto& e : ValidateObject(hosts[i], true)) {
        // Report against the group's entry, where the user can fix it.
        Cause cause = e.ToCause();
        cause.field = JoinPath("spec.hosts", i) + "." + (e.path.starts_with("spec.") ? e.path.substr(5) : e.path);
        if (cause.reason == kFieldValueRequired) cause.message += " (set it on the entry or in spec.defaults)";
        causes.push_back(std::move(cause));
      }
    }
    if (!causes.empty()) return Status::Invalid("", std::move(causes));
    std::map<std::string, bool> wanted;
    for (auto& h : hosts) {
      const std::string name = h["metadata"]["name"];
      wanted[name] = true;
      auto cur = Current(kHost, name);
      if (!cur.ok()) return cur.status();
      if (*cur && OwnerGroup(**cur) != group_name) {
        auto other = OwnerGroup(**cur);
        return Status::Conflict("host/" + name + " already exists" +
                                (other ? " and belongs to hostgroup/" + *other
                                       : " as a standalone Host") +
                                "; it cannot also be in " + via);
      }
      h["metadata"]["ownerReferences"] = owner;
      FLEET_RETURN_IF_ERROR(Write(std::move(h), Mode::kApply, 0, via));
    }
    auto owned = OwnedHosts(group_name);
    if (!owned.ok()) return owned.status();
    for (const auto& name : *owned) {
      if (!wanted.count(name)) FLEET_RETURN_IF_ERROR(Remove(kHost, name, via, false));
    }
    return Status::Ok();
  }

  Store& store_;
  std::map<std::string, std::optional<Json>> state_;
  std::map<std::string, int64_t> base_revision_;
  std::map<std::string, StoreOp> ops_;
  std::vector<std::string> op_order_;
  struct PlannedResult : AppliedObject {
    std::string key;  // the object is taken from state_ at the end
  };
  std::vector<PlannedResult> results_;
};

Registry::Registry(Store& store, std::string fingerprint_key)
    : store_(store), fingerprint_key_(std::move(fingerprint_key)) {}

Json Registry::Redact(Json object) const {
  if (!object.is_object() || object.value("kind", "") != kSecret || !object.contains("data")) return object;
  for (auto& [k, v] : object["data"].items()) {
    // Idempotent: the store's history holds Secrets redacted already, and watch replays them.
    if (v.get_ref<const std::string&>().starts_with(kRedactedPrefix)) continue;
    v = kRedactedPrefix + HmacSha256Hex(fingerprint_key_, v.get<std::string>()).substr(0, 16);
  }
  return object;
}

Result<Json> Registry::Get(const KindInfo& kind, const std::string& name) {
  auto got = store_.Get(kind.kind, name);
  if (!got.ok()) {
    if (got.status().code() == Code::kNotFound) {
      return Status::NotFound(kind.singular + "/" + ShownName(name) + " not found");
    }
    return got.status();
  }
  return Redact(std::move(*got));
}

Result<StoredList> Registry::List(const KindInfo& kind, const LabelSelector& selector) {
  auto list = store_.List(kind.kind);
  if (!list.ok()) return list.status();
  StoredList out;
  out.revision = list->revision;
  for (auto& item : list->items) {
    if (selector.MatchesObject(item)) out.items.push_back(Redact(std::move(item)));
  }
  return out;
}

namespace {

Status ValidateFor(const KindInfo& kind, Json& object) {
  auto errors = ValidateObject(object, true);
  if (errors.empty() && object.value("kind", "") != kind.kind) {
    errors.push_back({"kind", "must be " + kind.kind + " on this path", false, kFieldValueInvalid});
  }
  if (!errors.empty()) {
    return Status::Invalid(kind.kind + " \"" +
                               (object.contains("metadata") && object["metadata"].is_object()
                                    ? object["metadata"].value("name", "")
                                    : "") +
                               "\" is invalid:",
                           CausesOf(errors));
  }
  return Status::Ok();
}

Result<Json> SingleObject(Result<ApplyResult> r) {
  if (!r.ok()) return r.status();
  for (auto& o : r->objects) {
    if (o.via.empty()) return std::move(o.object);
  }
  return Status::Internal("write produced no object");
}

}  // namespace

Result<ApplyResult> Registry::Execute(Plan& plan, bool dry_run) {
  ApplyResult result;
  if (!dry_run) {
    auto ops = plan.TakeOps();
    // The store's history keeps a Secret as reads show it: fingerprints, never the values.
    for (auto& op : ops) {
      if (op.kind == kSecret) op.history = Redact(op.type == StoreOp::Type::kPut ? op.object : plan.Removed(op));
    }
    if (!ops.empty()) {
      auto rev = store_.Commit(std::move(ops));
      if (!rev.ok()) return rev.status();
      result.revision = *rev;
    }
  }
  result.objects = plan.TakeResults();
  for (auto& r : result.objects) {
    if (result.revision && (r.action == "created" || r.action == "configured" || r.action == "terminating")) {
      r.object["metadata"]["resourceVersion"] = std::to_string(result.revision);
    }
    r.object = Redact(std::move(r.object));
  }
  return result;
}

Result<Json> Registry::Create(const KindInfo& kind, Json object, bool dry_run) {
  FLEET_RETURN_IF_ERROR(ValidateFor(kind, object));
  Plan plan(store_);
  FLEET_RETURN_IF_ERROR(plan.Write(std::move(object), Mode::kCreate, 0, ""));
  return SingleObject(Execute(plan, dry_run));
}

Result<Json> Registry::Update(const KindInfo& kind, const std::string& name, Json object,
                              bool dry_run) {
  int64_t precondition = object.is_object() && object.contains("metadata") &&
                                 object["metadata"].is_object()
                             ? RevisionOf(object)
                             : 0;
  FLEET_RETURN_IF_ERROR(ValidateFor(kind, object));
  if (object["metadata"]["name"] != name) {
    return Status::Invalid("", {{kFieldValueInvalid, "metadata.name",
                                 "must be \"" + name + "\" (the name in the path)"}});
  }
  Plan plan(store_);
  FLEET_RETURN_IF_ERROR(plan.Write(std::move(object), Mode::kUpdate, precondition, ""));
  return SingleObject(Execute(plan, dry_run));
}

Result<Json> Registry::UpdateStatus(const KindInfo& kind, const std::string& name, Json object,
                                    bool dry_run) {
  if (!kind.status_subresource) return Status::NotFound(kind.plural + " have no status");
  if (!object.is_object() || !object.contains("status")) {
    return Status::Invalid("", {{kFieldValueRequired, "status", "required field is missing"}});
  }
  int64_t precondition = object.contains("metadata") ? RevisionOf(object) : 0;
  auto errors = ValidateStatus(kind, object["status"]);
  if (!errors.empty()) {
    return Status::Invalid(kind.kind + " \"" + name + "\" status is invalid:", CausesOf(errors));
  }
  Plan plan(store_);
  FLEET_RETURN_IF_ERROR(plan.WriteStatus(kind.kind, name, std::move(object["status"]), precondition));
  return SingleObject(Execute(plan, dry_run));
}

Result<ApplyResult> Registry::Delete(const KindInfo& kind, const std::string& name, bool dry_run,
                                     bool force) {
  Plan plan(store_);
  Status st = plan.Remove(kind.kind, name, "", force);
  if (st.code() == Code::kNotFound) return Status::NotFound(kind.singular + "/" + ShownName(name) + " not found");
  FLEET_RETURN_IF_ERROR(st);
  return Execute(plan, dry_run);
}

Result<ApplyResult> Registry::SetFinalizer(const KindInfo& kind, const std::string& name,
                                           const std::string& finalizer, bool present) {
  Plan plan(store_);
  Status st = plan.SetFinalizer(kind.kind, name, finalizer, present);
  if (st.code() == Code::kNotFound) return Status::NotFound(kind.singular + "/" + ShownName(name) + " not found");
  FLEET_RETURN_IF_ERROR(st);
  return Execute(plan, false);
}

Result<ApplyResult> Registry::Apply(std::vector<Json> objects, bool dry_run) {
  std::vector<Cause> causes;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < objects.size(); ++i) {
    const int item = static_cast<int>(i);
    const std::string ref = RefString(objects[i]);
    auto errors = ValidateObject(objects[i], true);
    if (!errors.empty()) {
      for (auto& c : CausesOf(errors, item, ref)) causes.push_back(std::move(c));
      continue;
    }
    auto [it, inserted] = seen.emplace(ref, i);
    if (!inserted) {
      causes.push_back({kFieldValueDuplicate, "metadata.name",
                        "duplicate " + ref + " (also items[" + std::to_string(it->second) + "])",
                        item, ref, {}});
    }
  }
  if (!causes.empty()) return Status::Invalid("", std::move(causes));
  Plan plan(store_);
  for (size_t i = 0; i < objects.size(); ++i) {
    const int item = static_cast<int>(i);
    const std::string ref = RefString(objects[i]);
    Status st = plan.Write(std::move(objects[i]), Mode::kApply, 0, "");
    if (st.ok()) continue;
    // Every cause names the item it is about; a problem with the item as a whole is one cause.
    std::vector<Cause> item_causes = st.causes();
    if (item_causes.empty()) item_causes.push_back({ReasonFor(st.code()), "", st.message()});
    for (auto& c : item_causes) {
      c.item = item;
      c.ref = ref;
    }
    return Status::WithCauses(st.code(), "", std::move(item_causes));
  }
  return Execute(plan, dry_run);
}

}  // namespace fleet
