// A Loki push receiver for the e2e tests. Loki itself is not installable here (no Debian package,
// no network to fetch a release), so the tests run this instead: it speaks the same wire format
// as Loki's distributor — POST /loki/api/v1/push with a snappy-compressed logproto.PushRequest
// (Content-Type application/x-protobuf) or the JSON form (application/json) — decodes every
// field strictly, and keeps what it received for the test to check. It can be stopped and
// started again on the same port (an outage) and told to answer with an error status.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace e2e {

struct LokiEntry {
  int64_t timestamp_ns = 0;
  std::string line;
  bool operator==(const LokiEntry&) const = default;
};

struct LokiPush {
  std::string content_type;
  std::map<std::string, std::string> headers;  // lower-case names
  // stream label set (parsed from the protobuf label string or the JSON object) -> entries
  std::vector<std::pair<std::map<std::string, std::string>, std::vector<LokiEntry>>> streams;
};

class LokiReceiver {
 public:
  explicit LokiReceiver(int port);
  ~LokiReceiver();
  void Start();
  void Stop();  // closes the listener and every open connection: the agent sees refused connects
  int port() const { return port_; }
  // Status for the next pushes (200 = accept). Non-2xx pushes are not recorded.
  void RespondWith(int status) { status_ = status; }

  std::vector<LokiPush> Pushes() const;
  // Every entry received, per stream label set, in arrival order.
  std::map<std::map<std::string, std::string>, std::vector<LokiEntry>> Streams() const;
  // Protocol violations seen (bad content type, undecodable body, bad label string, entries out
  // of order within a stream in one push...). A correct client leaves this empty.
  std::vector<std::string> Errors() const;
  size_t EntryCount() const;

 private:
  struct Server;
  void Handle(const std::string& content_type, const std::map<std::string, std::string>& headers,
              const std::string& body, int* status);

  const int port_;
  std::atomic<int> status_ = 200;
  std::unique_ptr<Server> server_;
  mutable std::mutex mu_;
  std::vector<LokiPush> pushes_;
  std::vector<std::string> errors_;
};

// Parses a Prometheus label-set string {a="1", b="x"}; false when malformed.
bool ParseLabelSet(const std::string& text, std::map<std::string, std::string>* out);

}  // namespace e2e
