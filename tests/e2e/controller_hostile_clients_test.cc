// Hostile clients against the real fleet-controller API: bodies too large or nested too deep,
// garbage sent to the agents' report endpoint, random paths, methods nothing routes, slow
// clients. After each, an ordinary authenticated apply still works.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/harness.h"
#include "tests/e2e/hostile_clients.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using e2e::kMiB;
using e2e::RssBytes;
using e2e::SendAll;
using e2e::StreamBody;

const std::string kApi = "/apis/vpsfleet.io/v1alpha1";
class HostileClients : public ::testing::Test {
 protected:
  void SetUp() override {
    // With an agent bundle, so that the report endpoint is served (no host is ever applied).
    controller_ = std::make_unique<e2e::Controller>(
        tmp_.path(), std::vector<std::string>{"--agent-bundle", e2e::BinaryDir() + "/agent-bundle"});
    ASSERT_TRUE(controller_->Start()) << controller_->Log();
    auth_ = {{"Authorization", "Bearer " + controller_->token()}};
  }

  int port() const { return controller_->port(); }

  // An ordinary apply through fleetctl, as after every hostile step.
  void ExpectStillServes() {
    const std::string name = "still-" + std::to_string(applies_++);
    auto r = controller_->Fleetctl(
        {"apply", "-f", "-"},
        "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: " + name +
            "}\nspec:\n  collectors: {enabled: [loadavg], container: {enabled: false}}\n",
        std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 0) << r.err << controller_->Log();
    EXPECT_EQ(r.out, "agentprofile/" + name + " created\n");
  }

  std::string AuthHead(const std::string& method, const std::string& target) const {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
           controller_->token() + "\r\n";
  }

  e2e::TempDir tmp_;
  std::unique_ptr<e2e::Controller> controller_;
  std::map<std::string, std::string> auth_;
  int applies_ = 0;
};

std::string Reason(const e2e::HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("reason", "") + ": " + j.value("message", "") : r.body;
}

TEST_F(HostileClients, JsonNestedTooDeepIsRefusedBeforeItIsBuilt) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"v\":";
  deep += "1" + std::string(100000, '}');
  const std::string host = R"({"apiVersion":"vpsfleet.io/v1alpha1","kind":"Host","metadata":{"name":"deep"},)"
                           R"("spec":{"address":"10.0.0.1","profile":"standard","vars":)" + deep + "}}";
  const struct {
    std::string name, method, target, body;
  } cases[] = {
      {"apply", "POST", kApi + "/apply", R"({"apiVersion":"v1","kind":"List","items":[)" + host + "]}"},
      {"create", "POST", kApi + "/hosts", host},
      {"update", "PUT", kApi + "/hosts/deep", host},
  };
  for (const auto& c : cases) {
    auto r = e2e::Http(c.method, port(), c.target, c.body, auth_);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body << controller_->Log();
    EXPECT_EQ(Reason(r), "BadRequest: request body: JSON nested deeper than 100 levels") << c.name;
    ExpectStillServes();
  }
}

TEST_F(HostileClients, MalformedJsonIs400) {
  const struct {
    std::string name, method, target, body;
    int status;
    std::string reason;
  } cases[] = {
      {"create", "POST", kApi + "/hosts", "{\"kind\":", 400,
       "BadRequest: request body: not valid JSON: parse error at line 1, column 9: syntax error "
       "while parsing value - unexpected end of input; expected '[', '{', or a literal"},
      {"apply", "POST", kApi + "/apply", "kind: List", 400,
       "BadRequest: request body: not valid JSON: parse error at line 1, column 1: syntax error "
       "while parsing value - invalid literal"},
      {"invalid UTF-8", "PUT", kApi + "/hosts/x", "\"\xff\"", 400,
       "BadRequest: request body: not valid JSON: parse error at line 1, column 2: syntax error "
       "while parsing value - invalid string: ill-formed UTF-8 byte"},
      {"JSON but not a List", "POST", kApi + "/apply", "[]", 400, "BadRequest: body must be a List with items"},
  };
  for (const auto& c : cases) {
    auto r = e2e::Http(c.method, port(), c.target, c.body, auth_);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(Reason(r), c.reason) << c.name;
  }
  ExpectStillServes();
}

