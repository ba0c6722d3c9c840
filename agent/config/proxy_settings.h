// An endpoint's proxy settings as its config gives them (proxyUrl, noProxy,
// proxyFromEnvironment); agent/proxy.h applies them to a request.
#pragma once

#include <string>

namespace agent {

struct ProxySettings {
  std::string proxy_url;          // "" = none
  std::string no_proxy;           // with proxy_url
  bool from_environment = false;  // HTTP_PROXY / HTTPS_PROXY / NO_PROXY
  bool operator==(const ProxySettings&) const = default;
};

}  // namespace agent
