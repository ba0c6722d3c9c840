#include "controller/session_pool.h"

#include <optional>
#include <utility>

#include "fleet/core/crypto.h"
#include "fleet/core/files.h"

namespace controller {
namespace {

using fleet::Code;
using fleet::Result;
using fleet::Status;

std::string KnownHostsContent(const std::string& path) {
  if (path.empty()) return "";
  auto text = fleet::ReadFileText(path);
  return text.ok() ? *text : "unreadable";
}

// Everything that decides which server is trusted and how the controller logs in; the private
// key goes in hashed with the rest, so the pool holds no second copy of it in clear.
std::string PoolKey(const SshTarget& t) {
  const std::string fields[] = {t.address,
                                std::to_string(t.port),
                                t.user,
                                t.private_key,
                                t.use_agent ? "agent" : "",
                                t.expected_host_key,
                                t.known_hosts_file,
                                // an edited file verifies afresh (a removed key is refused)
                                KnownHostsContent(t.known_hosts_file),
                                std::to_string(static_cast<int>(t.policy)),
                                t.recorded_host_key,
                                std::to_string(t.timeout.count()),
                                std::to_string(t.max_stdout)};
  std::string joined;
  for (const auto& f : fields) joined += f + '\0';
  return fleet::Sha256Hex(joined);
}

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

// How a connection that died while it was idle fails its next call.
bool ConnectionLost(const Status& s) {
  return s.code() == Code::kUnavailable || s.code() == Code::kDeadlineExceeded ||
         s.code() == Code::kInternal;
}

class PooledSession final : public RemoteSession {
 public:
  PooledSession(PooledTransport& pool, std::string key, SshTarget target, PooledTransport::Fresh session,
                bool reused)
      : pool_(pool), key_(std::move(key)), target_(std::move(target)), session_(std::move(session)),
        retry_(reused) {}
  ~PooledSession() override {
    if (!broken_) pool_.Return(key_, std::move(session_));
  }

  const std::string& host_key() const override { return session_.session->host_key(); }
  Result<std::string> Sha256(const std::string& path) override {
    return Call([&](RemoteSession& s) { return s.Sha256(path); });
  }
  Status Upload(const std::string& path, std::string_view content, int mode) override {
    return Call([&](RemoteSession& s) { return s.Upload(path, content, mode); });
  }
  Status Prefetch(const std::vector<std::string>& paths) override {
    return Call([&](RemoteSession& s) { return s.Prefetch(paths); });
  }
  Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    return Call([&](RemoteSession& s) { return s.Exec(argv); });
  }

 private:
  template <typename Op>
  auto Call(Op op) -> decltype(op(std::declval<RemoteSession&>())) {
    auto result = op(*session_.session);
    if (retry_ && ConnectionLost(StatusOf(result))) {
      auto fresh = pool_.ConnectFresh(target_);
      if (!fresh.ok()) {
        broken_ = true;
        return fresh.status();
      }
      session_ = std::move(*fresh);
      result = op(*session_.session);
    }
    retry_ = false;
    if (!StatusOf(result).ok()) broken_ = true;
    return result;
  }

  PooledTransport& pool_;
  const std::string key_;
  const SshTarget target_;
  PooledTransport::Fresh session_;
  bool retry_;  // a reused session's first call may find the connection gone
  bool broken_ = false;
};

}  // namespace

PooledTransport::PooledTransport(std::unique_ptr<Transport> inner, SessionPoolOptions options,
                                 std::function<Clock::time_point()> now)
    : inner_(std::move(inner)), options_(options), now_(std::move(now)) {}

PooledTransport::~PooledTransport() = default;

fleet::Result<PooledTransport::Fresh> PooledTransport::ConnectFresh(const SshTarget& target) {
  auto session = inner_->Connect(target);
  if (!session.ok()) return session.status();
  return Fresh{std::move(*session), now_()};
}

fleet::Result<std::unique_ptr<RemoteSession>> PooledTransport::Connect(const SshTarget& target) {
  std::string key = PoolKey(target);
  std::list<Idle> closing;  // closed after the lock is released: a goodbye may take a while
  std::optional<Fresh> kept;
  {
    std::lock_guard lock(mu_);
    Expire(now_(), &closing);
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->key != key) continue;
      kept = std::move(it->session);
      idle_.erase(it);
      break;
    }
  }
  closing.clear();
  const bool reused = kept.has_value();
  if (!reused) {
    auto fresh = ConnectFresh(target);
    if (!fresh.ok()) return fresh.status();
    kept = std::move(*fresh);
  }
  return std::unique_ptr<RemoteSession>(
      std::make_unique<PooledSession>(*this, std::move(key), target, std::move(*kept), reused));
}

void PooledTransport::Return(const std::string& key, Fresh session) {
  std::list<Idle> closing;
  {
    std::lock_guard lock(mu_);
    const auto now = now_();
    Expire(now, &closing);
    Idle entry{key, std::move(session), now};
    if (options_.max_idle == 0 || now - entry.session.connected >= options_.max_age) {
      closing.push_back(std::move(entry));
      return;
    }
    idle_.push_front(std::move(entry));
    while (idle_.size() > options_.max_idle) closing.splice(closing.end(), idle_, std::prev(idle_.end()));
  }
}

void PooledTransport::Expire(Clock::time_point now, std::list<Idle>* closing) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    const bool expired = now - it->since >= options_.idle_timeout ||
                         now - it->session.connected >= options_.max_age;
    auto next = std::next(it);
    if (expired) closing->splice(closing->end(), idle_, it);
    it = next;
  }
}

size_t PooledTransport::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace controller
