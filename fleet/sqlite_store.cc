#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <list>
#include <mutex>

#include <spdlog/spdlog.h>

#include "fleet/store.h"
#include "fleet/core/text.h"

namespace fleet {

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kAdded: return "ADDED";
    case EventType::kModified: return "MODIFIED";
    case EventType::kDeleted: return "DELETED";
  }
  return "UNKNOWN";
}

namespace {

// RAII prepared statement.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Status ExecSql(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Unavailable(std::string("sqlite: ") + m);
  }
  return Status::Ok();
}

// A write transaction that rolls back on every way out of its scope — an error return, an
// exception — unless committed: a transaction left open would make every later BEGIN fail
// ("cannot start a transaction within a transaction") until the process restarts.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) (void)ExecSql(db_, "ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin() {
    FLEET_RETURN_IF_ERROR(ExecSql(db_, "BEGIN IMMEDIATE"));
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    FLEET_RETURN_IF_ERROR(ExecSql(db_, "COMMIT"));
    open_ = false;
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

struct Subscriber {
  std::string kind;
  std::function<void(const WatchEvent&)> on_event;
};

class SqliteStore;

class SqliteWatch : public Watch {
 public:
  SqliteWatch(SqliteStore* store, std::list<Subscriber>::iterator it)
      : store_(store), it_(it) {}
  ~SqliteWatch() override;

 private:
  SqliteStore* store_;
  std::list<Subscriber>::iterator it_;
};

class SqliteStore : public Store {
 public:
  SqliteStore(sqlite3* db, int history_limit) : db_(db), history_limit_(history_limit) {}
  ~SqliteStore() override { sqlite3_close(db_); }

  Status Init() {
    const char* schema = R"sql(
      PRAGMA journal_mode=WAL;
      PRAGMA synchronous=NORMAL;
      PRAGMA secure_delete=ON;
      PRAGMA foreign_keys=ON;
      CREATE TABLE IF NOT EXISTS objects(
        kind TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY(kind, name));
      CREATE TABLE IF NOT EXISTS events(
        seq INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL, kind TEXT NOT NULL,
        type INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_revision ON events(revision);
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta(key, value) VALUES('revision', 0);
    )sql";
    FLEET_RETURN_IF_ERROR(ExecSql(db_, schema));
    Stmt s(db_, "SELECT value FROM meta WHERE key='revision'");
    if (!s.ok() || s.Step() != SQLITE_ROW) return Error("reading revision");
    revision_ = s.Int(0);
    return Status::Ok();
  }

