// Keeps SSH sessions open between reconciles of the same host, as OpenSSH's ControlPersist does
// for Ansible: a config change then costs the host two commands and an SFTP write on a connection
// that is already authenticated, instead of a TCP connect, a key exchange, authentication and a
// new sftp-server each time.
//
// A session is lent to one caller at a time and comes back when the caller drops it, unless one
// of its calls failed (its state is then unknown and it is closed). It is kept for the same
// target only: address, port, user, credentials, host key expectations and timeout all make the
// key, so a changed Host spec (a new pinned key, a rotated deploy key) always connects afresh and
// verifies again. An idle session lives `idle_timeout`, any session at most `max_age`; at most
// `max_idle` are kept, the least recently used closed first.
//
// A kept session can have died meanwhile (the host rebooted, sshd was restarted with its
// children). The first call on a reused session that fails for that reason connects again and
// is retried once: before that call nothing was done on the host, so retrying it repeats nothing.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "controller/transport.h"

namespace controller {

struct SessionPoolOptions {
  std::chrono::seconds idle_timeout{300};
  std::chrono::seconds max_age{1800};
  size_t max_idle = 1024;
};

class PooledTransport final : public Transport {
 public:
  using Clock = std::chrono::steady_clock;
  PooledTransport(std::unique_ptr<Transport> inner, SessionPoolOptions options,
                  std::function<Clock::time_point()> now = Clock::now);
  ~PooledTransport() override;

  fleet::Result<std::unique_ptr<RemoteSession>> Connect(const SshTarget& target) override;

  size_t idle() const;  // sessions kept, not lent out

  // Connects through the inner transport and stamps the session's birth (for max_age).
  struct Fresh {
    std::unique_ptr<RemoteSession> session;
    Clock::time_point connected;
  };
  fleet::Result<Fresh> ConnectFresh(const SshTarget& target);
  // A lent session coming back healthy.
  void Return(const std::string& key, Fresh session);

 private:
  struct Idle {
    std::string key;
    Fresh session;
    Clock::time_point since;
  };
  // Removes expired sessions into *closing (closed by the caller, outside the lock).
  void Expire(Clock::time_point now, std::list<Idle>* closing);

  const std::unique_ptr<Transport> inner_;
  const SessionPoolOptions options_;
  const std::function<Clock::time_point()> now_;
  mutable std::mutex mu_;
  std::list<Idle> idle_;  // most recently returned first
};

}  // namespace controller
