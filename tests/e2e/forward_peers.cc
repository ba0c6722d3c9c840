#include "tests/e2e/forward_peers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>

namespace e2e {

PrometheusReceiver::PrometheusReceiver(const std::string& dir, std::vector<std::string> extra_flags,
                                       std::optional<Tls> tls)
    : port_(FreePort()), tls_(std::move(tls)) {
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1h\n";
  if (tls_) {
    std::ofstream web(dir + "/web.yml");
    web << "tls_server_config:\n  cert_file: " << tls_->cert_file << "\n  key_file: " << tls_->key_file << "\n";
    if (tls_->require_client_certificate) {
      web << "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " << tls_->ca_file << "\n";
    }
    extra_flags.push_back("--web.config.file=" + dir + "/web.yml");
  }
  argv_ = {"/usr/bin/prometheus", "--config.file=" + config, "--web.enable-remote-write-receiver",
           "--web.listen-address=127.0.0.1:" + std::to_string(port_),
           "--storage.tsdb.path=" + dir + "/tsdb"};
  argv_.insert(argv_.end(), extra_flags.begin(), extra_flags.end());
  Start();
}

void PrometheusReceiver::Start() {
  process_ = std::make_unique<Process>(argv_);
  WaitFor([&] { return Get("/-/ready").status == 200; }, std::chrono::seconds(30));
}

HttpResponse PrometheusReceiver::Get(const std::string& target) const {
  if (!tls_) return Http("GET", port_, target);
  std::vector<std::string> argv = {"/usr/bin/curl", "-s", "--cacert", tls_->ca_file, "-w", "\n%{http_code}"};
  if (tls_->require_client_certificate) {
    argv.insert(argv.end(), {"--cert", tls_->client_cert_file, "--key", tls_->client_key_file});
  }
  argv.push_back("https://127.0.0.1:" + std::to_string(port_) + target);
  auto r = e2e::Run(argv);
  const size_t cut = r.out.rfind('\n');
  if (r.exit_code != 0 || cut == std::string::npos) return {};
  return {std::atoi(r.out.c_str() + cut + 1), r.out.substr(0, cut), {}};
}

PrometheusReceiver::Tls MakeTestCertificates(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string openssl = "/usr/bin/openssl";
  std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1\n";
  Run({openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=vpsfleet-test-ca",
       "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem"});
  Run({openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
       dir + "/server.key", "-out", dir + "/server.csr"});
  Run({openssl, "x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
       "-CAcreateserial", "-days", "1", "-extfile", dir + "/san.ext", "-out", dir + "/server.pem"});
  std::ofstream(dir + "/client.ext") << "extendedKeyUsage=clientAuth\n";
  Run({openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=fleet-agent", "-keyout",
       dir + "/client.key", "-out", dir + "/client.csr"});
  Run({openssl, "x509", "-req", "-in", dir + "/client.csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
       "-CAcreateserial", "-days", "1", "-extfile", dir + "/client.ext", "-out", dir + "/client.pem"});
  return {dir + "/server.pem", dir + "/server.key", dir + "/ca.pem", dir + "/client.pem", dir + "/client.key"};
}

void PrometheusReceiver::Stop() { process_->Stop(); }

AgentProcess::AgentProcess(std::string config_path, std::vector<std::string> extra_args)
    : config_path_(std::move(config_path)), extra_args_(std::move(extra_args)), port_(FreePort()) {}

void AgentProcess::Start() {
  std::vector<std::string> argv{Bin("fleet-agent"), "--config", config_path_};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<Process>(std::move(argv));
  WaitFor([&] { return Http("GET", port_, "/-/ready").status == 200; }, std::chrono::seconds(20));
}

void AgentProcess::Kill() { process_->Stop(SIGKILL); }

double AgentProcess::Metric(const std::string& family) { return AgentMetric(port_, family); }

double AgentMetric(int port, const std::string& family) {
  auto response = Http("GET", port, "/metrics");
  if (response.status != 200) return -1;
  double sum = 0;
  bool found = false;
  std::istringstream lines(response.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(family, 0) != 0 || (line[family.size()] != ' ' && line[family.size()] != '{')) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
    found = true;
  }
  return found ? sum : -1;
}

std::string PrometheusReceiver::WriteUrl() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/api/v1/write";
}

nlohmann::json PrometheusReceiver::Query(const std::string& promql) const {
  std::string encoded;
  for (unsigned char c : promql) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
      encoded += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  auto response = Get("/api/v1/query?query=" + encoded);
  if (response.status != 200) return nlohmann::json::array();
  return nlohmann::json::parse(response.body)["data"]["result"];
}

CommandResult Docker(std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/env", "docker"});
  return e2e::Run(args);
}

TestContainers::~TestContainers() {
  for (const auto& name : names_) Docker({"rm", "-f", name});
}

std::string TestContainers::Run(const std::string& script, std::vector<std::string> flags) {
  const std::string name = prefix_ + "-" + std::to_string(::getpid()) + "-" + std::to_string(names_.size());
  std::vector<std::string> args = {"run", "-d", "--name", name};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"vpsfleet-busybox:latest", "sh", "-c", script});
  names_.push_back(name);
  auto r = Docker(args);
  if (r.exit_code != 0) ADD_FAILURE() << "docker run " << name << ": " << r.err;
  return name;
}

bool EnsureDockerd(std::string* output) {
  const std::string script = SourceDir() + "/tests/e2e/ensure-dockerd.sh";
  // Without the script (not merged yet) a daemon that already runs is good enough.
  auto r = std::filesystem::exists(script)
               ? e2e::Run({"/bin/sh", script}, "", {}, std::chrono::seconds(120))
               : Docker({"info", "--format", "{{.ServerVersion}}"});
  *output = r.out + r.err;
  return r.exit_code == 0;
}

}  // namespace e2e
