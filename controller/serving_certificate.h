// The API's TLS certificate (--tls-cert-file, --tls-private-key-file) and the CA agents verify the
// controller with (--tls-ca-file). The files are looked at (stat) for every new connection and
// read again when they changed, so a renewed certificate is served without a restart; a pair that does not load (a rotation written halfway,
// a key that does not match the certificate) is skipped with a warning and the last good pair is
// served until the files are whole again.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "fleet/core/status.h"

namespace controller {

class ServingCertificate {
 public:
  // Reads and checks the files: a PEM chain (the leaf first), the PEM key of its leaf and, when
  // ca_file is not empty, one or more PEM CA certificates.
  static fleet::Result<std::unique_ptr<ServingCertificate>> Load(std::string cert_file,
                                                                 std::string key_file,
                                                                 std::string ca_file);
  ~ServingCertificate();

  // Sets up a new connection's context with the newest good pair (TLS 1.2 at least).
  fleet::Status Configure(SSL_CTX* ctx);

  // The PEM agents are to trust: --tls-ca-file's (re-read, the last good one when it does not
  // load), else the leaf itself when it is self-signed, else "" (a certificate the system's
  // roots verify).
  std::string AgentCa();

 private:
  struct Pair;
  ServingCertificate(std::string cert_file, std::string key_file, std::string ca_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), ca_file_(std::move(ca_file)) {}
  static fleet::Result<std::shared_ptr<const Pair>> ParsePair(std::string cert_pem,
                                                               std::string key_pem,
                                                               const std::string& cert_file,
                                                               const std::string& key_file);
  // Re-read the files; they keep what they have when the files are unchanged or do not load.
  void RefreshPair();
  void RefreshCa();

  const std::string cert_file_, key_file_, ca_file_;
  std::mutex mu_;
  std::shared_ptr<const Pair> pair_;
  // What stat(2) said of both files when they were last read: unchanged files are not read again.
  std::string pair_files_seen_;
  std::string rejected_pair_;  // the contents last refused, warned about once
  std::string ca_pem_;
  std::string rejected_ca_;
};

}  // namespace controller
