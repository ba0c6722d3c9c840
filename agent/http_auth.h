// HTTP basic auth for the agent's listener: which requests may pass, given the configured user,
// the password read from its file, and the paths left open (e.g. /metrics for scrapers).
#pragma once

#include <set>
#include <string>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"

namespace agent {

class BasicAuthGate {
 public:
  // The challenge a 401 carries (RFC 7617).
  static constexpr const char* kChallenge = "Basic realm=\"fleet-agent\", charset=\"UTF-8\"";

  // Reads the password file; errors name the field ("http.basicAuth.passwordFile: ...").
  // Without http.basicAuth every request passes.
  static fleet::Result<BasicAuthGate> Load(const HttpConfig& http);

  // Whether a request for `path` with this Authorization header value ("" when absent) passes.
  // The comparison takes the same time wherever the credentials differ.
  bool Allows(const std::string& path, const std::string& authorization) const;

 private:
  bool enabled_ = false;
  // SHA-256 (hex) of "username:password": the password itself is not kept, and comparing
  // fixed-length digests leaks neither where nor whether the lengths differ.
  std::string expected_digest_;
  std::set<std::string> open_paths_;
};

}  // namespace agent
