#include "tests/e2e/hostile_clients.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "tests/e2e/harness.h"

namespace e2e {

using namespace std::chrono_literals;

size_t RssBytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

Streamed StreamBody(int port, int pid, const std::string& head, size_t body_bytes, bool chunked,
                    size_t rss_cap) {
  Streamed out;
  int fd = e2e::ConnectLoopback(port);
  if (fd < 0) return out;
  std::ostringstream hex;
  hex << std::hex << kMiB;
  const std::string piece = chunked ? hex.str() + "\r\n" + std::string(kMiB, '[') + "\r\n"
                                    : std::string(kMiB, '[');
  if (!SendAll(fd, head + (chunked ? "Transfer-Encoding: chunked\r\n"
                                   : "Content-Length: " + std::to_string(body_bytes) + "\r\n") +
                       "\r\n")) {
    ::close(fd);
    return out;
  }
  size_t pos = 0;  // in piece
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (out.sent < body_bytes && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 1000) < 0) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) break;  // an answer, or the end
    if (!(p.revents & POLLOUT)) continue;
    ssize_t n = ::send(fd, piece.data() + pos, piece.size() - pos, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) break;
    pos += n;
    if (pos < piece.size()) continue;
    pos = 0;
    out.sent += kMiB;
    out.peak_rss = std::max(out.peak_rss, RssBytes(pid));
    if (out.peak_rss > rss_cap) break;
  }
  if (out.sent >= body_bytes && chunked) SendAll(fd, "0\r\n\r\n");
  char buf[65536];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;  // closed, or reset (the rest of the body was refused)
    out.response.append(buf, n);
  }
  ::close(fd);
  if (out.response.rfind("HTTP/1.1 ", 0) == 0 && out.response.size() > 12) {
    out.status = std::stoi(out.response.substr(9, 3));
  }
  return out;
}

}  // namespace e2e
