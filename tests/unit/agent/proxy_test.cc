// Which proxy a request goes through: Go's httpproxy rules (what Prometheus and Alloy do), pinned
// table by table.
#include "agent/proxy.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

TEST(ProxyTest, NoProxyMatchesAsGoDoes) {
  const struct {
    const char* no_proxy;
    const char* host;
    const char* port;
    bool exempt;
  } rows[] = {
      {"", "localhost", "80", true},               // never proxied
      {"", "127.0.0.1", "9090", true},
      {"", "127.8.9.10", "9090", true},
      {"", "::1", "9090", true},
      {"", "LocalHost", "80", true},
      {"", "example.com", "443", false},
      {"*", "example.com", "443", true},
      {"example.com", "example.com", "443", true},
      {"example.com", "api.example.com", "443", true},
      {"example.com", "badexample.com", "443", false},
      {".example.com", "api.example.com", "443", true},
      {".example.com", "example.com", "443", false},
      {"*.example.com", "api.example.com", "443", true},
      {"*.example.com", "example.com", "443", false},
      {"example.com:8443", "example.com", "443", false},
      {"example.com:8443", "example.com", "8443", true},
      {" other.org , Example.COM ", "example.com", "80", true},
      {"10.0.0.0/8", "10.1.2.3", "80", true},
      {"10.0.0.0/8", "11.1.2.3", "80", false},
      {"10.0.0.0/8", "ten.example", "80", false},
      {"2001:db8::/32", "2001:db8::5", "80", true},
      {"192.0.2.7", "192.0.2.7", "80", true},
      {"192.0.2.7", "192.0.2.8", "80", false},
      {"[2001:db8::1]:443", "2001:db8::1", "443", true},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(Exempt(r.no_proxy, r.host, r.port), r.exempt) << "NO_PROXY=" << r.no_proxy << " " << r.host << ":" << r.port;
  }
}

TEST(ProxyTest, WhichSettingApplies) {
  const ProxyEnvironment env{"http://http-proxy:3128", "http://https-proxy:3129", "internal.example"};
  const struct {
    ProxySettings settings;
    bool https;
    const char* host;
    const char* want;  // "" = direct
  } rows[] = {
      {{}, true, "example.com", ""},                                                // nothing asked
      {{"", "", true}, true, "example.com", "https-proxy:3129"},                    // HTTPS_PROXY
      {{"", "", true}, false, "example.com", "http-proxy:3128"},                    // HTTP_PROXY
      {{"", "", true}, true, "db.internal.example", ""},                            // NO_PROXY
      {{"", "", true}, true, "127.0.0.1", ""},                                      // loopback
      {{"http://p:8080", "", false}, true, "127.0.0.1", "p:8080"},                  // proxyUrl: all
      {{"p:8080", "", false}, false, "example.com", "p:8080"},                      // no scheme: http
      {{"http://p:8080", "other.example", false}, true, "127.0.0.1", ""},           // noProxy: Go's rules
      {{"http://p:8080", "other.example", false}, true, "x.other.example", ""},
      {{"http://p:8080", "other.example", false}, true, "example.com", "p:8080"},
      {{"http://[::1]", "", false}, false, "example.com", "::1:80"},
  };
  for (const auto& r : rows) {
    auto proxy = ProxyFor(r.settings, env, r.https, r.host, r.https ? "443" : "80");
    ASSERT_TRUE(proxy.ok()) << proxy.status().message();
    const std::string got = *proxy ? (*proxy)->host + ":" + (*proxy)->port : "";
    EXPECT_EQ(got, r.want) << r.settings.proxy_url << " " << r.host;
  }
}

TEST(ProxyTest, ProxyUrls) {
  auto with_user = ParseProxyUrl("http://ops%40corp:p%3Ass@proxy.corp:3128/");
  ASSERT_TRUE(with_user.ok());
  EXPECT_EQ(with_user->host, "proxy.corp");
  EXPECT_EQ(with_user->port, "3128");
  EXPECT_EQ(with_user->authorization, "Basic b3BzQGNvcnA6cDpzcw==");  // ops@corp:p:ss
  EXPECT_EQ(with_user->shown, "http://ops%40corp:xxxxx@proxy.corp:3128");
  EXPECT_EQ(with_user->shown.find("p%3Ass"), std::string::npos);
  for (const char* bad : {"https://proxy:3128", "socks5://proxy:1080", "http://:3128", "http://proxy:http"}) {
    auto proxy = ParseProxyUrl(bad);
    EXPECT_FALSE(proxy.ok()) << bad;
    EXPECT_EQ(proxy.status().code(), fleet::Code::kInvalid) << bad;
  }
}

}  // namespace
}  // namespace agent
