// Small wrappers over OpenSSL's libcrypto for hashes, keyed fingerprints, random tokens and base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fleet {

std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// n random bytes from the OS CSPRNG, hex-encoded (2n characters).
std::string RandomHex(size_t n);
// RFC 4122 version-4 UUID.
std::string NewUuid();
std::string Base64Encode(std::string_view data);
std::optional<std::string> Base64Decode(std::string_view text);
// Comparison whose time does not depend on where the inputs differ (for tokens).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace fleet
