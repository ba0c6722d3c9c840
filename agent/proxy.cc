#include "agent/proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "agent/procfs.h"
#include "fleet/core/crypto.h"

namespace agent {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped, as Go's net.IP holds it), or nullopt.
std::optional<std::array<uint8_t, 16>> ParseIp(const std::string& text) {
  std::array<uint8_t, 16> ip{};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    ip[10] = ip[11] = 0xff;
    std::memcpy(&ip[12], &v4, 4);
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(ip.data(), &v6, 16);
    return ip;
  }
  return std::nullopt;
}

bool IsLoopback(const std::array<uint8_t, 16>& ip) {
  static const std::array<uint8_t, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const bool v4 = std::all_of(ip.begin(), ip.begin() + 10, [](uint8_t b) { return b == 0; }) && ip[10] == 0xff &&
                  ip[11] == 0xff;
  return (v4 && ip[12] == 127) || ip == kV6Loopback;
}

bool InCidr(const std::array<uint8_t, 16>& ip, const std::string& cidr) {
  const size_t slash = cidr.find('/');
  auto network = ParseIp(cidr.substr(0, slash));
  if (!network) return false;
  const std::string bits_text = cidr.substr(slash + 1);
  if (bits_text.empty() || bits_text.size() > 3 || bits_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  int bits = std::stoi(bits_text);
  const bool v4 = cidr.find(':') == std::string::npos;
  if (v4) bits += 96;  // the mapped form's prefix
  if (bits > 128) return false;
  for (int i = 0; i < bits; ++i) {
    const int byte = i / 8, mask = 0x80 >> (i % 8);
    if ((ip[byte] & mask) != ((*network)[byte] & mask)) return false;
  }
  return true;
}

// %XX sequences decoded, as Go's url.Parse decodes a URL's user and password.
std::string PercentDecoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

void SplitHostPort(const std::string& text, std::string* host, std::string* port) {
  port->clear();
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    *host = text.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < text.size() && text[close + 1] == ':') *port = text.substr(close + 2);
    return;
  }
  const size_t colon = text.find(':');
  if (colon != std::string::npos && text.find(':', colon + 1) == std::string::npos) {
    *host = text.substr(0, colon);
    *port = text.substr(colon + 1);
  } else {
    *host = text;  // a name, or a bare IPv6 address
  }
}

ProxyEnvironment ProxyEnvironment::FromProcess() {
  auto get = [](const char* upper, const char* lower) {
    const char* value = std::getenv(upper);
    if (value == nullptr || *value == '\0') value = std::getenv(lower);
    return std::string(value == nullptr ? "" : value);
  };
  return {get("HTTP_PROXY", "http_proxy"), get("HTTPS_PROXY", "https_proxy"), get("NO_PROXY", "no_proxy")};
}

fleet::Result<Proxy> ParseProxyUrl(const std::string& url) {
  std::string rest = url;
  const size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    const std::string scheme = Lower(url.substr(0, scheme_end));
    if (scheme != "http") {
      return fleet::Status::Invalid("proxy URL scheme " + scheme + ": only http:// proxies are supported");
    }
    rest = url.substr(scheme_end + 3);
  }
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  Proxy proxy;
  std::string host_port = authority;
  std::string shown_userinfo;
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    const std::string userinfo = authority.substr(0, at);
    host_port = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    const std::string user = PercentDecoded(userinfo.substr(0, colon));
    const std::string password = colon == std::string::npos ? "" : PercentDecoded(userinfo.substr(colon + 1));
    proxy.authorization = "Basic " + fleet::Base64Encode(user + ":" + password);
    shown_userinfo = userinfo.substr(0, colon) + (colon == std::string::npos ? "" : ":xxxxx") + "@";
  }
  SplitHostPort(host_port, &proxy.host, &proxy.port);
  if (proxy.port.empty()) proxy.port = "80";
  if (proxy.host.empty() || proxy.port.size() > 5 || proxy.port.find_first_not_of("0123456789") != std::string::npos) {
    return fleet::Status::Invalid("proxy URL has no host, or a port that is not a number");
  }
  proxy.shown = "http://" + shown_userinfo + host_port;
  return proxy;
}

bool Exempt(const std::string& no_proxy, const std::string& host_in, const std::string& port) {
  const std::string host = Lower(host_in);
  if (host == "localhost") return true;
  const auto ip = ParseIp(host);
  if (ip && IsLoopback(*ip)) return true;
  size_t start = 0;
  while (start <= no_proxy.size()) {
    const size_t comma = no_proxy.find(',', start);
    std::string entry = Lower(TrimSpace(no_proxy.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    start = comma == std::string::npos ? no_proxy.size() + 1 : comma + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.find('/') != std::string::npos) {
      if (ip && InCidr(*ip, entry)) return true;
      continue;
    }
    std::string entry_host, entry_port;
    SplitHostPort(entry, &entry_host, &entry_port);
    if (!entry_port.empty() && entry_port != port) continue;
    if (auto entry_ip = ParseIp(entry_host)) {
      if (ip && *ip == *entry_ip) return true;
      continue;
    }
    if (entry_host.starts_with("*.")) entry_host = entry_host.substr(1);
    const bool matches_itself = entry_host[0] != '.';
    if (matches_itself) entry_host = "." + entry_host;
    if (host.ends_with(entry_host) || (matches_itself && host == entry_host.substr(1))) return true;
  }
  return false;
}

fleet::Result<std::optional<Proxy>> ProxyFor(const ProxySettings& settings, const ProxyEnvironment& environment,
                                             bool https, const std::string& host, const std::string& port) {
  std::string url;
  std::string no_proxy;
  bool exemptions = true;  // localhost, loopback and no_proxy (Go's httpproxy rules)
  if (!settings.proxy_url.empty()) {
    url = settings.proxy_url;
    no_proxy = settings.no_proxy;
    exemptions = !no_proxy.empty();  // Go's http.ProxyURL: every request, loopback too
  } else if (settings.from_environment) {
    url = https ? environment.https_proxy : environment.http_proxy;
    no_proxy = environment.no_proxy;
  }
  if (url.empty()) return std::optional<Proxy>();
  if (exemptions && Exempt(no_proxy, host, port)) return std::optional<Proxy>();
  auto proxy = ParseProxyUrl(url);
  if (!proxy.ok()) return proxy.status();
  return std::optional<Proxy>(std::move(*proxy));
}

}  // namespace agent
