// The agent's listener with basic auth and TLS, checked with real clients (curl, openssl
// s_client) against a real fleet-agent serving a self-signed certificate made by `openssl req`.
#include <gtest/gtest.h>

#include "fleet/core/crypto.h"
#include "tests/e2e/harness.h"

namespace e2e {
namespace {

const char kPassword[] = "pw-hunter2-'\"$(touch /tmp/x)";  // hostile on purpose

// A self-signed certificate for 127.0.0.1 in dir: {cert, key}.
std::pair<std::string, std::string> SelfSigned(const TempDir& dir, const std::string& name) {
  const std::string cert = (dir.path() / (name + ".crt")).string();
  const std::string key = (dir.path() / (name + ".key")).string();
  CommandResult r = e2e::Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                         "-out", cert});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return {cert, key};
}

// A fleet-agent with basic auth (/metrics left open) and TLS at the given minimum version.
class SecureAgent {
 public:
  explicit SecureAgent(const std::string& min_version) : port_(FreePort()) {
    std::tie(cert_, key_) = SelfSigned(dir_, "agent");
    const std::string password = dir_.Write("secrets/password", kPassword, 0600);
    config_ = dir_.Write(
        "agent.yaml",
        "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: e2e\n"
        "logging: {level: debug}\n"
        "paths: {procfs: " + SourceDir() + "/tests/e2e/fixtures/host/proc}\n"
        "collectors: {enabled: [loadavg], container: {enabled: false}}\n"
        "http:\n"
        "  listen: \"127.0.0.1:" + std::to_string(port_) + "\"\n"
        "  basicAuth: {username: admin, passwordFile: " + password + "}\n"
        "  unauthenticatedPaths: [/metrics, /-/healthy]\n"
        "  tls: {certFile: " + cert_ + ", keyFile: " + key_ + ", minVersion: " + min_version + "}\n");
    process_ = std::make_unique<Process>(std::vector<std::string>{Bin("fleet-agent"), "--config", config_});
    ready_ = WaitFor([&] { return Curl({"/-/healthy"}).out == "200"; }, std::chrono::seconds(15));
  }

  // curl against the agent, trusting its certificate; out is the status code ("000": no answer).
  CommandResult Curl(std::vector<std::string> args) const {
    const std::string path = args.front();
    args.erase(args.begin());
    std::vector<std::string> argv = {"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                     "--max-time", "10", "--cacert", cert_};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(Url(path));
    return Run(argv);
  }
  std::string Url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  bool ready() const { return ready_; }
  const std::string& cert() const { return cert_; }
  std::string Log() const { return process_->Log(); }
  const TempDir& dir() const { return dir_; }
  const std::string& config() const { return config_; }

 private:
  TempDir dir_;
  int port_;
  std::string cert_, key_, config_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

const std::string kGoodUser = std::string("admin:") + kPassword;

TEST(AgentListener, BasicAuthOverTls13) {
  SecureAgent agent("TLS13");
  ASSERT_TRUE(agent.ready()) << agent.Log();
  const struct {
    const char* what;
    std::vector<std::string> curl;  // path first
    const char* want_code;
  } cases[] = {
      {"right credentials", {"/-/ready", "-u", kGoodUser}, "200"},
      {"right credentials, 404 after auth", {"/nope", "-u", kGoodUser}, "404"},
      {"no credentials", {"/-/ready"}, "401"},
      {"no credentials, unknown path not revealed", {"/nope"}, "401"},
      {"wrong password", {"/-/ready", "-u", "admin:pw-hunter"}, "401"},
      {"wrong user", {"/-/ready", "-u", std::string("root:") + kPassword}, "401"},
      {"bearer instead of basic", {"/-/ready", "-H", "Authorization: Bearer x"}, "401"},
      {"open path, no credentials", {"/metrics"}, "200"},
      {"open path, wrong credentials", {"/-/healthy", "-u", "admin:wrong"}, "200"},
      {"TLS 1.3 explicitly", {"/metrics", "--tlsv1.3"}, "200"},
  };
  for (const auto& c : cases) {
    CommandResult r = agent.Curl(c.curl);
    EXPECT_EQ(r.out, c.want_code) << c.what << ": " << r.err;
  }
  // The 401 carries the challenge.
  CommandResult headers = e2e::Run({"curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert", agent.cert(),
                               agent.Url("/-/ready")});
  EXPECT_NE(headers.out.find("WWW-Authenticate: Basic realm=\"fleet-agent\""), std::string::npos)
      << headers.out;
  // A client that stops at TLS 1.2 gets no answer; neither does plain HTTP.
  CommandResult tls12 = agent.Curl({"/metrics", "--tls-max", "1.2"});
  EXPECT_EQ(tls12.out, "000");
  EXPECT_NE(tls12.exit_code, 0);
  EXPECT_EQ(Http("GET", agent.port(), "/metrics", "", {}, std::chrono::seconds(3)).status, 0);
  CommandResult s_client12 =
      e2e::Run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(agent.port()), "-tls1_2"});
  EXPECT_NE(s_client12.exit_code, 0) << s_client12.out;
  CommandResult s_client13 =
      e2e::Run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(agent.port()), "-tls1_3"});
  EXPECT_EQ(s_client13.exit_code, 0) << s_client13.err;
  EXPECT_NE(s_client13.out.find("TLSv1.3"), std::string::npos) << s_client13.out;

  // Nothing of the password reached the log, in clear or as the header's base64, though the
  // agent logs at debug level and saw right and wrong credentials.
  const std::string log = agent.Log();
  EXPECT_NE(log.find("401"), std::string::npos) << "the debug log should show the refusals: " << log;
  for (const std::string& secret : {std::string("hunter2"), fleet::Base64Encode(kGoodUser),
                                    std::string("pw-hunter")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " leaked into the log:\n" << log;
  }
}

