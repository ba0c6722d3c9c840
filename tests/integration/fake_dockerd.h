// A fake Docker daemon on <dir>/docker.sock for DockerClient and DockerLogSource tests: accepts
// connections until destroyed, reads each request head and hands it with the connection to
// answer (on a thread per connection), which writes with e2e::SendAll. The destructor unblocks the listener, shuts the
// connections still open and joins.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/e2e/harness.h"

namespace testsupport {

class FakeDockerd {
 public:
  using Answer = std::function<void(const std::string& head, int fd)>;

  FakeDockerd(const TempDir& dir, Answer answer) : path_((dir.path() / "docker.sock").string()) {
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    acceptor_ = std::thread([this, answer = std::move(answer)] {
      while (true) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        std::lock_guard lock(mu_);
        connections_.push_back(fd);
        threads_.emplace_back([this, fd, answer] {
          std::string head;
          char chunk[4096];
          while (head.find("\r\n\r\n") == std::string::npos) {
            const ssize_t got = ::read(fd, chunk, sizeof chunk);
            if (got <= 0) break;
            head.append(chunk, got);
          }
          {
            std::lock_guard lock(mu_);
            requests_.push_back(head);
          }
          answer(head, fd);
          ::shutdown(fd, SHUT_RDWR);
        });
      }
    });
  }

  ~FakeDockerd() {
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
    for (int fd : connections_) ::close(fd);
    ::close(listener_);
  }

  const std::string& path() const { return path_; }
  // The request heads received so far, in arrival order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  // Blocks until the client closes the connection (or the daemon is destroyed).
  static void WaitForClose(int fd) {
    char byte;
    while (::read(fd, &byte, 1) > 0) {
    }
  }

 private:
  std::string path_;
  int listener_ = -1;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<int> connections_;
  std::list<std::thread> threads_;
  std::vector<std::string> requests_;
};

}  // namespace testsupport
