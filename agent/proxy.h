// Which proxy a request goes through, with the rules Go's net/http (golang.org/x/net/http/httpproxy)
// applies, so an agent configured like Prometheus or Alloy behaves like them:
//   - proxyUrl: every request goes through it, loopback included, unless noProxy is set; then
//     noProxy is read as NO_PROXY is, and localhost and loopback addresses are never proxied;
//   - proxyFromEnvironment: HTTPS_PROXY (for https) or HTTP_PROXY (for http), the upper-case name
//     before the lower-case one, and NO_PROXY; never for localhost and loopback addresses.
// NO_PROXY: a comma-separated list of "*" (nothing is proxied), IP addresses, CIDR ranges, and
// names, each name matching itself and its subdomains ("example.com", ".example.com" and
// "*.example.com" match sub.example.com; the first also example.com itself), each optionally with
// ":port".
//
// Proxies are http:// (a proxy URL without a scheme is http://); an https URL goes through with
// CONNECT, an http one as an absolute-form request. user:password in a proxy URL is sent as
// Proxy-Authorization: Basic, and never shown (Redacted).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "agent/config/proxy_settings.h"
#include "fleet/core/status.h"

namespace agent {

// A proxy to connect to.
struct Proxy {
  std::string host;           // brackets of an IPv6 literal removed
  std::string port;
  std::string authorization;  // "Basic ..." when the URL has user:password, else ""
  std::string shown;          // the URL for messages, password replaced by "xxxxx"
};

// An http:// proxy URL parsed (scheme optional); Invalid for another scheme or no host.
fleet::Result<Proxy> ParseProxyUrl(const std::string& url);

// The environment's proxy variables, read once per call (tests pass their own).
struct ProxyEnvironment {
  std::string http_proxy, https_proxy, no_proxy;
  static ProxyEnvironment FromProcess();
};

// The proxy for a request to scheme://host:port, or nullopt to connect directly; Invalid when
// the proxy URL that applies is not one.
fleet::Result<std::optional<Proxy>> ProxyFor(const ProxySettings& settings, const ProxyEnvironment& environment,
                                             bool https, const std::string& host, const std::string& port);

// "[::1]:8080" / "host:8080" / "host" as host (brackets removed) and port ("" when absent); a bare
// IPv6 address is all host.
void SplitHostPort(const std::string& text, std::string* host, std::string* port);

// Whether no_proxy (NO_PROXY's syntax) exempts host:port, localhost and loopback included.
bool Exempt(const std::string& no_proxy, const std::string& host, const std::string& port);

}  // namespace agent
