// SHA-256 against the FIPS 180-2 test vectors (fleet::Sha256Hex uses OpenSSL's digest directly,
// without the EVP provider machinery: see fleet/crypto.cc).
#include <gtest/gtest.h>

#include "fleet/core/crypto.h"

namespace fleet {
namespace {

TEST(Sha256Hex, FipsVectors) {
  const struct {
    std::string input;
    const char* digest;
  } cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Sha256Hex(c.input), c.digest) << c.input.substr(0, 20);
  }
}

}  // namespace
}  // namespace fleet