  Result<Json> Get(const std::string& kind, const std::string& name) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT data FROM objects WHERE kind=?1 AND name=?2");
    s.Bind(1, kind).Bind(2, name);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return Status::NotFound(Ref(kind, name) + " not found");
    if (rc != SQLITE_ROW) return Error("get");
    return Parse(s.Text(0));
  }

  Result<StoredList> List(const std::string& kind) override {
    std::string rows;
    StoredList out;
    {
      std::lock_guard lock(mu_);
      Stmt s(db_, "SELECT data FROM objects WHERE kind=?1 ORDER BY name");
      s.Bind(1, kind);
      std::vector<std::string> texts;
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) texts.push_back(s.Text(0));
      if (rc != SQLITE_DONE) return Error("list");
      out.revision = revision_;
      out.items.reserve(texts.size());
      for (auto& t : texts) out.items.push_back(Json::parse(t));
    }
    return out;
  }

  Result<int64_t> Commit(std::vector<StoreOp> ops) override {
    std::lock_guard lock(mu_);
    const bool scrub = HoldsScrubbedValues(ops);
    std::vector<WatchEvent> events;
    try {
      Transaction transaction(db_);
      FLEET_RETURN_IF_ERROR(transaction.Begin());
      FLEET_RETURN_IF_ERROR(Apply(ops, revision_ + 1, &events));
      FLEET_RETURN_IF_ERROR(transaction.Commit());
    } catch (const std::exception& e) {  // nlohmann::json on a malformed object
      return Status::Internal(std::string("store transaction rolled back: ") + e.what());
    }
    ++revision_;
    if (scrub) TruncateWal();
    for (const auto& e : events) Publish(e);
    return revision_;
  }

  Result<std::unique_ptr<Watch>> WatchFrom(
      const std::string& kind, int64_t from_revision,
      std::function<void(const WatchEvent&)> on_event) override {
    std::lock_guard lock(mu_);
    if (from_revision < revision_) {
      Stmt oldest(db_, "SELECT MIN(revision) FROM events");
      int64_t min_rev = oldest.Step() == SQLITE_ROW ? oldest.Int(0) : revision_ + 1;
      if (min_rev > from_revision + 1 && from_revision != 0) {
        return Status(Code::kInvalid, "too old resource version: " +
                                          std::to_string(from_revision) + " (oldest retained " +
                                          std::to_string(min_rev) + ")");
      }
      Stmt s(db_,
             "SELECT revision, kind, type, data FROM events WHERE revision > ?1 AND "
             "(?2 = '' OR kind = ?2) ORDER BY seq");
      s.Bind(1, from_revision).Bind(2, kind);
      while (s.Step() == SQLITE_ROW) {
        auto obj = Parse(s.Text(3));
        if (!obj.ok()) return obj.status();
        on_event({static_cast<EventType>(s.Int(2)), s.Int(0), s.Text(1), std::move(*obj)});
      }
    }
    subscribers_.push_back({kind, std::move(on_event)});
    return std::unique_ptr<Watch>(new SqliteWatch(this, std::prev(subscribers_.end())));
  }

  int64_t Revision() override {
    std::lock_guard lock(mu_);
    return revision_;
  }

  void Unsubscribe(std::list<Subscriber>::iterator it) {
    std::lock_guard lock(mu_);
    subscribers_.erase(it);
  }

 private:
  static std::string Ref(const std::string& kind, const std::string& name) {
    return kind + "/" + name;
  }

  Status Apply(std::vector<StoreOp>& ops, int64_t rev, std::vector<WatchEvent>* events) {
    Stmt get(db_, "SELECT revision, data FROM objects WHERE kind=?1 AND name=?2");
    Stmt put(db_, "INSERT OR REPLACE INTO objects(kind, name, revision, data) VALUES(?1,?2,?3,?4)");
    Stmt del(db_, "DELETE FROM objects WHERE kind=?1 AND name=?2");
    Stmt ev(db_, "INSERT INTO events(revision, kind, type, data) VALUES(?1,?2,?3,?4)");
    for (auto& op : ops) {
      get.Reset();
      get.Bind(1, op.kind).Bind(2, op.name);
      int rc = get.Step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("read in transaction");
      bool exists = rc == SQLITE_ROW;
      int64_t current = exists ? get.Int(0) : 0;
      std::string previous = exists ? get.Text(1) : "";
      if (op.expected_revision == -1 && exists) {
        return Status::AlreadyExists(Ref(op.kind, op.name) + " already exists");
      }
      if ((op.expected_revision > 0 || op.type == StoreOp::Type::kDelete) && !exists) {
        return Status::NotFound(Ref(op.kind, op.name) + " not found");
      }
      if (op.expected_revision > 0 && current != op.expected_revision) {
        return Status::Conflict("the object " + Ref(op.kind, op.name) +
                                " has been modified (resourceVersion " +
                                std::to_string(op.expected_revision) + " is stale, current is " +
                                std::to_string(current) + "); read it again and retry");
      }
      WatchEvent e{EventType::kAdded, rev, op.kind, Json()};
      std::string data;
      if (op.type == StoreOp::Type::kPut) {
        Json obj = std::move(op.object);
        obj["metadata"]["resourceVersion"] = std::to_string(rev);
        data = DumpJson(obj);
        put.Reset();
        put.Bind(1, op.kind).Bind(2, op.name).Bind(3, rev).Bind(4, data);
        if (put.Step() != SQLITE_DONE) return Error("write");
        e.type = exists ? EventType::kModified : EventType::kAdded;
        e.object = std::move(obj);
      } else {
        del.Reset();
        del.Bind(1, op.kind).Bind(2, op.name);
        if (del.Step() != SQLITE_DONE) return Error("delete");
        e.type = EventType::kDeleted;
        e.object = Json::parse(previous);
        data = previous;
      }
      ev.Reset();
      ev.Bind(1, rev).Bind(2, op.kind).Bind(3, static_cast<int64_t>(e.type))
          .Bind(4, op.history.is_null() ? data : DumpJson(op.history));
      if (ev.Step() != SQLITE_DONE) return Error("record event");
      events->push_back(std::move(e));
    }
    Stmt meta(db_, "UPDATE meta SET value=?1 WHERE key='revision'");
    meta.Bind(1, rev);
    if (meta.Step() != SQLITE_DONE) return Error("bump revision");
    Stmt prune(db_, "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?1");
    prune.Bind(1, static_cast<int64_t>(history_limit_));
    if (prune.Step() != SQLITE_DONE) return Error("prune history");
    return Status::Ok();
  }

  // Secret values: the history keeps fingerprints (StoreOp::history), and the replaced values
  // must not survive elsewhere in the files either. secure_delete zeroes them in the pages, but
  // the WAL still holds the earlier page images until it is checkpointed and truncated, which
  // is done after each such commit (Secret writes are rare; the checkpoint copies only the pages
  // written since the last one).
  static bool HoldsScrubbedValues(const std::vector<StoreOp>& ops) {
    return std::any_of(ops.begin(), ops.end(), [](const StoreOp& op) { return !op.history.is_null(); });
  }
  void TruncateWal() {
    if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) != SQLITE_OK) {
      spdlog::warn("sqlite: truncating the WAL after a Secret write: {}", sqlite3_errmsg(db_));
    }
  }

  void Publish(const WatchEvent& e) {
    for (auto& s : subscribers_) {
      if (s.kind.empty() || s.kind == e.kind) s.on_event(e);
    }
  }

  Result<Json> Parse(const std::string& text) {
    try {
      return Json::parse(text);
    } catch (const Json::exception& e) {
      return Status::Internal(std::string("corrupt object in store: ") + e.what());
    }
  }

  Status Error(const std::string& what) {
    return Status::Unavailable("sqlite " + what + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  int history_limit_;
  std::mutex mu_;
  int64_t revision_ = 0;
  std::list<Subscriber> subscribers_;
};

SqliteWatch::~SqliteWatch() { store_->Unsubscribe(it_); }

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir, int history_limit) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("creating data dir " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::string path = dir + "/fleet.db";
  mode_t old = ::umask(077);  // the database holds secrets: 0600 from the first byte
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    ::umask(old);
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Unavailable("opening " + path + ": " + m);
  }
  sqlite3_busy_timeout(db, 5000);
  auto store = std::make_unique<SqliteStore>(db, history_limit);
  Status init = store->Init();  // creates the WAL files, still under umask 077
  ::umask(old);
  FLEET_RETURN_IF_ERROR(init.WithContext("initialising " + path));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace fleet
