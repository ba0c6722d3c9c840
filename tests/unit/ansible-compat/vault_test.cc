// Ansible Vault decryption against what Debian's ansible-vault (ansible-core 2.14.18) wrote, and
// against hostile input: wrong passwords, tampering, truncation, garbage and size.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ansible-compat/vault.h"

namespace ansible_compat {
namespace {

using fleet::Code;

// The password file the fixtures were encrypted with held "correct horse battery staple\n".
constexpr char kPassword[] = "correct horse battery staple";

// `ansible-vault encrypt_string --vault-password-file F 'secret value' --name db_password`, the
// value as YAML hands it over (the block scalar's indentation gone, no final newline).
constexpr char kDbPasswordVault[] =
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "61336339343230373636656637306633653061653637623539373432333135356233366631316339\n"
    "6366366561636131396161616466336362376461316437640a316665346632306162653566613334\n"
    "63633631616438636335336165616537623766353663653135613736666161656365326235383563\n"
    "3461353061393561630a366162636361653339646530663864303163373130396366633136343766\n"
    "3438";

// `ansible-vault encrypt_string ... '0123456789abcdef'`: a plaintext of one whole AES block, so
// the padding is a block of its own.
constexpr char kSixteenBytesVault[] =
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "35313535343439363362343439633966333537376565356335623065656133666631663534393030\n"
    "6237333636353332633234373632343337623035386135330a623964363262366130366533376639\n"
    "38623039393830383938323934386631353965393661643935656535646663656434303265386138\n"
    "3733323535643030630a636130366232326363343631343836366662386638343738613665663238\n"
    "65336563643538616333336165306234353764323366343533636431343033353234";

// `ansible-vault encrypt --vault-password-file F` on an empty file.
constexpr char kEmptyFileVault[] =
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "66663239663734353333623431653439316231366339373664343438303866656264313432383531\n"
    "6539636663343334313439653464373666653666633935650a653666306539336263346561663637\n"
    "31393733613163336239643138306165636237356334656234646165663764613565646561633630\n"
    "6665626530336133330a643430666230626531623865353933336434383337323330353634373533\n"
    "3933\n";

constexpr char kYamlPlaintext[] =
    "db:\n"
    "  user: fleet\n"
    "  password: \"s3cr3t: with colon\"\n"
    "hosts:\n"
    "  - atl-1\n"
    "  - ams-2\n"
    "unicode: \"caf\xc3\xa9\"\n";

// `ansible-vault encrypt --vault-password-file F` on a file holding kYamlPlaintext.
constexpr char kYamlFileVault[] =
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "34633265363836333637333631663038633831623139343764623139653761326531386466386535\n"
    "3765653032646138626232623738303435363164346366650a613465636230316131383730643436\n"
    "62346435373137326163316365656234313264616136366431323235333731363562333465333738\n"
    "6633316437346531370a343262356465333564386161653366313133393762666164346434363931\n"
    "31323730336235333962376361333435616136643232373665363239646133656566666637363932\n"
    "36363362613439616462663137616433656235333635646136343866373161353130396161666261\n"
    "35343738653131383137646231346365633161666263326136616262653837376330656664333961\n"
    "35663134316266666466373962353639386133336636373135366636306132323131663230336436\n"
    "6234\n";

// `ansible-vault encrypt --vault-id prod@F` (F holding "ops-2024\n") on kYamlPlaintext: format
// 1.2, which names its vault id.
constexpr char kPassword12[] = "ops-2024";
constexpr char kYamlFileVault12[] =
    "$ANSIBLE_VAULT;1.2;AES256;prod\n"
    "30363961396564646635363137636134613363356536656465333139633237346366306331616663\n"
    "3863323162623839396238386661656232386132616537330a346232633835633366633533326533\n"
    "31333333366539373066393338346534623261653537326164373432613664353734306432366635\n"
    "3537643036346665310a383930346465353138303862656261353265316139303665623237373261\n"
    "31306432663739373164653238653862346631346234386662666336306566363736306364303662\n"
    "30616164313437396162663162623133313363356262326637306536343533613637653133373636\n"
    "66643863313636626431656566386333646261306337386534623935363732313339653263633134\n"
    "65653565626166636264633061666631363461373239643734326333643539333436656262376463\n"
    "3433\n";

// Made with Ansible's own VaultAES256 key derivation, CTR encryption and HMAC, but encrypting
// "secret value" plus four bytes that are not PKCS#7 padding; Ansible's decrypt fails each with
// "ValueError: Invalid padding bytes.". Password kPassword.
constexpr char kPaddingOfZerosVault[] =  // ... 00 00 00 00
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "31613262323435353830336461396532303533646639366432656533666161626163313333393237\n"
    "6366316635353532656164343661623531316661336363650a643631323638623237306563343736\n"
    "61346637383039353537333037333232366166393036383835353532396561666661653766346463\n"
    "3833363661346434370a373936613339643634626336313061636430346139613963373265313262\n"
    "3235";
constexpr char kPaddingOver16Vault[] =  // ... 11 11 11 11
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "34656666646666366231386639623633353332326432303735343063323938616439636264336662\n"
    "3735303363653464313835653837613461343565323165640a623666623865366634663732376566\n"
    "64656339393736333062656539393934313332626166616230626163633232303936356134343562\n"
    "6432373337303032350a383233663163303265373739303461623730366637346435653634383461\n"
    "3661";
constexpr char kPaddingMixedVault[] =  // ... 01 04 04 04
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "30396663333532363366626166643164343261343564393566323165333735313439356636363637\n"
    "3465383838613435326437326437303933383936623463620a383132386662346231363335323433\n"
    "38353731616133613966373766313033383138653933313434303539306637383263306431346236\n"
    "3932666666336636390a373830623331653338373631626134666436363939653964333235336330\n"
    "6466";

constexpr char kHeader11[] = "$ANSIBLE_VAULT;1.1;AES256\n";

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (const char c : bytes) {
    hex += kDigits[static_cast<unsigned char>(c) >> 4];
    hex += kDigits[static_cast<unsigned char>(c) & 15];
  }
  return hex;
}

// A 1.1 vault whose payload (what the outer hex encodes) is payload.
std::string VaultOfPayload(std::string_view payload) { return kHeader11 + Hex(payload); }

// Well-formed payload parts: a 32-byte salt, a 32-byte HMAC, one AES block of ciphertext.
const std::string kSaltHex(64, 'a');
const std::string kHmacHex(64, 'b');
const std::string kCiphertextHex(32, 'c');

// text with every line indented, as a `!vault |` value stands in its YAML file.
std::string Indented(std::string_view text) {
  std::string indented = "          ";
  for (const char c : text) {
    indented += c;
    if (c == '\n') indented += "          ";
  }
  return indented;
}

std::string WithCrlf(std::string_view text) {
  std::string crlf;
  for (const char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  return crlf;
}

// text with its one occurrence of from replaced by to.
std::string Replaced(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
  return text.replace(at, from.size(), to);
}

TEST(VaultDecrypt, WhatAnsibleVaultWroteDecryptsToItsPlaintext) {
  const struct {
    const char* name;
    std::string vault_text;
    std::string password;
    std::string want;
  } cases[] = {
      {"encrypt_string", kDbPasswordVault, kPassword, "secret value"},
      {"a plaintext of one whole block (a block of padding)", kSixteenBytesVault, kPassword,
       "0123456789abcdef"},
      {"an empty file", kEmptyFileVault, kPassword, ""},
      {"a YAML file", kYamlFileVault, kPassword, kYamlPlaintext},
      {"format 1.2 with a vault id", kYamlFileVault12, kPassword12, kYamlPlaintext},
      {"an encrypt_string value with its YAML indentation", Indented(kDbPasswordVault), kPassword,
       "secret value"},
      {"CRLF line ends", WithCrlf(kYamlFileVault), kPassword, kYamlPlaintext},
      {"the password as a password file holds it", kDbPasswordVault,
       VaultPasswordFromFile("correct horse battery staple\n"), "secret value"},
  };
  for (const auto& c : cases) {
    const auto plaintext = VaultDecrypt(c.vault_text, c.password);
    ASSERT_TRUE(plaintext.ok()) << c.name << ": " << plaintext.status().ToString();
    EXPECT_EQ(*plaintext, c.want) << c.name;
  }
}

TEST(VaultDecrypt, WrongPasswordIsUnauthorizedAndSaysOnlyThat) {
  const struct {
    const char* name;
    const char* vault_text;
    std::string password;
  } cases[] = {
      {"one character short", kDbPasswordVault, "correct horse battery stapl"},
      {"a capital letter", kDbPasswordVault, "Correct horse battery staple"},
      {"the password file's newline kept", kDbPasswordVault, "correct horse battery staple\n"},
      {"another vault's password (1.1)", kYamlFileVault, kPassword12},
      {"another vault's password (1.2)", kYamlFileVault12, kPassword},
  };
  for (const auto& c : cases) {
    const auto plaintext = VaultDecrypt(c.vault_text, c.password);
    ASSERT_FALSE(plaintext.ok()) << c.name;
    EXPECT_EQ(plaintext.status().code(), Code::kUnauthorized) << c.name;
    EXPECT_EQ(plaintext.status().message(), "wrong vault password") << c.name;
  }
}

// Only the ciphertext is MACed, but the salt derives the HMAC key: a change to any of the three
// parts fails the HMAC check.
TEST(VaultDecrypt, TamperedSaltHmacOrCiphertextFailsTheHmac) {
  const struct {
    const char* name;
    std::string vault_text;
  } cases[] = {
      // The body's first pair "61" is the salt's first digit, 'a'; "62" makes it 'b'.
      {"salt", Replaced(kDbPasswordVault, "AES256\n6133", "AES256\n6233")},
      // "0a" is the newline after the salt; "31" the HMAC's first digit, '1'.
      {"HMAC", Replaced(kDbPasswordVault, "0a3166653466", "0a3266653466")},
      // The last pair, "38", is the ciphertext's last digit, '8'.
      {"ciphertext", Replaced(kDbPasswordVault, "\n3438", "\n3439")},
  };
  for (const auto& c : cases) {
    const auto plaintext = VaultDecrypt(c.vault_text, kPassword);
    ASSERT_FALSE(plaintext.ok()) << c.name;
    EXPECT_EQ(plaintext.status().code(), Code::kUnauthorized) << c.name;
    EXPECT_EQ(plaintext.status().message(), "wrong vault password") << c.name;
  }
}

// Each body digit changed in turn: either the payload no longer parses (kInvalid) or a salt, HMAC
// or ciphertext digit changed and the HMAC fails (kUnauthorized); never a plaintext.
TEST(VaultDecrypt, AnyOneBodyDigitChangedFails) {
  const std::string original = kDbPasswordVault;
  int invalid = 0;
  int unauthorized = 0;
  for (size_t i = original.find('\n'); i < original.size(); ++i) {
    if (original[i] == '\n') continue;
    std::string tampered = original;
    tampered[i] = original[i] == '0' ? '1' : '0';
    const auto plaintext = VaultDecrypt(tampered, kPassword);
    ASSERT_FALSE(plaintext.ok()) << "digit " << i;
    if (plaintext.status().code() == Code::kUnauthorized) {
      EXPECT_EQ(plaintext.status().message(), "wrong vault password") << "digit " << i;
      ++unauthorized;
    } else {
      EXPECT_EQ(plaintext.status().code(), Code::kInvalid) << "digit " << i;
      EXPECT_EQ(plaintext.status().message().find("secret value"), std::string::npos);
      ++invalid;
    }
  }
  EXPECT_GT(invalid, 0);
  EXPECT_GT(unauthorized, 0);
}

// Every prefix of a vault file, down to nothing: a cut that leaves whole AES blocks parses and then
// fails the HMAC; any other is malformed.
TEST(VaultDecrypt, EveryTruncationFails) {
  const std::string whole = kYamlFileVault12;
  // Without its final newline the text is still whole.
  for (size_t size = 0; size + 1 < whole.size(); ++size) {
    const auto plaintext = VaultDecrypt(whole.substr(0, size), kPassword12);
    ASSERT_FALSE(plaintext.ok()) << "first " << size << " bytes";
    const Code code = plaintext.status().code();
    EXPECT_TRUE(code == Code::kInvalid || code == Code::kUnauthorized)
        << "first " << size << " bytes: " << plaintext.status().ToString();
  }
}

TEST(VaultDecrypt, MalformedEnvelopeIsInvalidAndSaysWhat) {
  const std::string db_password_vault = kDbPasswordVault;
  const struct {
    const char* name;
    std::string vault_text;
    const char* want_message_part;
  } cases[] = {
      {"empty", "", "not Ansible Vault text"},
      {"whitespace", " \n\t\r\n", "not Ansible Vault text"},
      {"plain YAML", "db_password: secret value\n", "not Ansible Vault text"},
      {"the marker without its ';'", "$ANSIBLE_VAULT", "not Ansible Vault text"},
      {"the marker after text", "x$ANSIBLE_VAULT;1.1;AES256\n" + Hex("x"),
       "not Ansible Vault text"},
      {"no version", "$ANSIBLE_VAULT;", "format version \"\" is not supported"},
      {"format 1.0", "$ANSIBLE_VAULT;1.0;AES\n" + Hex("x"),
       "format version \"1.0\" is not supported (1.1 and 1.2 are)"},
      {"format 2.0", "$ANSIBLE_VAULT;2.0;AES256\n" + Hex("x"), "format version \"2.0\""},
      {"no cipher", "$ANSIBLE_VAULT;1.1", "vault header names no cipher"},
      {"an empty cipher", "$ANSIBLE_VAULT;1.2;;prod\n" + Hex("x"), "vault header names no cipher"},
      {"AES128", "$ANSIBLE_VAULT;1.1;AES128\n" + Hex("x"),
       "vault cipher \"AES128\" is not supported (AES256 is)"},
      {"the cipher in lower case, which Ansible refuses too", "$ANSIBLE_VAULT;1.1;aes256\n",
       "vault cipher \"aes256\""},
      {"a header alone", "$ANSIBLE_VAULT;1.1;AES256", "nothing after its header"},
      {"a header and blank lines", "$ANSIBLE_VAULT;1.1;AES256\n\n   \n",
       "nothing after its header"},
      {"a digit cut off", db_password_vault.substr(0, db_password_vault.size() - 1),
       "vault body is not hex: odd number of digits"},
      {"a ciphertext digit cut off", db_password_vault.substr(0, db_password_vault.size() - 2),
       "vault ciphertext is not hex: odd number of digits"},
      {"a letter past f", kHeader11 + std::string("6g"),
       "vault body is not hex: it has a character"},
      {"binary", kHeader11 + std::string("\0\xff\x80\x01", 4), "vault body is not hex"},
      {"one part", VaultOfPayload(kSaltHex), "vault payload has 1 of its 3"},
      {"two parts", VaultOfPayload(kSaltHex + "\n" + kHmacHex), "vault payload has 2 of its 3"},
      {"an empty salt", VaultOfPayload("\n" + kHmacHex + "\n" + kCiphertextHex),
       "vault salt is empty"},
      {"a salt not hex", VaultOfPayload("salt\n" + kHmacHex + "\n" + kCiphertextHex),
       "vault salt is not hex"},
      {"an HMAC not hex", VaultOfPayload(kSaltHex + "\n" + std::string(64, 'x') + "\n" +
                                         kCiphertextHex),
       "vault HMAC is not hex"},
      {"an HMAC of 31 bytes", VaultOfPayload(kSaltHex + "\n" + kHmacHex.substr(2) + "\n" +
                                             kCiphertextHex),
       "vault HMAC is 31 bytes, not 32"},
      {"no ciphertext", VaultOfPayload(kSaltHex + "\n" + kHmacHex + "\n"),
       "vault ciphertext is 0 bytes, not a positive multiple of the 16-byte AES block"},
      {"15 bytes of ciphertext", VaultOfPayload(kSaltHex + "\n" + kHmacHex + "\n" +
                                                kCiphertextHex.substr(2)),
       "vault ciphertext is 15 bytes"},
      {"a fourth part", VaultOfPayload(kSaltHex + "\n" + kHmacHex + "\n" + kCiphertextHex + "\n" +
                                       kCiphertextHex),
       "vault ciphertext is not hex"},
  };
  for (const auto& c : cases) {
    const auto plaintext = VaultDecrypt(c.vault_text, kPassword);
    ASSERT_FALSE(plaintext.ok()) << c.name;
    EXPECT_EQ(plaintext.status().code(), Code::kInvalid) << c.name;
    EXPECT_NE(plaintext.status().message().find(c.want_message_part), std::string::npos)
        << c.name << ": " << plaintext.status().message();
  }
}

TEST(VaultDecrypt, HeaderFieldsAreQuotedShortAndAsValidUtf8) {
  const auto long_version = VaultDecrypt("$ANSIBLE_VAULT;" + std::string(100000, '9'), kPassword);
  EXPECT_EQ(long_version.status().code(), Code::kInvalid);
  EXPECT_LT(long_version.status().message().size(), 200u) << long_version.status().message();

  const auto binary_cipher = VaultDecrypt("$ANSIBLE_VAULT;1.1;\xff\xfe\n", kPassword);
  EXPECT_EQ(binary_cipher.status().code(), Code::kInvalid);
  EXPECT_EQ(binary_cipher.status().message().find('\xff'), std::string::npos)
      << binary_cipher.status().message();
}

// Past the HMAC check, so the vault was made with the password; the plaintext stays unshown.
TEST(VaultDecrypt, BadPaddingIsInvalid) {
  const struct {
    const char* name;
    const char* vault_text;
  } cases[] = {
      {"a pad byte of 0", kPaddingOfZerosVault},
      {"a pad byte over 16", kPaddingOver16Vault},
      {"pad bytes that differ", kPaddingMixedVault},
  };
  for (const auto& c : cases) {
    const auto plaintext = VaultDecrypt(c.vault_text, kPassword);
    ASSERT_FALSE(plaintext.ok()) << c.name;
    EXPECT_EQ(plaintext.status().code(), Code::kInvalid) << c.name;
    EXPECT_EQ(plaintext.status().message(), "vault plaintext is not PKCS#7-padded") << c.name;
  }
}

TEST(VaultDecrypt, SizeLimits) {
  std::string at_limit = kHeader11;
  at_limit.resize(kMaxVaultTextBytes, '3');
  // Read, not refused for its size: its payload is a single part.
  EXPECT_EQ(VaultDecrypt(at_limit, kPassword).status().code(), Code::kInvalid);

  const auto over_limit = VaultDecrypt(at_limit + "3", kPassword);
  EXPECT_EQ(over_limit.status().code(), Code::kTooLarge);
  EXPECT_EQ(over_limit.status().message(),
            "vault text is 16777217 bytes, over the limit of 16 MiB");

  const auto long_password =
      VaultDecrypt(kDbPasswordVault, std::string(kMaxVaultTextBytes + 1, 'p'));
  EXPECT_EQ(long_password.status().code(), Code::kTooLarge);
}

TEST(VaultDecrypt, EmptyPasswordIsInvalid) {
  const auto plaintext = VaultDecrypt(kDbPasswordVault, "");
  EXPECT_EQ(plaintext.status().code(), Code::kInvalid);
  EXPECT_EQ(plaintext.status().message(), "vault password is empty");
}

TEST(IsVaultText, TheMarkerAfterWhitespace) {
  const struct {
    std::string text;
    bool want;
  } cases[] = {
      {kDbPasswordVault, true},
      {kYamlFileVault12, true},
      {Indented(kDbPasswordVault), true},
      {"\n\t \r\n$ANSIBLE_VAULT;1.1;AES256\n", true},
      {"$ANSIBLE_VAULT;", true},
      {"", false},
      {" \n", false},
      {"$ANSIBLE_VAULT", false},
      {"$ansible_vault;1.1;AES256", false},
      {"x$ANSIBLE_VAULT;1.1;AES256", false},
      {"db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", false},
      {"secret value", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsVaultText(c.text), c.want) << c.text;
  }
}

// Python's bytes.strip(), which Ansible applies to a password file's content: ASCII whitespace
// only, at both ends.
TEST(VaultPasswordFromFile, StripsAsAnsibleDoes) {
  const struct {
    std::string content;
    std::string want;
  } cases[] = {
      {"pw\n", "pw"},
      {"  pw  \n", "pw"},
      {"pw\r\n", "pw"},
      {"\tpw with inner spaces\t\v\f\n", "pw with inner spaces"},
      {"pw", "pw"},
      {"\n", ""},
      {"", ""},
      {"pw\xc2\xa0", "pw\xc2\xa0"},                        // U+00A0 is not ASCII whitespace
      {std::string("\0pw\x1c", 4), std::string("\0pw\x1c", 4)},  // nor NUL or \x1c
  };
  for (const auto& c : cases) {
    EXPECT_EQ(VaultPasswordFromFile(c.content), c.want) << c.content;
  }
}

}  // namespace
}  // namespace ansible_compat
