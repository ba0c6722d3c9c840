// fleetctl's config file: contexts with their TLS fields, how they are read back, what a bad
// field says, and how flags and a context combine into a Connection.
#include "fleetctl/config.h"

#include <gtest/gtest.h>

#include "fleet/core/files.h"
#include "tests/common/temp_dir.h"

namespace fleetctl {
namespace {

TEST(ConfigTest, TlsFieldsSurviveSaveAndLoad) {
  testsupport::TempDir dir;
  const std::string path = (dir.path() / "config.yaml").string();
  Config cfg;
  cfg.current_context = "prod";
  cfg.contexts["prod"] = {"https://ctl:7070", "", "/t", "/etc/vpsfleet/ca.crt", false};
  cfg.contexts["lab"] = {"https://lab:7070", "", "/t", "", true};
  ASSERT_TRUE(SaveConfig(path, cfg).ok());
  auto loaded = LoadConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->contexts["prod"].certificate_authority, "/etc/vpsfleet/ca.crt");
  EXPECT_FALSE(loaded->contexts["prod"].insecure_skip_tls_verify);
  EXPECT_EQ(loaded->contexts["lab"].certificate_authority, "");
  EXPECT_TRUE(loaded->contexts["lab"].insecure_skip_tls_verify);
  EXPECT_EQ(fleet::ReadFileText(path).value().find("insecureSkipTLSVerify: false"), std::string::npos)
      << "off is not written";
}

TEST(ConfigTest, BadFieldsNameFileLineColumnAndPath) {
  const struct {
    const char* yaml;
    const char* want;  // the message after "<path>:"
  } cases[] = {
      {"contexts:\n  lab: {server: x, insecureSkipTLSVerify: yes please}\n",
       "2:43: contexts.lab.insecureSkipTLSVerify: must be true or false"},
      {"contexts:\n  lab:\n    certificateAuthority: [a]\n",
       "3:27: contexts.lab.certificateAuthority: must be a string"},
      {"contexts:\n  lab:\n    certificate-authority: /ca.crt\n",
       "3:28: contexts.lab.certificate-authority: unknown field (known: server, token, tokenFile, "
       "certificateAuthority, insecureSkipTLSVerify)"},
      {"contexts:\n  lab: https://x\n", "2:8: contexts.lab: must be a mapping"},
      {"currentContext: [a]\n", "1:17: currentContext: must be a string"},
  };
  for (const auto& c : cases) {
    testsupport::TempDir dir;
    const std::string path = dir.Write("config.yaml", c.yaml, 0600);
    auto loaded = LoadConfig(path);
    ASSERT_FALSE(loaded.ok()) << c.yaml;
    EXPECT_EQ(loaded.status().message(), path + ":" + c.want) << c.yaml;
  }
}

TEST(ConfigTest, FlagsReplaceTheContextsTlsSettings) {
  testsupport::TempDir dir;
  const std::string ca = dir.Write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  const std::string path = dir.Write(
      "config.yaml", "currentContext: c\ncontexts:\n  c: {server: 'https://ctl/', certificateAuthority: " + ca + "}\n", 0600);
  struct Row {
    const char* name;
    std::string ca_flag;  // --certificate-authority
    bool insecure_flag;   // --insecure-skip-tls-verify
    std::string want_ca;
    bool want_insecure;
    const char* want_error;  // "" = resolves
  };
  const Row rows[] = {
      {"the context's CA", "", false, ca, false, ""},
      {"--insecure-skip-tls-verify drops the context's CA", "", true, "", true, ""},
      {"both flags", ca, true, "", false, "are both set: choose one"},
      {"a CA file that is not there", ca + ".missing", false, "", false, "certificateAuthority: cannot read"},
  };
  for (const auto& r : rows) {
    ConnectionFlags flags;
    flags.config_path = path;
    flags.certificate_authority = r.ca_flag;
    flags.insecure_skip_tls_verify = r.insecure_flag;
    auto conn = ResolveConnection(flags);
    if (*r.want_error) {
      ASSERT_FALSE(conn.ok()) << r.name;
      EXPECT_NE(conn.status().message().find(r.want_error), std::string::npos) << r.name << ": " << conn.status().message();
      continue;
    }
    ASSERT_TRUE(conn.ok()) << r.name << ": " << conn.status().message();
    EXPECT_EQ(conn->server, "https://ctl") << r.name;
    EXPECT_EQ(conn->certificate_authority, r.want_ca) << r.name;
    EXPECT_EQ(conn->certificate_authority_pem, r.want_ca.empty() ? "" : "-----BEGIN CERTIFICATE-----\n") << r.name;
    EXPECT_EQ(conn->insecure_skip_tls_verify, r.want_insecure) << r.name;
  }
}

}  // namespace
}  // namespace fleetctl
