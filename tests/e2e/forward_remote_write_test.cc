// The remote write sink end to end: Forwarder -> disk buffer -> remote write 1.0 -> a real
// Prometheus with --web.enable-remote-write-receiver; the series are queried back.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "agent/config/agent_config.h"
#include "agent/sinks/forwarder.h"
#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"

namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

std::unique_ptr<agent::Forwarder> MakeForwarder(const std::string& yaml) {
  auto config = agent::ParseConfig(yaml, "test.yaml");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return nullptr;
  return agent::Forwarder::Create(*config);
}

// remote_write_extra: more YAML lines under remoteWrite (indented two spaces).
std::string Config(const std::string& url, const std::string& buffer_dir,
                   const std::string& remote_write_extra = "") {
  return "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: test-host\njob: node\n"
         "scrapeInterval: 200ms\n"
         "remoteWrite:\n  url: " + url + "\n  externalLabels: {region: atl}\n"
         "  queue: {maxSamplesPerSend: 50, batchSendDeadline: 200ms, minBackoff: 50ms, maxBackoff: 200ms}\n" +
         remote_write_extra + "buffer: {dir: " + buffer_dir + ", maxBytes: 16Mi}\n"
         // Only this test's series: not those of containers others labelled for scraping.
         "scrapeLabelledContainers: {enabled: false}\n";
}

TEST(ForwardRemoteWrite, SeriesArriveInPrometheusWithLabelsAndValues) {
  e2e::TempDir dir;
  e2e::PrometheusReceiver prometheus(dir.path() / "prom");
  auto forwarder = MakeForwarder(Config(prometheus.WriteUrl(), dir.path() / "buffer"));
  ASSERT_TRUE(forwarder);
  std::atomic<int> collections = 0;
  ASSERT_TRUE(forwarder->Start([&] {
    const int n = ++collections;
    std::vector<Family> families = {
        {"fwd_test_requests", "", Type::kCounter, {{"_total", {{"code", "200"}}, double(n)},
                                                   {"_total", {{"code", "500"}}, 0.5}}},
        {"fwd_test_many", "", Type::kGauge, {}}};
    // More series than maxSamplesPerSend, so a collection spans several requests.
    for (int i = 0; i < 120; ++i) families[1].samples.push_back({"", {{"i", std::to_string(i)}}, double(i)});
    return families;
  }).ok());

  ASSERT_TRUE(e2e::WaitFor([&] { return prometheus.Query("count(fwd_test_many)").dump().find("\"120\"") != std::string::npos; },
                           std::chrono::seconds(20)))
      << prometheus.Query("count(fwd_test_many)").dump() << prometheus.process().Log();
  auto result = prometheus.Query("fwd_test_requests_total{code=\"200\"}");
  ASSERT_EQ(result.size(), 1u) << result.dump();
  const auto& metric = result[0]["metric"];
  EXPECT_EQ(metric["instance"], "test-host");
  EXPECT_EQ(metric["job"], "node");
  EXPECT_EQ(metric["region"], "atl");
  EXPECT_EQ(metric["code"], "200");
  EXPECT_GE(std::stod(result[0]["value"][1].get<std::string>()), 1.0);
  EXPECT_EQ(prometheus.Query("fwd_test_requests_total{code=\"500\"}")[0]["value"][1], "0.5");

  std::vector<Family> own;
  forwarder->Collect(&own);
  auto sent = std::find_if(own.begin(), own.end(), [](const Family& f) { return f.name == "fleet_agent_sink_items_sent_total"; });
  ASSERT_NE(sent, own.end());
  ASSERT_FALSE(sent->samples.empty());
  EXPECT_GE(sent->samples[0].value, 122.0);
}

TEST(ForwardRemoteWrite, SamplesBufferedWhileReceiverIsDownArriveAfterwardsWithoutGap) {
  e2e::TempDir dir;
  const int port = e2e::FreePort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/write";
  std::atomic<int> collections = 0;
  auto collect = [&] {
    return std::vector<Family>{{"fwd_test_seq", "", Type::kGauge, {{"", {}, double(++collections)}}}};
  };
  {
    // First agent run: the receiver is not there; samples pile up on disk.
    auto forwarder = MakeForwarder(Config(url, dir.path() / "buffer"));
    ASSERT_TRUE(forwarder->Start(collect).ok());
    e2e::WaitFor([&] { return collections >= 10; }, std::chrono::seconds(10));
  }
  const int buffered = collections;
  // Second run (a restart), with Prometheus listening on that port now.
  e2e::PrometheusReceiver prometheus(dir.path() / "prom", {});
  auto forwarder = MakeForwarder(Config(prometheus.WriteUrl(), dir.path() / "buffer"));
  ASSERT_TRUE(forwarder->Start(collect).ok());
  auto scalar = [&](const std::string& q) {
    auto r = prometheus.Query(q);
    return r.empty() ? -1.0 : std::stod(r[0]["value"][1].get<std::string>());
  };
  ASSERT_TRUE(e2e::WaitFor([&] { return scalar("count_over_time(fwd_test_seq[10m])") >= buffered + 3; },
                           std::chrono::seconds(20)))
      << prometheus.Query("count_over_time(fwd_test_seq[10m])").dump();
  forwarder->Stop();
  // No gap, no duplicate: the values 1..n arrived once each, n = the number of samples.
  const double n = scalar("count_over_time(fwd_test_seq[10m])");
  EXPECT_EQ(scalar("max_over_time(fwd_test_seq[10m])"), n);
  EXPECT_EQ(scalar("sum_over_time(fwd_test_seq[10m])"), n * (n + 1) / 2);
}

