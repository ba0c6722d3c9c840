// A certificate authority for TLS tests, made with the openssl CLI in a scratch directory of its
// own (EC P-256 keys, valid two days), and the server certificates it signs for 127.0.0.1.
#pragma once

#include <string>

#include "tests/e2e/harness.h"

namespace e2e {

class TestCa {
 public:
  TestCa();  // throws std::runtime_error when openssl fails
  std::string ca_file() const { return (dir_.path() / "ca.crt").string(); }

  // A new key and a certificate for IP:127.0.0.1 with this serial, each written to a temporary
  // file and renamed over cert_file and key_file (the certificate first).
  void Issue(int serial, const std::string& cert_file, const std::string& key_file) const;
  // A self-signed certificate for IP:127.0.0.1 (its own CA), made as scripts/demo.sh makes one.
  static void SelfSigned(const std::string& cert_file, const std::string& key_file);
  // The serial (upper-case hex, as openssl prints it) of the certificate 127.0.0.1:port serves,
  // or what openssl said when the handshake failed.
  static std::string ServedSerial(int port, const std::string& ca_file);

 private:
  TempDir dir_;
};

}  // namespace e2e
