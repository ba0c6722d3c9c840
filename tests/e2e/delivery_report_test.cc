// Health reports that never arrive: fleet-controller installs fleet-agent on a real sshd host but
// advertises a URL the agent cannot reach (a misconfigured --advertise-url). The host must not
// await its first report for ever: it turns Healthy=False (NoReport) naming that URL, the agent is
// restarted like one whose reports stopped, and a controller started with the right URL heals it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

std::string Condition(const Json& host, const std::string& type, const char* field = "status") {
  for (const auto& c : host.value("status", Json::object()).value("conditions", Json::array())) {
    if (c["type"] == type) return c[field];
  }
  return "";
}

TEST(DeliveryReports, AnUnreachableAdvertiseUrlIsNoReportAndTheRightOneHeals) {
  e2e::TempDir tmp;
  e2e::SshHost host;
  const int agent_port = e2e::FreePort();
  const std::string unreachable = "http://127.0.0.1:" + std::to_string(e2e::FreePort());
  e2e::Controller controller(tmp.path(), {"--agent-bundle", e2e::BinaryDir() + "/agent-bundle",
                                          "--report-timeout", "4", "--agent-report-interval", "1",
                                          "--resync", "2"});
  ASSERT_TRUE(controller.Start({"--advertise-url", unreachable})) << controller.Log();
  auto applied = controller.Fleetctl({"apply", "-f", "-"}, host.OneHostFleet("vps-silent", agent_port));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  auto get = [&] {
    auto r = controller.Fleetctl({"get", "host", "vps-silent", "-o", "json"});
    return r.exit_code == 0 ? Json::parse(r.out) : Json();
  };

  Json seen;
  ASSERT_TRUE(e2e::WaitFor([&] {
    seen = get();
    return Condition(seen, "Healthy", "reason") == "NoReport";
  }, 60s)) << seen.dump(2) << controller.Log();
  EXPECT_EQ(Condition(seen, "Healthy"), "False");
  EXPECT_EQ(Condition(seen, "AgentInstalled"), "True") << "installed, running, and not heard from";
  EXPECT_NE(Condition(seen, "Healthy", "message").find("can the host reach " + unreachable + "?"),
            std::string::npos) << Condition(seen, "Healthy", "message");
  EXPECT_EQ(e2e::Http("GET", agent_port, "/-/healthy").status, 200) << "the agent itself runs";
  // It is restarted as an agent whose reports stopped would be, and says why it is silent.
  auto described = controller.Fleetctl({"describe", "host", "vps-silent"});
  EXPECT_TRUE(std::regex_search(described.out, std::regex("Normal +Delivering +.*no report since the agent started")))
      << described.out;
  EXPECT_TRUE(e2e::WaitFor([&] {
    return e2e::ReadFile(host.install_dir() + "/log/agent.log").find("health report failed") != std::string::npos;
  }, 10s)) << e2e::ReadFile(host.install_dir() + "/log/agent.log");

  // The same store, the right URL (the API's own): the new URL is a new revision, and it reports.
  controller.Stop();
  ASSERT_TRUE(controller.Start()) << controller.Log();
  ASSERT_TRUE(e2e::WaitFor([&] {
    seen = get();
    return Condition(seen, "Healthy") == "True";
  }, 60s)) << seen.dump(2) << controller.Log();
  EXPECT_NE(e2e::ReadFile(host.install_dir() + "/config.yaml").find(controller.url()), std::string::npos);
}

}  // namespace
