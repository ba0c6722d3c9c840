// The real fleet-controller driven by the real fleetctl binary, as a user or a CI job would.
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/harness.h"

namespace {

using e2e::Bin;

using Json = nlohmann::json;

using e2e::ReadFile;

class ControllerE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<e2e::Controller>(tmp_.path());
    ASSERT_TRUE(controller_->Start()) << controller_->Log();
  }

  e2e::CommandResult Fleetctl(std::vector<std::string> args, const std::string& stdin_data = "") {
    return controller_->Fleetctl(std::move(args), stdin_data, std::chrono::seconds(60));
  }

  std::string Example() { return e2e::SourceDir() + "/examples/hosts.yaml"; }

  e2e::TempDir tmp_;
  std::unique_ptr<e2e::Controller> controller_;
};

TEST_F(ControllerE2E, ApplyGetDescribeDeleteTheExampleFleet) {
  auto first = Fleetctl({"apply", "-f", Example()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("host/atl-chat created (via hostgroup/atl)\n"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("hostgroup/atl created\n"), std::string::npos);
  EXPECT_NE(first.out.find("host/fra-db created\n"), std::string::npos);
  EXPECT_NE(first.out.find("secret/central-auth created\n"), std::string::npos);

  auto again = Fleetctl({"apply", "-f", Example()});
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out.find("created"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("configured"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("host/fra-db unchanged"), std::string::npos);

  auto table = Fleetctl({"get", "hosts"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("^NAME +ADDRESS +PROFILE +READY +VERSION +REVISION +LAST-SEEN +AGE\n")))
      << table.out;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("\natl-network +100\\.64\\.2\\.11 +standard ")));

  auto json = Fleetctl({"get", "hosts", "-l", "region=atl", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0);
  auto list = Json::parse(json.out);
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "atl-chat");
  EXPECT_EQ(list["items"][0]["spec"]["ssh"]["port"], 22) << "CRD default applied";

  auto one = Fleetctl({"get", "host", "fra-db", "-o", "yaml"});
  ASSERT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("kind: Host\n"), std::string::npos);
  EXPECT_NE(one.out.find("port: 2222"), std::string::npos);

  auto described = Fleetctl({"describe", "host", "atl-chat"});
  ASSERT_EQ(described.exit_code, 0);
  EXPECT_NE(described.out.find("Controlled By: HostGroup/atl"), std::string::npos) << described.out;

  auto del = Fleetctl({"delete", "host", "fra-db"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "host/fra-db deleted\n");
  auto gone = Fleetctl({"get", "host", "fra-db"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("host/fra-db not found"), std::string::npos) << gone.err;
  EXPECT_EQ(Fleetctl({"delete", "host", "fra-db", "--ignore-not-found"}).exit_code, 0);

  auto owned = Fleetctl({"delete", "host", "atl-chat"});
  EXPECT_EQ(owned.exit_code, 1);
  EXPECT_NE(owned.err.find("managed by hostgroup/atl"), std::string::npos);

  auto group = Fleetctl({"delete", "-f", Example()});
  EXPECT_EQ(group.exit_code, 1) << "fra-db is already gone: " << group.out;
  EXPECT_NE(group.out.find("host/atl-chat deleted (via hostgroup/atl)"), std::string::npos) << group.out;
  EXPECT_EQ(Fleetctl({"get", "hosts", "-o", "name"}).out, "");
}

TEST_F(ControllerE2E, DiffExitCodesFollowKubectl) {
  auto before = Fleetctl({"diff", "-f", Example()});
  EXPECT_EQ(before.exit_code, 1) << "everything is new: " << before.err;
  EXPECT_NE(before.out.find("+++ merged/host/fra-db"), std::string::npos);
  ASSERT_EQ(Fleetctl({"apply", "-f", Example()}).exit_code, 0);
  auto same = Fleetctl({"diff", "-f", Example()});
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_EQ(same.out, "");

  std::string changed = ReadFile(Example());
  changed.replace(changed.find("port: 2222"), 10, "port: 2200");
  auto diff = Fleetctl({"diff", "-f", "-"}, changed);
  EXPECT_EQ(diff.exit_code, 1);
  EXPECT_NE(diff.out.find("-    port: 2222\n+    port: 2200\n"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("-  generation: 1\n+  generation: 2\n"), std::string::npos) << diff.out;

  auto bad = Fleetctl({"diff", "-f", "-"}, "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: x}\nspec:\n  address: a\n  profile: p\n  ssh: {port: 70000}\n");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("<stdin>:7:15: spec.ssh.port: must be <= 65535"), std::string::npos) << bad.err;
}

TEST_F(ControllerE2E, ABadDocumentAppliesNothing) {
  std::string text = ReadFile(Example()) +
                     "---\napiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: broken}\n"
                     "spec:\n  address: 10.0.0.9\n  profile: standard\n  ssh: {port: 99999}\n";
  std::string path = tmp_.Write("fleet.yaml", text);
  auto r = Fleetctl({"apply", "-f", path});
  EXPECT_EQ(r.exit_code, 1);
  int line = 0;
  for (char c : ReadFile(Example())) line += c == '\n';
  std::string want = path + ":" + std::to_string(line + 8) + ":15: spec.ssh.port: must be <= 65535";
  EXPECT_NE(r.err.find(want), std::string::npos) << r.err << "\nwanted: " << want;
  EXPECT_EQ(Fleetctl({"get", "hosts", "-o", "name"}).out, "");
  EXPECT_EQ(Fleetctl({"get", "secrets", "-o", "name"}).out, "");

  // Server-side failures are atomic too: a group colliding with an existing standalone host.
  ASSERT_EQ(Fleetctl({"apply", "-f", "-"}, "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: atl-chat}\nspec: {address: x, profile: p}\n").exit_code, 0);
  auto clash = Fleetctl({"apply", "-f", Example()});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_NE(clash.err.find("host/atl-chat already exists as a standalone Host"), std::string::npos) << clash.err;
  EXPECT_EQ(Fleetctl({"get", "hosts", "-o", "name"}).out, "host/atl-chat\n");
}

TEST_F(ControllerE2E, DryRunWritesNothing) {
  auto server = Fleetctl({"apply", "-f", Example(), "--dry-run=server"});
  ASSERT_EQ(server.exit_code, 0) << server.err;
  EXPECT_NE(server.out.find("host/fra-db created (server dry run)"), std::string::npos);
  auto client = Fleetctl({"apply", "-f", Example(), "--dry-run=client"});
  ASSERT_EQ(client.exit_code, 0);
  EXPECT_EQ(Fleetctl({"get", "hosts", "-o", "name"}).out, "");
}

TEST_F(ControllerE2E, RequestsWithoutTheTokenAreRefused) {
  auto token_mode = [&] {
    struct stat st{};
    ::stat(controller_->token_file().c_str(), &st);
    return st.st_mode & 0777;
  };
  EXPECT_EQ(token_mode(), 0600u);
  EXPECT_EQ(e2e::Http("GET", controller_->port(), "/apis/vpsfleet.io/v1alpha1/hosts").status, 401);
  EXPECT_EQ(e2e::Http("GET", controller_->port(), "/apis/vpsfleet.io/v1alpha1/hosts", "",
                      {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(e2e::Http("GET", controller_->port(), "/apis/vpsfleet.io/v1alpha1/hosts", "",
                      {{"Authorization", "Bearer " + controller_->token()}}).status, 200);
  auto r = e2e::Run({Bin("fleetctl"), "--server", controller_->url(), "--token", "nope", "get", "hosts"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a valid bearer token is required"), std::string::npos) << r.err;
  EXPECT_EQ(e2e::Http("GET", controller_->port(), "/healthz").status, 200);
  auto metrics = e2e::Http("GET", controller_->port(), "/metrics");
  EXPECT_NE(metrics.body.find("fleet_apiserver_requests_total{verb=\"list\",resource=\"hosts\",code=\"401\"} 3"),
            std::string::npos) << metrics.body;
}

TEST_F(ControllerE2E, SecretsAreNeverPrinted) {
  ASSERT_EQ(Fleetctl({"apply", "-f", Example()}).exit_code, 0);
  for (auto args : std::vector<std::vector<std::string>>{{"get", "secrets", "-o", "yaml"},
                                                         {"get", "secret", "central-auth", "-o", "json"},
                                                         {"describe", "secret", "central-auth"},
                                                         {"apply", "-f", Example(), "-o", "yaml"}}) {
    auto r = Fleetctl(args);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out.find("change-me-central-password"), std::string::npos) << args[0];
    EXPECT_EQ(r.out.find("Y2hhbmdlLW1lLWNlbnRyYWwtcGFzc3dvcmQ"), std::string::npos) << args[0];
  }
  EXPECT_EQ(controller_->Log().find("change-me"), std::string::npos);
}

TEST_F(ControllerE2E, StateSurvivesARestart) {
  ASSERT_EQ(Fleetctl({"apply", "-f", Example()}).exit_code, 0);
  auto before = Fleetctl({"get", "hosts", "-o", "json"});
  int status = controller_->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << "SIGTERM must shut down cleanly";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto down = Fleetctl({"get", "hosts"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("cannot reach the controller"), std::string::npos) << down.err;
  ASSERT_TRUE(controller_->Start()) << controller_->Log();
  auto after = Fleetctl({"get", "hosts", "-o", "json"});
  ASSERT_EQ(after.exit_code, 0);
  EXPECT_EQ(Json::parse(after.out), Json::parse(before.out));
  EXPECT_EQ(Fleetctl({"apply", "-f", Example()}).out.find("created"), std::string::npos);
}

TEST_F(ControllerE2E, WatchStreamsChangesInOrder) {
  ASSERT_EQ(Fleetctl({"apply", "-f", Example()}).exit_code, 0);
  e2e::HttpResponse watch;
  std::thread watcher([&] {
    watch = e2e::Http("GET", controller_->port(),
                      "/apis/vpsfleet.io/v1alpha1/hosts?watch=true&timeoutSeconds=3&labelSelector=region%3Dfra",
                      "", {{"Authorization", "Bearer " + controller_->token()}}, std::chrono::seconds(10));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(Fleetctl({"delete", "host", "fra-db"}).exit_code, 0);
  watcher.join();
  ASSERT_EQ(watch.status, 200);
  std::vector<std::string> types;
  std::istringstream lines(watch.body);
  for (std::string line; std::getline(lines, line);) {
    auto e = Json::parse(line);
    EXPECT_EQ(e["object"]["metadata"]["name"], "fra-db");
    types.push_back(e["type"]);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"ADDED", "DELETED"}));
}

TEST_F(ControllerE2E, ConfigContextsAndErrors) {
  std::string cfg = (tmp_.path() / "ctx.yaml").string();
  auto set = e2e::Run({Bin("fleetctl"), "--config", cfg, "config", "set-context", "local", "--server",
                  controller_->url(), "--token-file", controller_->token_file()});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  struct stat st{};
  ::stat(cfg.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto ver = e2e::Run({Bin("fleetctl"), "--config", cfg, "version"});
  EXPECT_EQ(ver.exit_code, 0) << ver.err;
  EXPECT_NE(ver.out.find("Server Version: "), std::string::npos);
  auto unknown_flag = e2e::Run({Bin("fleetctl"), "get", "hosts", "--frobnicate"});
  EXPECT_NE(unknown_flag.exit_code, 0);
  auto unknown_kind = Fleetctl({"get", "gadgets"});
  EXPECT_EQ(unknown_kind.exit_code, 1);
  EXPECT_NE(unknown_kind.err.find("doesn't have a resource type \"gadgets\""), std::string::npos);
  auto help = e2e::Run({Bin("fleetctl"), "apply", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--dry-run"), std::string::npos);
}

// A report timeout that one late report would exceed makes hosts flap between Healthy and not
// reporting (it did in this suite's own delivery tests); the controller refuses to start with it.
TEST(ControllerFlags, AReportTimeoutUnderTwoReportIntervalsIsRefused) {
  e2e::TempDir tmp;
  // A data dir that is a file: a controller that accepts its flags stops at opening the store,
  // so no case starts a server.
  tmp.Write("not-a-dir", "");
  struct Case {
    std::string timeout, interval;
    bool refused;
  };
  for (const Case& c : {Case{"10", "15", true}, Case{"10", "10", true}, Case{"19", "10", true},
                        Case{"20", "10", false}}) {
    SCOPED_TRACE("--report-timeout " + c.timeout + " --agent-report-interval " + c.interval);
    auto r = e2e::Run({Bin("fleet-controller"), "--data-dir", (tmp.path() / "not-a-dir").string(),
                       "--report-timeout", c.timeout, "--agent-report-interval", c.interval});
    EXPECT_NE(r.exit_code, 0);
    const bool flag_error = r.err.find("less than twice --agent-report-interval") != std::string::npos;
    EXPECT_EQ(flag_error, c.refused) << r.err;
  }
}

}  // namespace
