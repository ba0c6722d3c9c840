// The support bundle: which members it has, that the archive is a well-formed gzip'd ustar, and
// that redaction holds for hostile secret values (YAML and shell metacharacters, newlines, URLs
// with passwords, anchors). Secret files are never read.
#include "agent/support_bundle.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <map>

#include "agent/tar_gz.h"
#include "tests/unit/fleet/testing.h"

namespace agent {
namespace {

// Test-side reader: gunzip, then walk 512-byte ustar headers, checking each checksum.
std::map<std::string, std::string> Untar(const std::string& gz) {
  std::string tar;
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[65536];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    tar.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&z);
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(tar.size() % 512, 0u);
  std::map<std::string, std::string> files;
  size_t at = 0;
  while (at + 512 <= tar.size()) {
    const char* h = tar.data() + at;
    if (h[0] == '\0') break;  // end-of-archive block
    EXPECT_EQ(std::string(h + 257, 5), "ustar");
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    EXPECT_EQ(std::stoul(std::string(h + 148, 6), nullptr, 8), sum);
    const std::string name(h, strnlen(h, 100));
    const size_t size = std::stoul(std::string(h + 124, 11), nullptr, 8);
    files[name] = tar.substr(at + 512, size);
    at += 512 + (size + 511) / 512 * 512;
  }
  return files;
}

TEST(TarGzWriter, RoundTripsBinaryAndBlockSizedContent) {
  TarGzWriter w(1700000000);
  const std::string binary("\0\x01\xff\n", 4);
  ASSERT_TRUE(w.Add("a.bin", binary).ok());
  ASSERT_TRUE(w.Add("empty", "").ok());
  ASSERT_TRUE(w.Add("dir/block", std::string(512, 'x')).ok());
  EXPECT_FALSE(w.Add("/etc/passwd", "x").ok());
  EXPECT_FALSE(w.Add("../up", "x").ok());
  EXPECT_FALSE(w.Add(std::string(101, 'n'), "x").ok());
  auto gz = w.Finish();
  ASSERT_TRUE(gz.ok());
  auto files = Untar(*gz);
  EXPECT_EQ(files, (std::map<std::string, std::string>{
                       {"a.bin", binary}, {"empty", ""}, {"dir/block", std::string(512, 'x')}}));
}

TEST(RedactConfig, HostileSecretValuesNeverSurvive) {
  // Each value is a secret; none of its characteristic text may remain.
  const std::string yaml = R"(apiVersion: vpsfleet.io/v1alpha1
kind: AgentConfig
# a comment with hunter2-comment in it
remoteWrite:
  url: "https://metrics:hunter2-url@mimir.example:443/api/v1/push"
  basicAuth: {username: ops, password: "hunter2-inline: {x: [y]}", passwordFile: /srv/secrets/p}
  headers: {Authorization: "Bearer hunter2-header", X-Scope-OrgID: tenant-1}
  bearerToken: |
    hunter2-block
    second line
loki:
  url: "http://:hunter2-nouser@loki:3100/loki/api/v1/push"
  tls: {caFile: /srv/secrets/ca.crt}
anchored: &shared "hunter2-anchor"
controller: {url: "http://ctl:7070", token: *shared, tokenFile: /srv/secrets/controller-token}
extra: {apiKey: 12345, client_secret: [a, b], privateKey: {nested: hunter2-nested}}
)";
  auto got = RedactConfig(yaml);
  ASSERT_TRUE(got.ok()) << got.status().message();
  for (const char* leaked : {"hunter2", "12345", "second line", "[a, b]"}) {
    EXPECT_EQ(got->find(leaked), std::string::npos) << leaked << " survived in\n" << *got;
  }
  // What is not a secret stays, so the bundle is still useful.
  for (const char* kept : {"/srv/secrets/p", "/srv/secrets/controller-token", "mimir.example:443",
                           "username: ops", "X-Scope-OrgID", "https://metrics:<redacted>@mimir",
                           "http://:<redacted>@loki:3100", "http://ctl:7070"}) {
    EXPECT_NE(got->find(kept), std::string::npos) << kept << " missing from\n" << *got;
  }
}

TEST(RedactConfig, UnparsableConfigIsLeftOutWhole) {
  auto got = RedactConfig("password: [hunter2\n");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("hunter2"), std::string::npos);
}

class SupportBundleTest : public ::testing::Test {
 protected:
  fleet::testing::ScratchDir dir_;
};

TEST_F(SupportBundleTest, MembersAndTheirContent) {
  const std::string secret_file = dir_.path() + "/password";
  std::ofstream(secret_file) << "hunter2-in-file";
  const std::string config = dir_.path() + "/config.yaml";
  std::ofstream(config) << "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n"
                           "http: {basicAuth: {username: u, passwordFile: " + secret_file + "}}\n"
                           "remoteWrite: {url: 'http://u:hunter2-url@m/push'}\n";
  const std::string os_release = dir_.path() + "/os-release";
  std::ofstream(os_release) << "PRETTY_NAME=\"Test OS\"\n";
  auto ring = std::make_shared<LogRing>();
  SupportSources sources{config,
                         [] { return std::string("node_load1 0.5\n"); },
                         [] { return std::string("{\"components\":[]}\n"); },
                         nullptr,
                         "/proc",
                         os_release,
                         std::chrono::system_clock::now() - std::chrono::seconds(90)};
  auto gz = BuildSupportBundle(sources);
  ASSERT_TRUE(gz.ok()) << gz.status().message();
  auto files = Untar(*gz);
  std::vector<std::string> names;
  for (const auto& [name, _] : files) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"cgroup.txt", "config.yaml", "limits.txt", "logs.txt",
                                             "metrics.txt", "os-release.txt", "runtime.json",
                                             "status.json"}));
  EXPECT_EQ(files["metrics.txt"], "node_load1 0.5\n");
  EXPECT_EQ(files["status.json"], "{\"components\":[]}\n");
  EXPECT_EQ(files["os-release.txt"], "PRETTY_NAME=\"Test OS\"\n");
  EXPECT_NE(files["limits.txt"].find("Max open files"), std::string::npos);
  EXPECT_NE(files["config.yaml"].find("passwordFile: " + secret_file), std::string::npos)
      << files["config.yaml"];
  EXPECT_NE(files["runtime.json"].find("\"uptimeSeconds\": 9"), std::string::npos)
      << files["runtime.json"];
  EXPECT_NE(files["runtime.json"].find("\"pid\": " + std::to_string(::getpid())), std::string::npos);
  for (const auto& [name, content] : files) {
    EXPECT_EQ(content.find("hunter2"), std::string::npos) << name << ":\n" << content;
  }
}

TEST_F(SupportBundleTest, HandlerBoundsDuration) {
  SupportBundleService service({});
  for (const char* bad : {"-1", "301", "abc", "1e3", "", "99999999999"}) {
    HttpRequest r;
    r.query["duration"] = bad;
    EXPECT_EQ(service.Handle(r).status, 400) << bad;
  }
  HttpRequest r;
  r.query["duration"] = "0";
  HttpResponse ok = service.Handle(r);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "application/gzip");
  EXPECT_FALSE(Untar(ok.body).empty());
}

}  // namespace
}  // namespace agent
