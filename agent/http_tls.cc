#include "agent/http_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "fleet/core/files.h"

namespace agent {
namespace {

std::string OpenSslError() {
  std::string message;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    message = buf;  // the last one is the most specific
  }
  return message.empty() ? "unknown OpenSSL error" : message;
}

}  // namespace

fleet::Result<ListenerTlsContext> ListenerTlsContext::Load(const ListenerTls& tls) {
  ListenerTlsContext out;
  auto cert = fleet::ReadFileText(tls.cert_file);
  if (!cert.ok()) return fleet::Status::Invalid("http.tls.certFile: " + cert.status().message());
  auto key = fleet::ReadFileText(tls.key_file);
  if (!key.ok()) return fleet::Status::Invalid("http.tls.keyFile: " + key.status().message());
  out.cert_pem_ = std::move(*cert);
  out.key_pem_ = std::move(*key);
  out.min_version_ = tls.min_version == "TLS13" ? TLS1_3_VERSION : TLS1_2_VERSION;

  // Load both into a scratch context now, so a bad file fails at start and in check-config
  // instead of on every connection.
  ERR_clear_error();
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(out.cert_pem_), ec);
  if (ec) {
    return fleet::Status::Invalid("http.tls.certFile: " + tls.cert_file +
                                  ": not a PEM certificate chain (" + ec.message() + ")");
  }
  // The key alone first: OpenSSL 3 checks a key against the loaded certificate as it loads it,
  // which would report a mismatch as an unreadable key.
  boost::asio::ssl::context key_only(boost::asio::ssl::context::tls_server);
  key_only.use_private_key(boost::asio::buffer(out.key_pem_), boost::asio::ssl::context::pem, ec);
  if (ec) {
    // The message names the file only: OpenSSL's text never contains key material.
    return fleet::Status::Invalid("http.tls.keyFile: " + tls.key_file + ": not a PEM private key (" +
                                  ec.message() + ")");
  }
  ERR_clear_error();
  ctx.use_private_key(boost::asio::buffer(out.key_pem_), boost::asio::ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return fleet::Status::Invalid("http.tls.keyFile: " + tls.key_file +
                                  " does not match the certificate in " + tls.cert_file + " (" +
                                  (ec ? ec.message() : OpenSslError()) + ")");
  }
  return out;
}

void ListenerTlsContext::Apply(boost::asio::ssl::context& ctx) const {
  ctx.set_options(boost::asio::ssl::context::default_workarounds |
                  boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                  boost::asio::ssl::context::single_dh_use);
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), min_version_) != 1) {
    throw std::runtime_error("setting the minimum TLS version: " + OpenSslError());
  }
  ctx.use_certificate_chain(boost::asio::buffer(cert_pem_));
  ctx.use_private_key(boost::asio::buffer(key_pem_), boost::asio::ssl::context::pem);
}

}  // namespace agent
