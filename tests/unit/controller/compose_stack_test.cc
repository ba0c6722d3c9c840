#include "controller/compose_stack.h"

#include <gtest/gtest.h>

#include "fleet/core/text.h"

namespace controller {
namespace {

using fleet::Json;

// One container of `docker inspect` as Docker prints it (the fields StackHealth reads).
Json Container(const std::string& service, const std::string& status, Json extra_state = Json::object()) {
  Json state = {{"Status", status}, {"ExitCode", status == "exited" ? 137 : 0}};
  state.update(extra_state);
  return {{"Config", {{"Labels", {{"com.docker.compose.project", "p"}, {"com.docker.compose.service", service}}}}},
          {"State", state}};
}

TEST(StackHealthTest, Table) {
  struct Row {
    const char* name;
    Json containers;
    const char* status;
    const char* message;
  };
  const Json all_up = {Container("alloy", "running"), Container("node-exporter", "running"),
                       Container("cadvisor", "running")};
  const std::vector<Row> table = {
      {"all running", all_up, "True", "compose project p: alloy, node-exporter and cadvisor running"},
      {"nothing there", Json::array(), "False",
       "compose project p: alloy: no container; node-exporter: no container; cadvisor: no container"},
      {"one exited, OOM-killed",
       {Container("alloy", "exited", {{"OOMKilled", true}}), Container("node-exporter", "running"),
        Container("cadvisor", "running")},
       "False", "compose project p: alloy: exited (code 137), OOM-killed"},
      {"restarting", {Container("alloy", "running"), Container("node-exporter", "restarting"), Container("cadvisor", "running")},
       "False", "compose project p: node-exporter: restarting"},
      {"a failing health check",
       {Container("alloy", "running", {{"Health", {{"Status", "unhealthy"}}}}), Container("node-exporter", "running"),
        Container("cadvisor", "running", {{"Health", {{"Status", "healthy"}}}})},
       "False", "compose project p: alloy: running, health unhealthy"},
      {"other containers and junk are ignored",
       {Container("alloy", "running"), Container("node-exporter", "running"), Container("cadvisor", "running"),
        Container("sidecar", "exited"), 42, Json::object(), {{"Config", {{"Labels", "x"}}}}},
       "True", "compose project p: alloy, node-exporter and cadvisor running"},
      {"a state that is not an object", {Container("alloy", "running"), Container("node-exporter", "running"),
                                         {{"Config", {{"Labels", {{"com.docker.compose.service", "cadvisor"}}}}}, {"State", 1}}},
       "False", "compose project p: cadvisor: no state"},
  };
  // What the host prints is quoted bounded and as valid UTF-8.
  const fleet::Condition hostile = StackHealth(
      {Container("alloy", std::string("\xff\xfe") + std::string(100, 'x')), Container("node-exporter", "running"),
       Container("cadvisor", "running", {{"Health", {{"Status", "\xc3"}}}})},
      "p");
  EXPECT_EQ(hostile.status, "False");
  EXPECT_TRUE(fleet::IsUtf8(hostile.message)) << hostile.message;
  EXPECT_LT(hostile.message.size(), 200u) << hostile.message;
  EXPECT_EQ(hostile.message.find(std::string(40, 'x')), std::string::npos) << "the status is cut: " << hostile.message;
  for (const Row& row : table) {
    SCOPED_TRACE(row.name);
    const fleet::Condition c = StackHealth(row.containers, "p");
    EXPECT_EQ(c.type, "Healthy");
    EXPECT_EQ(c.status, row.status);
    EXPECT_EQ(c.reason, std::string(row.status) == "True" ? "StackHealthy" : "StackUnhealthy");
    EXPECT_EQ(c.message, row.message);
  }
}

}  // namespace
}  // namespace controller
