// Hostile API clients for tests of what the controller takes from clients: a body streamed
// until the controller answers (or its memory passes a cap), and the controller's RSS to bound
// what that costs it. The hostile-client and hostile-fleet tests share them.
#pragma once

#include <cstddef>
#include <string>

namespace e2e {

constexpr size_t kMiB = size_t{1} << 20;

// The process's resident set (VmRSS), 0 when it cannot be read.
size_t RssBytes(int pid);

struct Streamed {
  int status = 0;        // 0: no answer
  std::string response;  // head and body as received
  size_t sent = 0;       // body bytes sent before the controller answered or closed
  size_t peak_rss = 0;   // the controller's, sampled while sending
};

// Sends the request head (ending in a header line, without the blank line), then up to
// body_bytes of '[' (not JSON, and deep if it were parsed) in 1 MiB pieces, with a
// Content-Length or chunked, until the controller answers or closes. Sending stops too once the
// controller (pid) passes rss_cap: one that buffered the body would otherwise take the machine's
// memory.
Streamed StreamBody(int port, int pid, const std::string& head, size_t body_bytes, bool chunked,
                    size_t rss_cap);

}  // namespace e2e
