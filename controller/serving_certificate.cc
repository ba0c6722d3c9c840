#include "controller/serving_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "fleet/core/files.h"

namespace controller {

using fleet::Status;

namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

// The oldest error OpenSSL queued (the cause); the queue is cleared.
std::string OpenSslError(const char* when_none) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return when_none;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

class MemoryBio {
 public:
  explicit MemoryBio(const std::string& text)
      : bio_(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))) {}
  ~MemoryBio() { BIO_free(bio_); }
  MemoryBio(const MemoryBio&) = delete;
  MemoryBio& operator=(const MemoryBio&) = delete;
  BIO* get() const { return bio_; }

 private:
  BIO* bio_;
};

using CertificateStack = std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>;

void FreeCertificates(STACK_OF(X509)* certs) { sk_X509_pop_free(certs, X509_free); }

// Every certificate of a PEM text, in order; at least one.
fleet::Result<CertificateStack> ParseCertificates(const std::string& pem, const std::string& file) {
  MemoryBio in(pem);
  CertificateStack certs(sk_X509_new_null(), FreeCertificates);
  ERR_clear_error();
  while (X509* cert = PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)) {
    sk_X509_push(certs.get(), cert);
  }
  // Reading ends with "no start line" after the last certificate; any other error is one.
  const unsigned long last = ERR_peek_last_error();
  if (sk_X509_num(certs.get()) == 0) {
    ERR_clear_error();
    return Status::Invalid(file + ": no PEM certificate");
  }
  if (last != 0 && ERR_GET_REASON(last) != PEM_R_NO_START_LINE) {
    return Status::Invalid(file + ": " + OpenSslError("unreadable PEM"));
  }
  ERR_clear_error();
  return certs;
}

fleet::Result<std::string> ReadPem(const std::string& file) { return fleet::ReadFileText(file, kMaxPemBytes); }

std::string SerialOf(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string out = hex ? hex : "?";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

}  // namespace

// A certificate chain and its key, parsed once per change of the files.
struct ServingCertificate::Pair {
  Pair() : certs(nullptr, FreeCertificates) {}
  ~Pair() { EVP_PKEY_free(key); }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  X509* leaf() const { return sk_X509_value(certs.get(), 0); }

  std::string cert_pem, key_pem;
  CertificateStack certs;  // the leaf first
  EVP_PKEY* key = nullptr;
};

fleet::Result<std::shared_ptr<const ServingCertificate::Pair>> ServingCertificate::ParsePair(
    std::string cert_pem, std::string key_pem, const std::string& cert_file,
    const std::string& key_file) {
  auto pair = std::make_shared<Pair>();
  auto certs = ParseCertificates(cert_pem, cert_file);
  if (!certs.ok()) return certs.status();
  pair->certs = std::move(*certs);
  MemoryBio key_in(key_pem);
  ERR_clear_error();
  pair->key = PEM_read_bio_PrivateKey(key_in.get(), nullptr, nullptr, nullptr);
  if (!pair->key) return Status::Invalid(key_file + ": " + OpenSslError("no PEM private key"));
  if (X509_check_private_key(pair->leaf(), pair->key) != 1) {
    ERR_clear_error();
    return Status::Invalid(key_file + ": not the private key of the certificate in " + cert_file);
  }
  pair->cert_pem = std::move(cert_pem);
  pair->key_pem = std::move(key_pem);
  return std::shared_ptr<const Pair>(std::move(pair));
}

namespace {

// Whether the CA certificates verify the chain's leaf, as an agent will check it (names aside).
Status CheckIssuedBy(const STACK_OF(X509)* chain, const STACK_OF(X509)* cas, const std::string& ca_file,
                     const std::string& cert_file) {
  std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), X509_STORE_free);
  for (int i = 0; i < sk_X509_num(cas); ++i) X509_STORE_add_cert(store.get(), sk_X509_value(cas, i));
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  CertificateStack intermediates(sk_X509_dup(chain), [](STACK_OF(X509)* s) { sk_X509_free(s); });
  X509* leaf = sk_X509_shift(intermediates.get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, intermediates.get()) != 1) {
    return Status::Internal("checking " + ca_file + ": " + OpenSslError("unknown error"));
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Status::Invalid(ca_file + " does not verify the certificate in " + cert_file + " (" +
                           X509_verify_cert_error_string(error) + "): agents would refuse the controller");
  }
  return Status::Ok();
}

}  // namespace

