#include <sys/stat.h>

#include <thread>

#include "fleet/store.h"
#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

using testing::OpenStore;
using testing::ScratchDir;

Json Obj(const std::string& name, int value) {
  return {{"kind", "Host"}, {"metadata", {{"name", name}}}, {"spec", {{"v", value}}}};
}

StoreOp Put(const std::string& name, int value, int64_t expected = 0) {
  return {StoreOp::Type::kPut, "Host", name, Obj(name, value), expected};
}

TEST(SqliteStoreTest, CommitAssignsIncreasingRevisions) {
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  auto r1 = store->Commit({Put("a", 1, -1)});
  auto r2 = store->Commit({Put("b", 1, -1)});
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(*r1, 1);
  EXPECT_EQ(*r2, 2);
  auto a = store->Get("Host", "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)["metadata"]["resourceVersion"], "1");
}

// A write that fails half-way through a transaction — by an error or by an exception — leaves
// the store writable: the transaction was rolled back, not left open.
TEST(SqliteStoreTest, AFailedTransactionLeavesTheStoreWritableTable) {
  const struct {
    const char* name;
    StoreOp op;
    bool stored;  // the write itself succeeds
  } cases[] = {
      // A host's banner in a condition message: stored, the bytes replaced by U+FFFD.
      {"invalid UTF-8", {StoreOp::Type::kPut, "Host", "bad",
                         {{"metadata", {{"name", "bad"}}}, {"status", {{"message", "SSH-1.5-\xff\xfe"}}}},
                         0},
       true},
      // Not an object: setting its resourceVersion throws inside the transaction.
      {"not an object", {StoreOp::Type::kPut, "Host", "bad", Json::array({1, 2}), 0}, false},
      {"stale revision", Put("a", 3, 99), false},
  };
  for (const auto& c : cases) {
    ScratchDir dir;
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(store->Commit({Put("a", 1, -1)}).ok()) << c.name;
    Result<int64_t> written(Status::Ok());
    EXPECT_NO_THROW(written = store->Commit({Put("b", 1, -1), c.op})) << c.name;
    EXPECT_EQ(written.ok(), c.stored) << c.name << ": " << written.status().ToString();
    EXPECT_EQ(store->Get("Host", "b").ok(), c.stored) << c.name << ": all ops or none";
    auto next = store->Commit({Put("c", 1, -1)});
    EXPECT_TRUE(next.ok()) << c.name << ": " << next.status().ToString();
    EXPECT_EQ(store->Revision(), c.stored ? 3 : 2) << c.name;
  }
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store->Commit({cases[0].op}).ok());
  EXPECT_EQ((*store->Get("Host", "bad"))["status"]["message"], "SSH-1.5-\uFFFD\uFFFD");
}

TEST(SqliteStoreTest, StaleRevisionIsAConflictAndChangesNothing) {
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store->Commit({Put("a", 1, -1)}).ok());
  ASSERT_TRUE(store->Commit({Put("a", 2, 1)}).ok());  // now at revision 2
  auto stale = store->Commit({Put("a", 3, 1)});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConflict);
  EXPECT_EQ((*store->Get("Host", "a"))["spec"]["v"], 2);
  EXPECT_EQ(store->Revision(), 2);
}

TEST(SqliteStoreTest, PreconditionsTable) {
  struct Row {
    const char* name;
    StoreOp op;
    Code want;
  };
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store->Commit({Put("exists", 1, -1)}).ok());
  const Row rows[] = {
      {"create over existing", Put("exists", 2, -1), Code::kAlreadyExists},
      {"update of missing", Put("missing", 2, 5), Code::kNotFound},
      {"delete of missing", {StoreOp::Type::kDelete, "Host", "missing", Json(), 0}, Code::kNotFound},
      {"wrong revision", Put("exists", 2, 99), Code::kConflict},
      {"unconditional put", Put("exists", 3, 0), Code::kOk},
  };
  for (const auto& row : rows) {
    auto r = store->Commit({row.op});
    EXPECT_EQ(r.status().code(), row.want) << row.name << ": " << r.status().message();
  }
}

