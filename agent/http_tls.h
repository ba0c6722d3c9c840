// TLS for the agent's listener: the certificate and key loaded once at start (errors name the
// config field), then applied to the listener's server context.
#pragma once

#include <string>

#include "agent/config/agent_config.h"
#include "fleet/core/status.h"

namespace boost::asio::ssl {
class context;
}

namespace agent {

class ListenerTlsContext {
 public:
  // Reads and checks cert, key (and that they belong together) and the minimum version.
  static fleet::Result<ListenerTlsContext> Load(const ListenerTls& tls);

  // Sets certificate, key and protocol floor on a context. Throws what Boost throws;
  // Load has already checked the same material, so it does not in practice.
  void Apply(boost::asio::ssl::context& ctx) const;

 private:
  std::string cert_pem_;
  std::string key_pem_;  // secret: never logged
  int min_version_ = 0;  // OpenSSL's TLS1_2_VERSION or TLS1_3_VERSION
};

}  // namespace agent
