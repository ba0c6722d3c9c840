// The status page: agent/status/status_page.html, embedded at build time, served as it is.
#include "agent/status/status_page.h"

#include <gtest/gtest.h>

#include "fleet/core/files.h"

namespace agent::status {
namespace {

TEST(StatusPage, IsTheHtmlFileByteForByte) {
  const auto file = fleet::ReadFileText(std::string(VPSFLEET_SOURCE_DIR) + "/agent/status/status_page.html");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(StatusPageHtml(), *file);
  EXPECT_EQ(StatusPageHtml().rfind("<!DOCTYPE html>", 0), 0u);
}

// The page carries no server-side data: the agent's strings (component names, errors, config
// paths) reach it as JSON and are set with textContent, so no markup in them is ever parsed.
TEST(StatusPage, SetsAgentDataAsTextNeverAsMarkup) {
  const std::string_view page = StatusPageHtml();
  for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("}) {
    EXPECT_EQ(page.find(sink), std::string_view::npos) << sink;
  }
  EXPECT_NE(page.find("textContent"), std::string_view::npos);
  EXPECT_EQ(page.find("src=\"http"), std::string_view::npos) << "loads nothing from elsewhere";
}

}  // namespace
}  // namespace agent::status