fleet::Result<std::unique_ptr<ServingCertificate>> ServingCertificate::Load(std::string cert_file,
                                                                            std::string key_file,
                                                                            std::string ca_file) {
  auto cert_pem = ReadPem(cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadPem(key_file);
  if (!key_pem.ok()) return key_pem.status();
  auto pair = ParsePair(std::move(*cert_pem), std::move(*key_pem), cert_file, key_file);
  if (!pair.ok()) return pair.status();
  std::string ca_pem;
  if (!ca_file.empty()) {
    auto ca = ReadPem(ca_file);
    if (!ca.ok()) return ca.status();
    auto parsed = ParseCertificates(*ca, ca_file);
    if (!parsed.ok()) return parsed.status();
    if (Status st = CheckIssuedBy((*pair)->certs.get(), parsed->get(), ca_file, cert_file); !st.ok()) return st;
    ca_pem = std::move(*ca);
  }
  std::unique_ptr<ServingCertificate> out(
      new ServingCertificate(std::move(cert_file), std::move(key_file), std::move(ca_file)));
  out->pair_ = std::move(*pair);
  out->ca_pem_ = std::move(ca_pem);
  return out;
}

ServingCertificate::~ServingCertificate() = default;

namespace {

// Device, inode, size and modification time of a file ("" when it cannot be stat'ed).
std::string FileIdentity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) +
         ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

void ServingCertificate::RefreshPair() {
  // A handshake costs far more than two stat calls; reading and comparing the files would not.
  const std::string seen = FileIdentity(cert_file_) + "|" + FileIdentity(key_file_);
  if (seen == pair_files_seen_) return;
  pair_files_seen_ = seen;
  auto cert_pem = ReadPem(cert_file_);
  auto key_pem = ReadPem(key_file_);
  if (!cert_pem.ok() || !key_pem.ok()) {
    const std::string why = (!cert_pem.ok() ? cert_pem.status() : key_pem.status()).message();
    if (rejected_pair_ != why) spdlog::warn("TLS certificate: {}; still serving the last one read", why);
    rejected_pair_ = why;
    return;
  }
  if (*cert_pem == pair_->cert_pem && *key_pem == pair_->key_pem) return;
  const std::string contents = *cert_pem + *key_pem;
  if (contents == rejected_pair_) return;
  auto pair = ParsePair(std::move(*cert_pem), std::move(*key_pem), cert_file_, key_file_);
  if (!pair.ok()) {
    spdlog::warn("TLS certificate not reloaded: {}; still serving serial {}", pair.status().message(),
                 SerialOf(pair_->leaf()));
    rejected_pair_ = contents;
    return;
  }
  pair_ = std::move(*pair);
  rejected_pair_.clear();
  spdlog::info("TLS certificate reloaded from {}: serving serial {}", cert_file_, SerialOf(pair_->leaf()));
}

fleet::Status ServingCertificate::Configure(SSL_CTX* ctx) {
  std::shared_ptr<const Pair> pair;
  {
    std::lock_guard lock(mu_);
    RefreshPair();
    pair = pair_;
  }
  // The context takes references of its own (certificate, key, chain): the Pair may be replaced
  // by a reload while connections still use them.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx, pair->leaf()) != 1 || SSL_CTX_use_PrivateKey(ctx, pair->key) != 1) {
    return Status::Internal("setting up TLS: " + OpenSslError("unknown error"));
  }
  STACK_OF(X509)* intermediates = sk_X509_new_null();
  for (int i = 1; i < sk_X509_num(pair->certs.get()); ++i) {
    sk_X509_push(intermediates, sk_X509_value(pair->certs.get(), i));
  }
  const int chained = SSL_CTX_set1_chain(ctx, intermediates);
  sk_X509_free(intermediates);  // the pointers only; set1 took references of its own
  if (chained != 1) return Status::Internal("setting up TLS: " + OpenSslError("unknown error"));
  return Status::Ok();
}

void ServingCertificate::RefreshCa() {
  auto ca = ReadPem(ca_file_);
  if (ca.ok() && *ca == ca_pem_) return;
  fleet::Status st = ca.ok() ? ParseCertificates(*ca, ca_file_).status() : ca.status();
  const std::string seen = ca.ok() ? *ca : st.message();
  if (!st.ok()) {
    if (seen != rejected_ca_) spdlog::warn("TLS CA for agents not reloaded: {}; delivering the last one read", st.message());
    rejected_ca_ = seen;
    return;
  }
  ca_pem_ = std::move(*ca);
  rejected_ca_.clear();
  spdlog::info("TLS CA for agents reloaded from {}", ca_file_);
}

std::string ServingCertificate::AgentCa() {
  std::lock_guard lock(mu_);
  if (!ca_file_.empty()) {
    RefreshCa();
    return ca_pem_;
  }
  RefreshPair();
  X509* leaf = pair_->leaf();
  if (X509_check_issued(leaf, leaf) != X509_V_OK) return "";
  auto pem = std::unique_ptr<BIO, int (*)(BIO*)>(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(pem.get(), leaf);
  char* data = nullptr;
  const long size = BIO_get_mem_data(pem.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace controller
