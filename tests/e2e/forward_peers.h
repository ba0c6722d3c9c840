// Real peers the forwarding e2e tests run against: a Prometheus remote-write receiver, dockerd
// containers, and a YAML agent config.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace e2e {

// `prometheus --web.enable-remote-write-receiver` on a free loopback port, scraping nothing
// (extra flags may add more). Started by the constructor; Stop/Start keep port and storage.
class PrometheusReceiver {
 public:
  // With tls (server cert + key, and the CA that signed them) it serves HTTPS only.
  struct Tls {
    std::string cert_file, key_file, ca_file;
    // A client certificate the same CA signed, for mutual TLS; the receiver requires one when
    // require_client_certificate is set (and Get presents it).
    std::string client_cert_file, client_key_file;
    bool require_client_certificate = false;
  };
  explicit PrometheusReceiver(const std::string& dir, std::vector<std::string> extra_flags = {},
                              std::optional<Tls> tls = std::nullopt);
  void Start();
  void Stop();
  int port() const { return port_; }
  std::string WriteUrl() const;
  // data.result of an instant query (empty array when it failed).
  nlohmann::json Query(const std::string& promql) const;
  Process& process() { return *process_; }

 private:
  // GET on the receiver: plain via the harness, HTTPS via curl --cacert.
  HttpResponse Get(const std::string& target) const;

  int port_;
  std::optional<Tls> tls_;
  std::vector<std::string> argv_;
  std::unique_ptr<Process> process_;
};

// A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI in dir.
PrometheusReceiver::Tls MakeTestCertificates(const std::string& dir);

// fleet-agent run from a config file; Kill is SIGKILL, Start runs it again with the same file.
class AgentProcess {
 public:
  explicit AgentProcess(std::string config_path, std::vector<std::string> extra_args = {});
  void Start();
  void Kill();
  bool Running() { return process_ && process_->Running(); }
  int port() const { return port_; }  // pass as http.listen: 127.0.0.1:<port>
  int pid() const { return process_ ? process_->pid() : -1; }
  // Sum of a family's samples on the agent's /metrics (-1 when unreachable or absent).
  double Metric(const std::string& family);
  std::string Log() const { return process_ ? process_->Log() : ""; }

 private:
  std::string config_path_;
  std::vector<std::string> extra_args_;
  int port_;
  std::unique_ptr<Process> process_;
};

// Sum of a family's samples on a fleet-agent's /metrics at 127.0.0.1:port (-1 when unreachable
// or absent).
double AgentMetric(int port, const std::string& family);

// `docker ...` via /usr/bin/env (the harness execs without a PATH search).
CommandResult Docker(std::vector<std::string> args);

// Containers started by a test and removed with it (docker rm -f), named <prefix>-<pid>-<i>.
class TestContainers {
 public:
  TestContainers(const std::string& prefix) : prefix_(prefix) {}
  ~TestContainers();
  // Starts one from the offline busybox image running `sh -c script`; returns its name.
  std::string Run(const std::string& script, std::vector<std::string> flags = {});
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::string prefix_;
  std::vector<std::string> names_;
};

// Runs tests/e2e/ensure-dockerd.sh (owned by the metrics side); false with the output on failure.
bool EnsureDockerd(std::string* output);

}  // namespace e2e