TEST_F(HostileClients, OversizeBodiesAre413AndNeverBuffered) {
  const int pid = controller_->pid();
  const size_t base = RssBytes(pid);
  const size_t cap = base + 256 * kMiB;  // where sending stops: well past what the fix allows
  const struct {
    std::string name, head;
    bool chunked;
    int status;
    std::string reason;
  } cases[] = {
      {"apply, 1 GiB declared", AuthHead("POST", kApi + "/apply"), false, 413,
       "request body of 1073741824 bytes is larger than the limit of 33554432 bytes (--max-apply-bytes)"},
      {"create, 1 GiB declared", AuthHead("POST", kApi + "/hosts"), false, 413,
       "request body of 1073741824 bytes is larger than the limit of 3145728 bytes (--max-request-bytes)"},
      {"create, chunked", AuthHead("POST", kApi + "/hosts"), true, 413,
       "request body is larger than the limit of 3145728 bytes (--max-request-bytes)"},
      {"update, chunked", AuthHead("PUT", kApi + "/hosts/x"), true, 413,
       "request body is larger than the limit of 3145728 bytes (--max-request-bytes)"},
      {"no token", "POST " + kApi + "/apply HTTP/1.1\r\nHost: 127.0.0.1\r\n", false, 401,
       "a valid bearer token is required"},
      {"no token, chunked", "POST " + kApi + "/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\n", true, 401,
       "a valid bearer token is required"},
      {"a wrong method", AuthHead("DELETE", kApi + "/hosts"), false, 405,
       "method DELETE is not allowed here; allowed: GET, POST"},
  };
  for (const auto& c : cases) {
    auto r = StreamBody(port(), pid, c.head, 1024 * kMiB, c.chunked, cap);
    const size_t after = RssBytes(pid);
    std::printf("%s: answered %d after %zu MiB sent; controller RSS %zu MiB before, peak %zu MiB, "
                "%zu MiB after\n",
                c.name.c_str(), r.status, r.sent / kMiB, base / kMiB, r.peak_rss / kMiB, after / kMiB);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.response.substr(0, 300);
    EXPECT_NE(r.response.find("\"message\":\"" + c.reason + "\""), std::string::npos)
        << c.name << ": " << r.response.substr(0, 300);
    EXPECT_NE(r.response.find("Connection: close\r\n"), std::string::npos) << c.name;
    // The limit plus what is in flight (the socket's buffers, cpprestsdk's 64 KiB reads).
    EXPECT_LT(r.sent, 64 * kMiB) << c.name << ": the controller kept reading";
    EXPECT_LT(r.peak_rss, base + 64 * kMiB) << c.name;
    ASSERT_TRUE(e2e::WaitFor([&] { return e2e::Http("GET", port(), "/readyz").status == 200; }, 5s));
    ExpectStillServes();
  }
}

TEST_F(HostileClients, AReportIsAuthenticatedBeforeItsBodyIsRead) {
  const std::string report = kApi + "/hosts/vps-1/report";
  const struct {
    std::string name, body;
    std::map<std::string, std::string> headers;
  } cases[] = {
      {"no token", "{{{ not JSON", {}},
      {"a wrong token", "{{{ not JSON", {{"Authorization", "Bearer not-the-host-token"}}},
      {"the user token", "{{{ not JSON", auth_},
      {"deep", std::string(100000, '['), {{"Authorization", "Bearer not-the-host-token"}}},
  };
  for (const auto& c : cases) {
    auto r = e2e::Http("POST", port(), report, c.body, c.headers);
    EXPECT_EQ(r.status, 401) << c.name << ": " << r.body;
    EXPECT_EQ(Reason(r), "Unauthorized: invalid or missing agent token for host/vps-1") << c.name;
  }
  const int pid = controller_->pid();
  const size_t base = RssBytes(pid);
  auto huge = StreamBody(port(), pid,
                         "POST " + report + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n",
                         1024 * kMiB, false, base + 256 * kMiB);
  std::printf("report, 1 GiB, wrong token: answered %d after %zu MiB sent; RSS peak %zu MiB\n",
              huge.status, huge.sent / kMiB, huge.peak_rss / kMiB);
  EXPECT_EQ(huge.status, 401) << huge.response.substr(0, 300);
  EXPECT_LT(huge.sent, 64 * kMiB);
  EXPECT_EQ(e2e::Http("GET", port(), report, "", auth_).status, 405) << "reports are POSTed";
  ExpectStillServes();
}

// The API's series on /metrics (each line without its value; the reconcilers' series come and
// go with their loops).
std::set<std::string> ApiSeries(int port) {
  std::set<std::string> out;
  std::istringstream text(e2e::Http("GET", port, "/metrics").body);
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("fleet_apiserver_", 0) == 0) out.insert(line.substr(0, line.rfind(' ')));
  }
  return out;
}

