#include "agent/http_auth.h"

#include <cctype>

#include "fleet/core/crypto.h"
#include "fleet/core/files.h"

namespace agent {

fleet::Result<BasicAuthGate> BasicAuthGate::Load(const HttpConfig& http) {
  BasicAuthGate gate;
  if (!http.basic_auth) return gate;
  // Trailing whitespace is dropped, as Prometheus does for password_file.
  auto password = fleet::ReadTrimmedFile(http.basic_auth->password_file);
  if (!password.ok()) {
    return fleet::Status::Invalid("http.basicAuth.passwordFile: " + password.status().message());
  }
  if (password->empty()) {
    return fleet::Status::Invalid("http.basicAuth.passwordFile: " +
                                  http.basic_auth->password_file + " is empty");
  }
  gate.enabled_ = true;
  gate.expected_digest_ = fleet::Sha256Hex(http.basic_auth->username + ":" + *password);
  gate.open_paths_.insert(http.unauthenticated_paths.begin(), http.unauthenticated_paths.end());
  return gate;
}

bool BasicAuthGate::Allows(const std::string& path, const std::string& authorization) const {
  if (!enabled_ || open_paths_.count(path)) return true;
  // "Basic" is case-insensitive (RFC 7617 via RFC 7235); one or more spaces before the token.
  static const std::string kScheme = "basic ";
  if (authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  const size_t token = authorization.find_first_not_of(' ', kScheme.size());
  if (token == std::string::npos) return false;
  auto decoded = fleet::Base64Decode(authorization.substr(token));
  if (!decoded) return false;
  return fleet::ConstantTimeEquals(fleet::Sha256Hex(*decoded), expected_digest_);
}

}  // namespace agent
