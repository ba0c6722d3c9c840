// The SSH session pool over a fake transport that counts connections and can kill them: what is
// reused, what is never reused (a session that failed, a changed target, an expired one), and the
// one retry a reused session gets when its connection died while it sat idle.
#include "controller/session_pool.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace controller {
namespace {

using fleet::Code;
using fleet::Status;

// One connection: it answers until it is killed, then every call fails as a lost connection does.
struct Connection {
  int id = 0;
  bool dead = false;
  int calls = 0;
};

class CountingTransport final : public Transport {
 public:
  std::vector<std::shared_ptr<Connection>> connections;
  Status refuse = Status::Ok();  // the next connects fail with this

  fleet::Result<std::unique_ptr<RemoteSession>> Connect(const SshTarget&) override {
    if (!refuse.ok()) return refuse;
    auto c = std::make_shared<Connection>();
    c->id = static_cast<int>(connections.size()) + 1;
    connections.push_back(c);
    return std::unique_ptr<RemoteSession>(new Session(c));
  }

 private:
  class Session final : public RemoteSession {
   public:
    explicit Session(std::shared_ptr<Connection> c) : c_(std::move(c)) {}
    const std::string& host_key() const override { return key_; }
    fleet::Result<std::string> Sha256(const std::string&) override {
      FLEET_RETURN_IF_ERROR(Answer());
      return "connection-" + std::to_string(c_->id);
    }
    Status Upload(const std::string&, std::string_view, int) override { return Answer(); }
    fleet::Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
      FLEET_RETURN_IF_ERROR(Answer());
      if (argv.at(0) == "false") return ExecResult{1, "", ""};  // fails on the host, not the session
      return ExecResult{0, std::to_string(c_->id), ""};
    }

   private:
    Status Answer() {
      ++c_->calls;
      return c_->dead ? Status::Unavailable("connection lost") : Status::Ok();
    }
    std::shared_ptr<Connection> c_;
    std::string key_ = "ssh-ed25519 AAAAFAKE";
  };
};

class SessionPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { Make({}); }
  void Make(SessionPoolOptions options) {
    auto inner = std::make_unique<CountingTransport>();
    transport_ = inner.get();
    pool_ = std::make_unique<PooledTransport>(std::move(inner), options, [this] { return now_; });
  }
  // Connects, asks which connection answered (Sha256 names it), and lets the session go.
  std::string Use(const SshTarget& target) {
    auto s = pool_->Connect(target);
    if (!s.ok()) return s.status().message();
    auto which = (*s)->Sha256("/x");
    return which.ok() ? *which : which.status().message();
  }
  static SshTarget Target(const std::string& key = "KEY-A") {
    SshTarget t;
    t.address = "203.0.113.7";
    t.port = 22;
    t.private_key = key;
    t.expected_host_key = "ssh-ed25519 AAAAFAKE";
    return t;
  }

  PooledTransport::Clock::time_point now_{};
  CountingTransport* transport_ = nullptr;
  std::unique_ptr<PooledTransport> pool_;
};

TEST_F(SessionPoolTest, ASessionIsReusedForTheSameTargetOnly) {
  EXPECT_EQ(Use(Target()), "connection-1");
  EXPECT_EQ(pool_->idle(), 1u);
  EXPECT_EQ(Use(Target()), "connection-1") << "the kept session serves the next reconcile";

  const struct {
    const char* what;
    SshTarget target;
  } changed[] = {
      {"another deploy key", Target("KEY-B")},
      {"another pinned host key", [] { auto t = Target(); t.expected_host_key = "ssh-ed25519 OTHER"; return t; }()},
      {"another port", [] { auto t = Target(); t.port = 2222; return t; }()},
      {"another user", [] { auto t = Target(); t.user = "deploy"; return t; }()},
      {"accept-new instead of strict", [] { auto t = Target(); t.policy = SshTarget::HostKeyPolicy::kAcceptNew; return t; }()},
      {"another timeout", [] { auto t = Target(); t.timeout = std::chrono::seconds(3); return t; }()},
  };
  size_t connections = transport_->connections.size();
  for (const auto& c : changed) {
    EXPECT_EQ(Use(c.target), "connection-" + std::to_string(++connections)) << c.what << " connects afresh";
  }
  EXPECT_EQ(Use(Target()), "connection-1") << "the first target's session is still kept";
}

