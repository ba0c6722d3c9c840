#include "tests/e2e/hostile_ssh.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace e2e {

FakeSshServer::FakeSshServer(std::string greeting) : greeting_(std::move(greeting)) {
  if (::pipe2(stop_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  // Port 0: the kernel picks a free one, and nothing can take it between choosing and binding.
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    throw std::runtime_error("fake ssh server: cannot listen");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeSshServer::~FakeSshServer() {
  (void)!::write(stop_[1], "x", 1);
  thread_.join();
  for (int fd : {listener_, stop_[0], stop_[1]}) ::close(fd);
}

void FakeSshServer::Serve() {
  std::vector<int> held;
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) break;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++connections_;
    (void)!::send(client, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
    held.push_back(client);
  }
  for (int fd : held) ::close(fd);
}

HostileCommandsHost::HostileCommandsHost()
    : host_(std::make_unique<SshHost>("internal-sftp", bin_.path().string())) {}

void HostileCommandsHost::Replace(const std::string& name, const std::string& script) const {
  bin_.Write(name, script, 0755);
}

}  // namespace e2e