// Pushes by outcome ("delivered", "retry", ...), from the forwarder's own metrics.
std::map<std::string, double> SinkOutcomes(agent::Forwarder& forwarder) {
  std::vector<Family> own;
  forwarder.Collect(&own);
  std::map<std::string, double> out;
  for (const auto& f : own) {
    if (f.name != "fleet_agent_sink_requests_total") continue;
    for (const auto& s : f.samples) out[s.labels[1].value] += s.value;
  }
  return out;
}

// A forwarder that pushes fwd_test_tls to url with the given tls: lines under remoteWrite, and
// whether anything it pushed was refused and retried (nothing delivered) or arrived.
class TlsPush {
 public:
  TlsPush(const e2e::PrometheusReceiver& prometheus, const std::string& buffer_dir, const std::string& tls_lines)
      : prometheus_(prometheus),
        forwarder_(MakeForwarder(Config(prometheus.WriteUrl(), buffer_dir, tls_lines))) {
    EXPECT_TRUE(forwarder_ && forwarder_->Start([] {
      return std::vector<Family>{{"fwd_test_tls", "", Type::kGauge, {{"", {}, 7}}}};
    }).ok());
  }
  ~TlsPush() {
    if (forwarder_) forwarder_->Stop();
  }
  // Until one push was tried and refused, "nothing delivered" would prove nothing.
  void ExpectRefused() {
    ASSERT_TRUE(e2e::WaitFor([&] { return SinkOutcomes(*forwarder_)["retry"] >= 1; }, std::chrono::seconds(20)));
    const auto seen = SinkOutcomes(*forwarder_);
    forwarder_->Stop();
    EXPECT_TRUE(prometheus_.Query("fwd_test_tls").empty());
    EXPECT_EQ(seen.count("delivered"), 0u) << seen.at("delivered");
  }
  void ExpectDelivered() {
    ASSERT_TRUE(e2e::WaitFor([&] { return !prometheus_.Query("fwd_test_tls").empty(); }, std::chrono::seconds(20)));
    EXPECT_EQ(prometheus_.Query("fwd_test_tls")[0]["value"][1], "7");
  }

 private:
  const e2e::PrometheusReceiver& prometheus_;
  std::unique_ptr<agent::Forwarder> forwarder_;
};

TEST(ForwardRemoteWrite, TlsReceiverIsTrustedThroughTheConfiguredCaOnly) {
  e2e::TempDir dir;
  const auto tls = e2e::MakeTestCertificates((dir.path() / "certs").string());
  e2e::PrometheusReceiver prometheus((dir.path() / "prom").string(), {}, tls);
  ASSERT_FALSE(prometheus.Query("vector(1)").empty()) << prometheus.process().Log();
  // Without the CA the server certificate is not trusted: nothing is delivered, all is retried.
  TlsPush(prometheus, (dir.path() / "buffer1").string(), "").ExpectRefused();
  TlsPush(prometheus, (dir.path() / "buffer2").string(), "  tls: {caFile: " + tls.ca_file + "}\n").ExpectDelivered();
}

// Mutual TLS: a real Prometheus that requires a client certificate its CA signed.
TEST(ForwardRemoteWrite, AReceiverThatRequiresAClientCertificateTakesPushesThatPresentOne) {
  e2e::TempDir dir;
  auto tls = e2e::MakeTestCertificates((dir.path() / "certs").string());
  tls.require_client_certificate = true;
  e2e::PrometheusReceiver prometheus((dir.path() / "prom").string(), {}, tls);
  ASSERT_FALSE(prometheus.Query("vector(1)").empty()) << prometheus.process().Log();
  const std::string roots = "  tls: {caFile: " + tls.ca_file;
  TlsPush(prometheus, (dir.path() / "buffer1").string(), roots + "}\n").ExpectRefused();
  // A certificate of another CA is refused as well.
  const auto other = e2e::MakeTestCertificates((dir.path() / "other").string());
  TlsPush(prometheus, (dir.path() / "buffer2").string(),
          roots + ", certFile: " + other.client_cert_file + ", keyFile: " + other.client_key_file + "}\n")
      .ExpectRefused();
  TlsPush(prometheus, (dir.path() / "buffer3").string(),
          roots + ", certFile: " + tls.client_cert_file + ", keyFile: " + tls.client_key_file + "}\n")
      .ExpectDelivered();
}

}  // namespace