TEST(SqliteStoreTest, FailedTransactionRollsBackEveryOp) {
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store->Commit({Put("b", 1, -1)}).ok());
  auto r = store->Commit({Put("a", 1, -1), Put("c", 1, -1), Put("b", 2, -1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(store->Get("Host", "a").status().code(), Code::kNotFound);
  EXPECT_EQ(store->Get("Host", "c").status().code(), Code::kNotFound);
  EXPECT_EQ((*store->Get("Host", "b"))["spec"]["v"], 1);
  EXPECT_EQ(store->Revision(), 1);
  EXPECT_EQ(store->List("Host")->items.size(), 1u);
}

TEST(SqliteStoreTest, StatePersistsAcrossReopenAndFilesArePrivate) {
  ScratchDir dir;
  {
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(store->Commit({Put("a", 7, -1), Put("b", 8, -1)}).ok());
  }
  struct stat st{};
  ASSERT_EQ(::stat((dir.path() + "/fleet.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "the database holds secrets";
  auto store = OpenStore(dir.path());
  EXPECT_EQ(store->Revision(), 1);
  EXPECT_EQ((*store->Get("Host", "b"))["spec"]["v"], 8);
  ASSERT_TRUE(store->Commit({Put("c", 1, -1)}).ok());
  EXPECT_EQ(store->Revision(), 2);
}

TEST(SqliteStoreTest, WatchSeesEveryChangeInOrderAcrossConcurrentWriters) {
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  std::mutex mu;
  std::vector<int64_t> seen;
  auto w = store->WatchFrom("Host", 0, [&](const WatchEvent& e) {
    std::lock_guard lock(mu);
    seen.push_back(e.revision);
  });
  ASSERT_TRUE(w.ok());
  auto writer = [&](const std::string& prefix) {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(store->Commit({Put(prefix + std::to_string(i), i)}).ok());
  };
  std::thread t1(writer, "x"), t2(writer, "y");
  t1.join();
  t2.join();
  ASSERT_EQ(seen.size(), 200u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int64_t>(i + 1));
}

TEST(SqliteStoreTest, WatchFromRevisionReplaysHistoryThenLiveWithoutGap) {
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Commit({Put("a", i)}).ok());
  ASSERT_TRUE(store->Commit({{StoreOp::Type::kDelete, "Host", "a", Json(), 0}}).ok());
  std::vector<std::pair<int64_t, EventType>> seen;
  auto w = store->WatchFrom("Host", 5, [&](const WatchEvent& e) { seen.emplace_back(e.revision, e.type); });
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(store->Commit({Put("b", 1)}).ok());
  std::vector<std::pair<int64_t, EventType>> want = {
      {6, EventType::kModified}, {7, EventType::kModified}, {8, EventType::kModified},
      {9, EventType::kModified}, {10, EventType::kModified}, {11, EventType::kDeleted},
      {12, EventType::kAdded}};
  EXPECT_EQ(seen, want);
  w->reset();  // unsubscribed: no more events
  ASSERT_TRUE(store->Commit({Put("c", 1)}).ok());
  EXPECT_EQ(seen.size(), want.size());
}

TEST(SqliteStoreTest, WatchFiltersByKind) {
  ScratchDir dir;
  auto store = OpenStore(dir.path());
  int hosts = 0;
  auto w = store->WatchFrom("Host", 0, [&](const WatchEvent&) { ++hosts; });
  StoreOp profile{StoreOp::Type::kPut, "AgentProfile", "p", Obj("p", 1), 0};
  ASSERT_TRUE(store->Commit({profile, Put("a", 1)}).ok());
  EXPECT_EQ(hosts, 1);
}

TEST(SqliteStoreTest, WatchFromBeforeRetainedHistoryIsRefused) {
  ScratchDir dir;
  auto store = OpenStore(dir.path(), /*history=*/5);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Commit({Put("a", i)}).ok());
  auto w = store->WatchFrom("Host", 3, [](const WatchEvent&) {});
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("too old resource version"), std::string::npos);
}

}  // namespace
}  // namespace fleet
