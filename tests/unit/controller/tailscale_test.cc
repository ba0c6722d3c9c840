// Resolving hosts by tailnet name against `tailscale status --json` output (the real format,
// captured into tailscale_status.json next to this file).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "controller/tailscale.h"

namespace controller {
namespace {

std::string Fixture() {
  std::ifstream in(std::string(VPSFLEET_SOURCE_DIR) + "/tests/unit/controller/tailscale_status.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Tailscale, ResolvesByEveryKindOfNameTable) {
  const std::string status = Fixture();
  ASSERT_FALSE(status.empty());
  const struct {
    const char* name;
    const char* want_ip;
  } cases[] = {
      {"atl-chat", "100.64.2.10"},                      // HostName and short DNS name; IPv6 first
      {"atl-chat.tail4f2a9.ts.net", "100.64.2.10"},     // MagicDNS name
      {"atl-chat.tail4f2a9.ts.net.", "100.64.2.10"},    // with the trailing dot
      {"ATL-Chat", "100.64.2.10"},                      // DNS is case-insensitive
      {"atl-network", "100.64.2.11"},                   // HostName differs from DNS label
      {"atl-network-1", "100.64.2.11"},
      {"100.64.2.11", "100.64.2.11"},                   // by tailnet address
      {"fd7a:115c:a1e0::b", "100.64.2.11"},
      {"fleet-controller", "100.64.2.1"},               // Self
      {"web", "100.64.4.1"},                            // DNS name beats another node's HostName
  };
  for (const auto& c : cases) {
    fleet::Result<std::string> ip = ResolveTailnetAddressFromStatus(status, c.name);
    ASSERT_TRUE(ip.ok()) << c.name << ": " << ip.status().ToString();
    EXPECT_EQ(*ip, c.want_ip) << c.name;
  }
}

TEST(Tailscale, ErrorsTable) {
  const std::string status = Fixture();
  const struct {
    const char* name;
    fleet::Code want;
    const char* want_text;
  } cases[] = {
      {"nowhere", fleet::Code::kNotFound, "no tailnet node named nowhere"},
      {"atl-chat.other.ts.net", fleet::Code::kNotFound, "no tailnet node"},
      {"fra-old", fleet::Code::kUnavailable, "fra-old.tail4f2a9.ts.net is offline (last seen 2024-02-20T03:14:15Z)"},
      {"phone", fleet::Code::kNotFound, "has no IPv4 address"},
      {"", fleet::Code::kInvalid, "empty"},
  };
  for (const auto& c : cases) {
    fleet::Result<std::string> ip = ResolveTailnetAddressFromStatus(status, c.name);
    EXPECT_EQ(ip.status().code(), c.want) << c.name << ": " << ip.status().ToString();
    EXPECT_NE(ip.status().message().find(c.want_text), std::string::npos) << ip.status().message();
  }
}

TEST(Tailscale, AmbiguousHostNameIsRefused) {
  const std::string status = R"({"BackendState": "Running", "Peer": {
      "a": {"HostName": "db", "DNSName": "db-1.t.ts.net.", "TailscaleIPs": ["100.64.0.1"], "Online": true},
      "b": {"HostName": "db", "DNSName": "db-2.t.ts.net.", "TailscaleIPs": ["100.64.0.2"], "Online": true}}})";
  EXPECT_EQ(ResolveTailnetAddressFromStatus(status, "db").status().code(), fleet::Code::kInvalid);
  EXPECT_EQ(*ResolveTailnetAddressFromStatus(status, "db-2"), "100.64.0.2");
}

TEST(Tailscale, StoppedDaemonAndGarbage) {
  EXPECT_EQ(ResolveTailnetAddressFromStatus(R"({"BackendState": "NeedsLogin", "Peer": null})", "x")
                .status().code(),
            fleet::Code::kUnavailable);
  EXPECT_EQ(ResolveTailnetAddressFromStatus("not json", "x").status().code(), fleet::Code::kInvalid);
}

}  // namespace
}  // namespace controller
