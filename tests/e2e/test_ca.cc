#include "tests/e2e/test_ca.h"

#include <filesystem>
#include <regex>
#include <stdexcept>

namespace e2e {
namespace {

void Openssl(const std::vector<std::string>& args, const std::string& stdin_data = "") {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = Run(argv, stdin_data);
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args[0] + " failed: " + r.err);
}

}  // namespace

TestCa::TestCa() {
  Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", (dir_.path() / "ca.key").string(), "-out", ca_file(), "-days", "2", "-subj",
           "/CN=vpsfleet-test-ca"});
}

void TestCa::Issue(int serial, const std::string& cert_file, const std::string& key_file) const {
  const std::string base = (dir_.path() / ("server-" + std::to_string(serial))).string();
  Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=127.0.0.1"});
  const std::string ext = dir_.Write("san.ext", "subjectAltName=IP:127.0.0.1\n");
  Openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca_file(), "-CAkey",
           (dir_.path() / "ca.key").string(), "-set_serial", std::to_string(serial), "-days", "2",
           "-extfile", ext, "-out", base + ".crt"});
  std::filesystem::copy_file(base + ".crt", cert_file + ".tmp", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(cert_file + ".tmp", cert_file);
  std::filesystem::copy_file(base + ".key", key_file + ".tmp", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(key_file + ".tmp", key_file);
}

void TestCa::SelfSigned(const std::string& cert_file, const std::string& key_file) {
  Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
           "-keyout", key_file, "-out", cert_file});
}

std::string TestCa::ServedSerial(int port, const std::string& ca_file) {
  CommandResult handshake = Run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                 "-CAfile", ca_file, "-verify_return_error"});
  if (handshake.exit_code != 0) return "handshake failed: " + handshake.err;
  CommandResult serial = Run({"openssl", "x509", "-noout", "-serial"}, handshake.out);
  std::smatch m;
  if (!std::regex_search(serial.out, m, std::regex("serial=([0-9A-F]+)"))) return "no serial: " + serial.err;
  return m[1];
}

}  // namespace e2e
