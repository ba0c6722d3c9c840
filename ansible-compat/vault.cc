#include "ansible-compat/vault.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

#include "fleet/core/text.h"

namespace ansible_compat {
namespace {

constexpr std::string_view kVaultTextStart = "$ANSIBLE_VAULT;";
// What Python's bytes.strip() removes, which Ansible applies to header fields and password files.
constexpr std::string_view kAsciiWhitespace = " \t\n\r\v\f";
// Header fields are quoted in messages, cut to this: a version or cipher name is a few characters.
constexpr size_t kShownFieldMax = 40;

// VaultAES256 in Ansible's vault/__init__.py.
constexpr int kPbkdf2Iterations = 10000;
constexpr size_t kAesKeyBytes = 32;
constexpr size_t kHmacKeyBytes = 32;
constexpr size_t kCounterBytes = 16;
constexpr size_t kAesBlockBytes = 16;
constexpr size_t kHmacSha256Bytes = 32;

std::string_view StripLeading(std::string_view text) {
  const size_t start = text.find_first_not_of(kAsciiWhitespace);
  return start == std::string_view::npos ? std::string_view() : text.substr(start);
}

std::string_view Strip(std::string_view text) {
  text = StripLeading(text);
  return text.substr(0, text.find_last_not_of(kAsciiWhitespace) + 1);
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// hex as bytes; what names the hex in an error. Both cases are accepted, as Python's unhexlify
// does.
fleet::Result<std::string> HexDecode(std::string_view hex, std::string_view what) {
  if (hex.size() % 2 != 0) {
    return fleet::Status::Invalid(std::string(what) + " is not hex: odd number of digits");
  }
  std::string bytes(hex.size() / 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int high = HexDigitValue(hex[2 * i]);
    const int low = HexDigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return fleet::Status::Invalid(std::string(what) +
                                    " is not hex: it has a character other than a hex digit");
    }
    bytes[i] = static_cast<char>(high << 4 | low);
  }
  return bytes;
}

// The ';'-separated header field at the front of rest, stripped as Ansible strips it; rest moves
// past it.
std::string_view TakeHeaderField(std::string_view& rest) {
  const size_t semicolon = rest.find(';');
  const std::string_view field = rest.substr(0, semicolon);
  rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
  return Strip(field);
}

fleet::Status CheckHeader(std::string_view header_line) {
  std::string_view rest = header_line.substr(kVaultTextStart.size());
  const std::string_view version = TakeHeaderField(rest);
  if (version != "1.1" && version != "1.2") {
    return fleet::Status::Invalid("vault format version \"" +
                                  fleet::ForeignText(version, kShownFieldMax) +
                                  "\" is not supported (1.1 and 1.2 are)");
  }
  const std::string_view cipher = TakeHeaderField(rest);
  if (cipher.empty()) return fleet::Status::Invalid("vault header names no cipher");
  if (cipher != "AES256") {
    return fleet::Status::Invalid("vault cipher \"" + fleet::ForeignText(cipher, kShownFieldMax) +
                                  "\" is not supported (AES256 is)");
  }
  return fleet::Status::Ok();
}

// The three parts of the payload under the outer hex.
struct VaultPayload {
  std::string salt;
  std::string hmac;
  std::string ciphertext;
};

fleet::Result<VaultPayload> ParsePayload(std::string_view payload) {
  const size_t salt_end = payload.find('\n');
  const size_t hmac_end =
      salt_end == std::string_view::npos ? salt_end : payload.find('\n', salt_end + 1);
  if (hmac_end == std::string_view::npos) {
    return fleet::Status::Invalid(
        std::string("vault payload has ") + (salt_end == std::string_view::npos ? "1" : "2") +
        " of its 3 newline-separated parts (salt, HMAC, ciphertext)");
  }
  auto salt = HexDecode(payload.substr(0, salt_end), "vault salt");
  if (!salt.ok()) return salt.status();
  auto hmac = HexDecode(payload.substr(salt_end + 1, hmac_end - salt_end - 1), "vault HMAC");
  if (!hmac.ok()) return hmac.status();
  auto ciphertext = HexDecode(payload.substr(hmac_end + 1), "vault ciphertext");
  if (!ciphertext.ok()) return ciphertext.status();

  if (salt->empty()) return fleet::Status::Invalid("vault salt is empty");
  if (hmac->size() != kHmacSha256Bytes) {
    return fleet::Status::Invalid("vault HMAC is " + std::to_string(hmac->size()) +
                                  " bytes, not 32 (HMAC-SHA256)");
  }
  // Checked before the HMAC as it is public: only the padded plaintext's length is possible.
  if (ciphertext->empty() || ciphertext->size() % kAesBlockBytes != 0) {
    return fleet::Status::Invalid("vault ciphertext is " + std::to_string(ciphertext->size()) +
                                  " bytes, not a positive multiple of the 16-byte AES block");
  }
  return VaultPayload{std::move(*salt), std::move(*hmac), std::move(*ciphertext)};
}

// PBKDF2's output, wiped when done with so the keys do not linger in freed memory.
struct DerivedKeys {
  unsigned char bytes[kAesKeyBytes + kHmacKeyBytes + kCounterBytes];
  ~DerivedKeys() { OPENSSL_cleanse(bytes, sizeof bytes); }
  const unsigned char* aes_key() const { return bytes; }
  const unsigned char* hmac_key() const { return bytes + kAesKeyBytes; }
  const unsigned char* counter() const { return bytes + kAesKeyBytes + kHmacKeyBytes; }
};

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// The lengths passed as int below are bounded by kMaxVaultTextBytes, checked first.
fleet::Result<std::string> Decrypt(const VaultPayload& payload, std::string_view password) {
  DerivedKeys keys;
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), Bytes(payload.salt),
                        static_cast<int>(payload.salt.size()), kPbkdf2Iterations, EVP_sha256(),
                        static_cast<int>(sizeof keys.bytes), keys.bytes) != 1) {
    return fleet::Status::Internal("vault: PBKDF2 failed");
  }

  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), keys.hmac_key(), static_cast<int>(kHmacKeyBytes),
           Bytes(payload.ciphertext), payload.ciphertext.size(), mac, &mac_size) == nullptr ||
      mac_size != kHmacSha256Bytes) {
    return fleet::Status::Internal("vault: HMAC-SHA256 failed");
  }
  // Constant time, so how long a rejection takes tells nothing about how much of a forged HMAC
  // was right.
  if (CRYPTO_memcmp(mac, payload.hmac.data(), kHmacSha256Bytes) != 0) {
    return fleet::Status::Unauthorized("wrong vault password");
  }

  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(),
                                                                          &EVP_CIPHER_CTX_free);
  std::string padded(payload.ciphertext.size(), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(padded.data());
  int update_size = 0;
  int final_size = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_ctr(), nullptr, keys.aes_key(),
                         keys.counter()) != 1 ||
      EVP_DecryptUpdate(context.get(), out, &update_size, Bytes(payload.ciphertext),
                        static_cast<int>(payload.ciphertext.size())) != 1 ||
      EVP_DecryptFinal_ex(context.get(), out + update_size, &final_size) != 1 ||
      static_cast<size_t>(update_size) + static_cast<size_t>(final_size) != padded.size()) {
    return fleet::Status::Internal("vault: AES-256-CTR decryption failed");
  }

  // The HMAC matched, so bad padding is a broken encryptor, not a forgery probing for an oracle.
  const size_t pad = static_cast<unsigned char>(padded.back());
  if (pad == 0 || pad > kAesBlockBytes ||
      padded.find_first_not_of(padded.back(), padded.size() - pad) != std::string::npos) {
    OPENSSL_cleanse(padded.data(), padded.size());
    return fleet::Status::Invalid("vault plaintext is not PKCS#7-padded");
  }
  padded.resize(padded.size() - pad);
  return padded;
}

}  // namespace

