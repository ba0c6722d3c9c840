// Ansible Vault ciphertext, decrypted: the files `ansible-vault encrypt` writes and the `!vault |`
// values of `ansible-vault encrypt_string`, so secrets a playbook repository already keeps in
// vault form can be read without Ansible.
//
// The format, as ansible/parsing/vault/__init__.py (ansible-core 2.14) writes it:
//   $ANSIBLE_VAULT;1.1;AES256              (1.2: $ANSIBLE_VAULT;1.2;AES256;<vault-id>)
//   hex(hex(salt) "\n" hex(hmac) "\n" hex(ciphertext)), in lines of 80 characters
// PBKDF2-HMAC-SHA256(password, salt, 10000 iterations) gives 80 bytes: the AES-256 key, the
// HMAC-SHA256 key and the 16-byte CTR counter block. The HMAC covers the ciphertext alone, so
// neither the salt nor the header is authenticated: the vault id of a 1.2 header only tells
// Ansible which password to try, and is not read here. The plaintext is PKCS#7-padded to the AES
// block before the (unpadded) CTR encryption.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fleet/core/status.h"

namespace ansible_compat {

// Longest vault text (and password) VaultDecrypt reads; longer is kTooLarge. A vault text is
// about four times its plaintext (hex of hex), so this admits secrets up to about 4 MiB.
inline constexpr size_t kMaxVaultTextBytes = size_t{16} << 20;

// Whether text is Ansible Vault ciphertext: "$ANSIBLE_VAULT;" after any leading whitespace.
// (Ansible's own is_encrypted() allows no leading whitespace; an indented `!vault |` value copied
// out of a YAML file has it.)
bool IsVaultText(std::string_view text);

// The plaintext of vault format 1.1 or 1.2 with cipher AES256, under password (used as given:
// see VaultPasswordFromFile). Body lines may be indented and end in "\n" or "\r\n".
// Errors: kInvalid for a malformed envelope (the message says what: header, hex, a missing or
// misshapen part, an unsupported version or cipher, bad padding) or an empty password;
// kUnauthorized, "wrong vault password", when the HMAC does not match, which is also what a
// tampered salt, HMAC or ciphertext gives; kTooLarge over kMaxVaultTextBytes. No message
// contains the password, the plaintext or key material.
fleet::Result<std::string> VaultDecrypt(std::string_view vault_text, std::string_view password);

// The password in a vault password file's content, as Ansible reads it: with leading and trailing
// ASCII whitespace (" \t\n\r\v\f", Python's bytes.strip()) removed. Ansible also accepts a
// password file that is itself vault-encrypted; that is not handled here.
std::string VaultPasswordFromFile(std::string_view file_content);

}  // namespace ansible_compat
