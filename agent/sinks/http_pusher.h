// POSTs a request body to a push endpoint (remote write, Loki) with agent/http_client.h: basic auth
// from a password file, extra headers, TLS with a CA file. Never logs credentials.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"

namespace agent {

struct PushResponse {
  int status = 0;  // 0 = no response (connection failed or timed out)
  std::string error;  // why there was no response, or the start of an error body
};

class HttpPusher {
 public:
  static fleet::Result<std::unique_ptr<HttpPusher>> Create(const PushEndpoint& endpoint);
  virtual ~HttpPusher() = default;
  // Blocks until the response or the endpoint's timeout. headers adds to the endpoint's own.
  virtual PushResponse Post(const std::string& body,
                            const std::map<std::string, std::string>& headers) = 0;
};

}  // namespace agent