TEST_F(SessionPoolTest, TwoCallersAtOnceGetTwoSessions) {
  auto a = pool_->Connect(Target());
  auto b = pool_->Connect(Target());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(transport_->connections.size(), 2u) << "a session is lent to one caller at a time";
  a->reset();
  b->reset();
  EXPECT_EQ(pool_->idle(), 2u);
}

TEST_F(SessionPoolTest, ASessionWhoseCallFailedIsClosedNotKept) {
  {
    auto s = pool_->Connect(Target());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Sha256("/x").ok());
    transport_->connections[0]->dead = true;
    EXPECT_EQ((*s)->Exec({"true"}).status().code(), Code::kUnavailable)
        << "only a reused session's first call is retried";
  }
  EXPECT_EQ(pool_->idle(), 0u);
  EXPECT_EQ(Use(Target()), "connection-2");
}

TEST_F(SessionPoolTest, ACommandFailingOnTheHostKeepsTheSession) {
  {
    auto s = pool_->Connect(Target());
    ASSERT_TRUE(s.ok());
    auto r = (*s)->Exec({"false"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 1);
  }
  EXPECT_EQ(Use(Target()), "connection-1");
}

TEST_F(SessionPoolTest, AConnectionThatDiedWhileIdleIsReplacedOnItsFirstCall) {
  ASSERT_EQ(Use(Target()), "connection-1");
  transport_->connections[0]->dead = true;  // e.g. the host rebooted
  auto s = pool_->Connect(Target());
  ASSERT_TRUE(s.ok());
  auto exec = (*s)->Exec({"true"});
  ASSERT_TRUE(exec.ok()) << exec.status().message();
  EXPECT_EQ(exec->out, "2") << "retried once on a new connection";
  EXPECT_EQ(transport_->connections[0]->calls, 2) << "the first Use, then the failed call, nothing more";
  transport_->connections[1]->dead = true;
  EXPECT_EQ((*s)->Exec({"true"}).status().code(), Code::kUnavailable) << "later calls are not retried";
  EXPECT_EQ(transport_->connections.size(), 2u);
}

TEST_F(SessionPoolTest, TheReconnectOfADeadSessionCanBeRefused) {
  ASSERT_EQ(Use(Target()), "connection-1");
  transport_->connections[0]->dead = true;
  transport_->refuse = Status{Code::kForbidden, "host key mismatch: the server presented another key"};
  auto s = pool_->Connect(Target());
  ASSERT_TRUE(s.ok());
  auto hash = (*s)->Sha256("/x");
  EXPECT_EQ(hash.status().code(), Code::kForbidden) << "the fresh connection verifies the host key again";
  s->reset();
  EXPECT_EQ(pool_->idle(), 0u);
}

TEST_F(SessionPoolTest, IdleTimeoutMaxAgeAndMaxIdleBoundWhatIsKept) {
  Make({std::chrono::seconds(60), std::chrono::seconds(600), 2});
  ASSERT_EQ(Use(Target()), "connection-1");
  now_ += std::chrono::seconds(59);
  EXPECT_EQ(Use(Target()), "connection-1");
  now_ += std::chrono::seconds(60);
  EXPECT_EQ(Use(Target()), "connection-2") << "idle for the whole idle timeout: closed";
  EXPECT_EQ(pool_->idle(), 1u);

  for (int i = 0; i < 11; ++i) {  // in use every 55 s: never idle too long, but too old at 600 s
    now_ += std::chrono::seconds(55);
    Use(Target());
  }
  EXPECT_EQ(transport_->connections.size(), 3u) << "a session is replaced once it is max_age old";

  Use(Target("KEY-B"));
  Use(Target("KEY-C"));
  EXPECT_EQ(pool_->idle(), 2u) << "max_idle";
  EXPECT_EQ(Use(Target("KEY-C")), "connection-5");
  EXPECT_EQ(Use(Target()), "connection-6") << "the least recently used session was closed";
}

TEST_F(SessionPoolTest, NoPoolingWithMaxIdleZero) {
  Make({std::chrono::seconds(60), std::chrono::seconds(600), 0});
  EXPECT_EQ(Use(Target()), "connection-1");
  EXPECT_EQ(Use(Target()), "connection-2");
  EXPECT_EQ(pool_->idle(), 0u);
}

}  // namespace
}  // namespace controller
