// Pushes through a real http proxy (Debian's tinyproxy, started by the test): remote write to a
// real Prometheus as an absolute-form request, and to an HTTPS Prometheus through a CONNECT
// tunnel (TLS end to end, the certificate checked against the receiver's CA); a proxy that
// refuses the tunnel is an error that says so.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/config/agent_config.h"
#include "agent/http_client.h"
#include "agent/sinks/forwarder.h"
#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"

namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// tinyproxy on a free loopback port, in the foreground, logging every request to its log file.
// connect_port: the only port CONNECT may reach (0: any); credentials: "user password" it requires
// (none when empty).
class TinyProxy {
 public:
  TinyProxy(const std::filesystem::path& dir, int connect_port = 0, const std::string& credentials = "")
      : port_(e2e::FreePort()), log_(dir / "tinyproxy.log") {
    std::filesystem::create_directories(dir);
    const auto conf = dir / "tinyproxy.conf";
    std::ofstream(conf) << "Port " << port_ << "\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\nMaxClients 20\n"
                        << "LogFile \"" << log_.string() << "\"\nLogLevel Info\nPidFile \"" << (dir / "pid").string() << "\"\n"
                        << (connect_port ? "ConnectPort " + std::to_string(connect_port) + "\n" : "")
                        << (credentials.empty() ? "" : "BasicAuth " + credentials + "\n");
    process_ = std::make_unique<e2e::Process>(std::vector<std::string>{"/usr/bin/tinyproxy", "-d", "-c", conf.string()});
    EXPECT_TRUE(e2e::WaitFor([&] { return Log().find("listening on fd") != std::string::npos; }, std::chrono::seconds(10)))
        << Log() << process_->Log();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  int port_;
  std::filesystem::path log_;
  std::unique_ptr<e2e::Process> process_;
};

std::unique_ptr<agent::Forwarder> ForwarderTo(const std::string& url, const std::string& buffer_dir,
                                              const std::string& endpoint_extra) {
  auto config = agent::ParseConfig(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: proxied\njob: node\nscrapeInterval: 200ms\n"
      "remoteWrite:\n  url: " + url + "\n" + endpoint_extra +
          "  queue: {batchSendDeadline: 200ms, minBackoff: 50ms, maxBackoff: 200ms}\n"
          "buffer: {dir: " + buffer_dir + ", maxBytes: 16Mi}\nscrapeLabelledContainers: {enabled: false}\n",
      "test.yaml");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return nullptr;
  return agent::Forwarder::Create(*config);
}

void PushUntilQueried(agent::Forwarder& forwarder, e2e::PrometheusReceiver& prometheus, const std::string& name) {
  ASSERT_TRUE(forwarder.Start([&] {
    return std::vector<Family>{{name, "", Type::kGauge, {{"", {}, 42.0}}}};
  }).ok());
  EXPECT_TRUE(e2e::WaitFor([&] { return prometheus.Query(name).size() == 1; }, std::chrono::seconds(20)))
      << prometheus.process().Log();
}

TEST(ForwardProxy, RemoteWriteGoesThroughTheProxy) {
  e2e::TempDir dir;
  TinyProxy proxy(dir.path() / "proxy");
  e2e::PrometheusReceiver prometheus(dir.path() / "prom");
  auto forwarder = ForwarderTo(prometheus.WriteUrl(), dir.path() / "buffer", "  proxyUrl: " + proxy.url() + "\n");
  ASSERT_TRUE(forwarder);
  PushUntilQueried(*forwarder, prometheus, "proxied_plain");
  // tinyproxy logs the absolute-form request it forwarded.
  EXPECT_NE(proxy.Log().find("POST " + prometheus.WriteUrl()), std::string::npos) << proxy.Log();
}

TEST(ForwardProxy, HttpsRemoteWriteTunnelsThroughConnect) {
  e2e::TempDir dir;
  TinyProxy proxy(dir.path() / "proxy");
  const auto tls = e2e::MakeTestCertificates((dir.path() / "certs").string());
  e2e::PrometheusReceiver prometheus(dir.path() / "prom", {}, tls);
  auto forwarder = ForwarderTo(prometheus.WriteUrl(), dir.path() / "buffer",
                               "  proxyUrl: " + proxy.url() + "\n  tls: {caFile: " + tls.ca_file + "}\n");
  ASSERT_TRUE(forwarder);
  PushUntilQueried(*forwarder, prometheus, "proxied_tls");
  EXPECT_NE(proxy.Log().find("CONNECT 127.0.0.1:" + std::to_string(prometheus.port())), std::string::npos) << proxy.Log();
}

// Loopback is reached directly when noProxy is set (Go's rule), and a refused tunnel is an error
// that names the proxy and its answer.
TEST(ForwardProxy, NoProxyAndARefusedTunnel) {
  e2e::TempDir dir;
  TinyProxy proxy(dir.path() / "proxy", /*connect_port=*/443);
  const auto tls = e2e::MakeTestCertificates((dir.path() / "certs").string());
  e2e::PrometheusReceiver prometheus(dir.path() / "prom", {}, tls);

  agent::HttpClientOptions options(std::chrono::seconds(10));
  options.tls.ca_file = tls.ca_file;
  options.proxy.proxy_url = proxy.url();
  auto refused = agent::HttpClient::Create(prometheus.WriteUrl(), options);
  ASSERT_TRUE(refused.ok()) << refused.status().message();
  auto answer = refused->Send("POST", "", {}, "");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), fleet::Code::kUnavailable);
  EXPECT_NE(answer.status().message().find("proxy " + proxy.url() + " refused CONNECT 127.0.0.1:" +
                                           std::to_string(prometheus.port()) + ": 403"),
            std::string::npos)
      << answer.status().message();

  options.proxy.no_proxy = "example.com";
  auto direct = agent::HttpClient::Create(prometheus.WriteUrl(), options);
  ASSERT_TRUE(direct.ok());
  auto reached = direct->Send("POST", "", {}, "");
  ASSERT_TRUE(reached.ok()) << reached.status().message();
  EXPECT_EQ(reached->status, 400);  // Prometheus' answer to an empty write: it was reached
  EXPECT_EQ(proxy.Log().find("CONNECT 127.0.0.1:" + std::to_string(prometheus.port()) + " HTTP"),
            proxy.Log().rfind("CONNECT 127.0.0.1:" + std::to_string(prometheus.port()) + " HTTP"))
      << "one CONNECT (the refused one), none for the direct request:\n" << proxy.Log();
}

