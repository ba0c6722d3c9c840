// The body of the agent's health report: component health decides `healthy`, and the memory
// budget and pressure ride along with RSS and CPU when the agent has a budget.
#include "agent/health_reporter.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

TEST(HealthReporter, ReportCarriesComponentsAndMemoryUse) {
  const struct {
    const char* name;
    std::vector<ComponentHealth> components;
    MemoryUse memory;
    bool want_healthy;
    const char* want_pressure;  // nullptr: no budget, so no budget fields
  } cases[] = {
      {"all healthy, no budget", {{"collector/cpu", true, ""}}, {}, true, nullptr},
      {"a failing sink", {{"collector/cpu", true, ""}, {"sink/loki", false, "503"}}, {}, false, nullptr},
      // An application that is down is not the agent's failure; it is reported all the same.
      {"a down scrape target", {{"collector/cpu", true, ""}, {"scrape/app/h:1", false, "fetch: refused", false}},
       {}, true, nullptr},
      {"a down target and a failing sink",
       {{"scrape/app/h:1", false, "fetch: refused", false}, {"sink/loki", false, "503"}}, {}, false, nullptr},
      {"budget, no pressure", {{"collector/cpu", true, ""}}, {32 << 20, MemoryPressure::kNone}, true, "none"},
      {"over the budget", {{"collector/cpu", true, ""}}, {32 << 20, MemoryPressure::kOver}, true, "over"},
  };
  AgentConfig config;
  config.revision = "r1";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    HealthReporter reporter(config, [&] { return c.components; }, [&] { return c.memory; });
    const fleet::Json report = reporter.BuildReport();
    EXPECT_EQ(report["revision"], "r1");
    EXPECT_EQ(report["healthy"], c.want_healthy);
    EXPECT_EQ(report["components"].size(), c.components.size());
    const fleet::Json& resources = report["resources"];
    EXPECT_GT(resources["rssBytes"].get<double>(), 0) << "read from this process's statm";
    EXPECT_TRUE(resources.contains("cpuSeconds"));
    if (c.want_pressure) {
      EXPECT_EQ(resources["memoryBudgetBytes"], c.memory.budget_bytes);
      EXPECT_EQ(resources["memoryPressure"], c.want_pressure);
    } else {
      EXPECT_FALSE(resources.contains("memoryBudgetBytes"));
      EXPECT_FALSE(resources.contains("memoryPressure"));
    }
  }
  const fleet::Json failing = HealthReporter(config, [] { return std::vector<ComponentHealth>{{"sink/loki", false, "503"}}; },
                                             [] { return MemoryUse{}; })
                                  .BuildReport();
  EXPECT_EQ(failing["components"][0]["message"], "503");
}

}  // namespace
}  // namespace agent
