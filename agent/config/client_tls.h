// The tls of a push endpoint or a scrape job as its config gives it (Prometheus' tls_config):
// the roots the server is verified with, whether it is, and the client certificate presented for
// mutual TLS. agent/http_client.cc applies it to a connection.
#pragma once

#include <string>

namespace agent {

struct ClientTls {
  std::string ca_file;  // "" = the system's roots
  bool insecure_skip_verify = false;
  std::string cert_file;  // client certificate chain (PEM); with key_file, or neither
  std::string key_file;   // its private key (PEM; a secret: its content is never logged)
  bool operator==(const ClientTls&) const = default;
};

}  // namespace agent