// `fleet-agent status` asks the agent as its config says: over TLS, with the password file's
// credentials. The same config with another password is refused by the agent (exit 2, the 401
// named), which shows the credentials really travel.
TEST(AgentListener, StatusCliUsesTheConfigsTlsAndCredentials) {
  SecureAgent agent("TLS12");
  ASSERT_TRUE(agent.ready()) << agent.Log();
  CommandResult ok = e2e::Run({Bin("fleet-agent"), "status", "--config", agent.config()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("collector/loadavg"), std::string::npos) << ok.out;

  const std::string wrong_password = agent.dir().Write("secrets/wrong", "not-the-password", 0600);
  std::string text = ReadFile(agent.config());
  text.replace(text.find(agent.dir().path().string() + "/secrets/password"),
               (agent.dir().path() / "secrets/password").string().size(), wrong_password);
  const std::string wrong_config = agent.dir().Write("wrong.yaml", text);
  CommandResult refused = e2e::Run({Bin("fleet-agent"), "status", "--config", wrong_config});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("401"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("not-the-password"), std::string::npos) << refused.err;
}

TEST(AgentListener, Tls12FloorAcceptsTls12RefusesTls11) {
  SecureAgent agent("TLS12");
  ASSERT_TRUE(agent.ready()) << agent.Log();
  EXPECT_EQ(agent.Curl({"/metrics", "--tlsv1.2", "--tls-max", "1.2"}).out, "200");
  EXPECT_EQ(agent.Curl({"/metrics", "--tlsv1.3"}).out, "200");
  // The client is told to allow TLS 1.1 (security level 0 lifts its own floor), so a refusal
  // here is the server's.
  CommandResult tls11 = e2e::Run({"openssl", "s_client", "-connect",
                             "127.0.0.1:" + std::to_string(agent.port()), "-tls1_1", "-cipher",
                             "DEFAULT:@SECLEVEL=0"});
  EXPECT_NE(tls11.exit_code, 0) << tls11.out;
  // s_client names the protocol it tried even when refused; no cipher means no session.
  EXPECT_NE(tls11.out.find("Cipher is (NONE)"), std::string::npos) << tls11.out;
}

TEST(AgentListener, CheckConfigNamesBadTlsAndAuthFiles) {
  TempDir dir;
  auto [cert, key] = SelfSigned(dir, "a");
  auto [other_cert, other_key] = SelfSigned(dir, "b");
  const std::string password = dir.Write("password", "x", 0600);
  const std::string absent = (dir.path() / "absent").string();
  const struct {
    std::string http;
    std::string want;  // substring of stderr
  } cases[] = {
      {"tls: {certFile: " + absent + ", keyFile: " + key + "}",
       "http.tls.certFile: cannot read " + absent},
      {"tls: {certFile: " + cert + ", keyFile: " + absent + "}",
       "http.tls.keyFile: cannot read " + absent},
      {"tls: {certFile: " + password + ", keyFile: " + key + "}",
       "http.tls.certFile: " + password + ": not a PEM certificate chain"},
      {"tls: {certFile: " + cert + ", keyFile: " + other_key + "}",
       "http.tls.keyFile: " + other_key + " does not match the certificate in " + cert},
      {"tls: {certFile: " + cert + ", keyFile: " + key + ", minVersion: TLS10}",
       "http.tls.minVersion: must be one of: TLS12, TLS13"},
      {"basicAuth: {username: u, passwordFile: " + absent + "}",
       "http.basicAuth.passwordFile: cannot read " + absent},
  };
  for (const auto& c : cases) {
    const std::string path = dir.Write("agent.yaml",
                                       "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n"
                                       "collectors: {enabled: [loadavg], container: {enabled: false}}\n"
                                       "http: {" + c.http + "}\n");
    CommandResult r = e2e::Run({Bin("fleet-agent"), "check-config", path});
    EXPECT_EQ(r.exit_code, 1) << c.http;
    EXPECT_NE(r.err.find(c.want), std::string::npos) << c.want << "\n" << r.err;
    // The daemon refuses the same config at start.
    CommandResult d = e2e::Run({Bin("fleet-agent"), "--config", path}, "", {}, std::chrono::seconds(10));
    EXPECT_NE(d.exit_code, 0) << c.http;
    EXPECT_NE(d.err.find(c.want), std::string::npos) << d.err;
  }
}

}  // namespace
}  // namespace e2e