// A proxy that requires credentials: without them its 407 is the answer; with proxyBasicAuth
// (the password from its file, as a Secret is delivered) the pushes go through.
TEST(ForwardProxy, AProxyThatRequiresCredentialsGetsThemFromProxyBasicAuth) {
  e2e::TempDir dir;
  TinyProxy proxy(dir.path() / "proxy", 0, "fleet s3cret");
  e2e::PrometheusReceiver prometheus(dir.path() / "prom");
  agent::HttpClientOptions options(std::chrono::seconds(10));
  options.proxy.proxy_url = proxy.url();
  auto anonymous = agent::HttpClient::Create(prometheus.WriteUrl(), options);
  ASSERT_TRUE(anonymous.ok());
  auto answer = anonymous->Send("POST", "", {}, "");
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->status, 407);

  const std::string password_file = (dir.path() / "proxy-password").string();
  std::ofstream(password_file) << "s3cret\n";
  auto forwarder = ForwarderTo(prometheus.WriteUrl(), dir.path() / "buffer",
                               "  proxyUrl: " + proxy.url() + "\n  proxyBasicAuth: {username: fleet, passwordFile: " +
                                   password_file + "}\n");
  ASSERT_TRUE(forwarder);
  PushUntilQueried(*forwarder, prometheus, "proxied_with_credentials");
  EXPECT_NE(proxy.Log().find("POST " + prometheus.WriteUrl()), std::string::npos) << proxy.Log();
}

}  // namespace