TEST_F(HostileClients, RandomPathsDoNotGrowMetrics) {
  std::mt19937 random(15);
  auto word = [&] {
    std::string w;
    for (int i = 0; i < 8; ++i) w += static_cast<char>('a' + random() % 26);
    return w;
  };
  auto hostile = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const std::string target = i % 2 ? kApi + "/" + word() + "/x" : "/" + word() + "/" + word();
      const char* method = i % 3 == 0 ? "POST" : i % 3 == 1 ? "GET" : "BREW";
      auto r = e2e::Http(method, port(), target);
      ASSERT_TRUE(r.status == 401 || r.status == 405) << method << " " << target << ": " << r.status;
    }
  };
  hostile(10);            // the series these requests make, once
  ApiSeries(port());  // and /metrics' own
  const auto before = ApiSeries(port());
  hostile(2000);
  const auto after = ApiSeries(port());
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
  EXPECT_EQ(after.size(), before.size()) << testing::PrintToString(added);
  const std::string metrics = e2e::Http("GET", port(), "/metrics").body;
  EXPECT_NE(metrics.find("fleet_apiserver_requests_total{verb=\"other\",resource=\"unknown\",code=\"405\"}"),
            std::string::npos)
      << metrics;
  ExpectStillServes();
}

TEST_F(HostileClients, MethodsNothingRoutesAre405WithoutEcho) {
  const struct {
    std::string name, method, target;
    bool with_token;
    std::string allow;
  } cases[] = {
      {"TRACE", "TRACE", "/", false, "GET, POST, PUT, DELETE"},
      {"TRACE with the token", "TRACE", kApi + "/hosts", true, "GET, POST, PUT, DELETE"},
      {"OPTIONS", "OPTIONS", kApi + "/hosts", false, "GET, POST, PUT, DELETE"},
      {"PATCH", "PATCH", kApi + "/hosts/x", true, "GET, POST, PUT, DELETE"},
      {"HEAD", "HEAD", "/healthz", false, "GET, POST, PUT, DELETE"},
      {"POST healthz", "POST", "/healthz", false, "GET"},
      {"PUT on a collection", "PUT", kApi + "/hosts", true, "GET, POST"},
      {"DELETE on apply", "DELETE", kApi + "/apply", true, "POST"},
      {"POST on an object", "POST", kApi + "/hosts/x", true, "GET, PUT, DELETE"},
      {"DELETE on status", "DELETE", kApi + "/hosts/x/status", true, "GET, PUT"},
  };
  const std::string secret = "Bearer do-not-echo-this";
  for (const auto& c : cases) {
    auto headers = c.with_token ? auth_ : std::map<std::string, std::string>{{"Authorization", secret}};
    auto r = e2e::Http(c.method, port(), c.target, "", headers);
    EXPECT_EQ(r.status, 405) << c.name << ": " << r.body;
    EXPECT_EQ(r.headers["allow"], c.allow) << c.name;
    EXPECT_EQ(r.body.find("Bearer"), std::string::npos) << c.name << ": " << r.body;
    if (c.method != "HEAD") {
      EXPECT_EQ(Reason(r), "MethodNotAllowed: method " + c.method + " is not allowed here; allowed: " + c.allow)
          << c.name;
    }
  }
  // Paths that do not exist stay 404, whatever the method.
  EXPECT_EQ(e2e::Http("GET", port(), kApi + "/hosts/x/nothing", "", auth_).status, 404);
  EXPECT_EQ(e2e::Http("PUT", port(), kApi + "/widgets", "", auth_).status, 404);
  ExpectStillServes();
}

TEST_F(HostileClients, SlowClientsDoNotStopOthers) {
  // Started as systemd starts a service: a soft limit of 1024 open files.
  rlimit mine{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &mine), 0);
  if (mine.rlim_max < 4096) GTEST_SKIP() << "needs a hard limit of 4096 open files";
  controller_->Stop();
  rlimit systemd = mine;
  systemd.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &systemd), 0);
  const bool started = controller_->Start();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &mine), 0);
  ASSERT_TRUE(started) << controller_->Log();

  std::vector<int> slow;
  auto open_slow = [&](int n, const std::string& first_bytes) {
    for (int i = 0; i < n; ++i) {
      int fd = e2e::ConnectLoopback(port());
      ASSERT_GE(fd, 0);
      ASSERT_TRUE(SendAll(fd, first_bytes));
      slow.push_back(fd);
    }
  };
  // Heads that never end (a slowloris at its slowest), more than 1024 of them.
  open_slow(1100, "GET " + kApi + "/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a");
  // Bodies that stop after their first byte, more than cpprestsdk's 40 threads: with the token,
  // and to the report endpoint with a wrong one.
  open_slow(60, AuthHead("POST", kApi + "/hosts") + "Content-Length: 1000\r\n\r\n{");
  open_slow(60, "POST " + kApi + "/hosts/vps-1/report HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer wrong\r\nContent-Length: 1000\r\n\r\n{");
  EXPECT_EQ(e2e::Http("GET", port(), "/readyz", "", {}, 5s).status, 200);
  EXPECT_EQ(e2e::Http("GET", port(), kApi + "/hosts", "", auth_, 5s).status, 200);
  ExpectStillServes();
  for (int fd : slow) ::close(fd);
}

}  // namespace