bool IsVaultText(std::string_view text) {
  return StripLeading(text).starts_with(kVaultTextStart);
}

fleet::Result<std::string> VaultDecrypt(std::string_view vault_text, std::string_view password) {
  if (vault_text.size() > kMaxVaultTextBytes) {
    return fleet::Status::TooLarge("vault text is " + std::to_string(vault_text.size()) +
                                   " bytes, over the limit of 16 MiB");
  }
  if (password.size() > kMaxVaultTextBytes) {
    return fleet::Status::TooLarge("vault password is over the limit of 16 MiB");
  }
  // Ansible refuses an empty vault password before trying it.
  if (password.empty()) return fleet::Status::Invalid("vault password is empty");

  const std::string_view text = StripLeading(vault_text);
  if (!text.starts_with(kVaultTextStart)) {
    return fleet::Status::Invalid("not Ansible Vault text: it does not start with " +
                                  std::string(kVaultTextStart));
  }
  // Python's splitlines(), which Ansible parses with, also ends a line at a lone "\r".
  const size_t header_end = text.find_first_of("\r\n");
  const std::string_view header_line = text.substr(0, header_end);
  FLEET_RETURN_IF_ERROR(CheckHeader(header_line));

  // Ansible joins the body's lines; indentation is dropped too, so a `!vault |` value copied
  // with its YAML indentation reads as well.
  std::string body_hex;
  if (header_end != std::string_view::npos) {
    body_hex.reserve(text.size() - header_end);
    for (const char c : text.substr(header_end)) {
      if (kAsciiWhitespace.find(c) == std::string_view::npos) body_hex.push_back(c);
    }
  }
  if (body_hex.empty()) return fleet::Status::Invalid("vault text has nothing after its header");
  auto payload_text = HexDecode(body_hex, "vault body");
  if (!payload_text.ok()) return payload_text.status();
  auto payload = ParsePayload(*payload_text);
  if (!payload.ok()) return payload.status();
  return Decrypt(*payload, password);
}

std::string VaultPasswordFromFile(std::string_view file_content) {
  return std::string(Strip(file_content));
}

}  // namespace ansible_compat
