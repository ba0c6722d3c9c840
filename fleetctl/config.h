// fleetctl's contexts: where a controller is and how to authenticate, kept in
// $FLEETCTL_CONFIG or $XDG_CONFIG_HOME/vpsfleet/config.yaml (~/.config/vpsfleet/config.yaml),
// written 0600 because it may hold a token.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "fleet/core/status.h"

namespace fleetctl {

struct Context {
  std::string server;      // http://127.0.0.1:7070
  std::string token;       // inline token (prefer token_file)
  std::string token_file;  // file holding the token
  std::string certificate_authority;     // PEM file of the CA an https server is verified with
  bool insecure_skip_tls_verify = false;  // https without verifying the server (labs only)
};

struct Config {
  std::string current_context;
  std::map<std::string, Context> contexts;
};

std::string ConfigPath();
// A missing file is an empty config; a field of the wrong type or an unknown one is an error
// naming file:line:column and its path.
fleet::Result<Config> LoadConfig(const std::string& path);
fleet::Status SaveConfig(const std::string& path, const Config& config);

// What a command connects with, after flags > environment > context.
struct Connection {
  std::string server;
  std::string token;
  std::string certificate_authority;     // the file's path, for messages
  std::string certificate_authority_pem;  // its contents (read once; "" = the system's roots)
  bool insecure_skip_tls_verify = false;
};

struct ConnectionFlags {
  std::string server, token, token_file, context, config_path, certificate_authority;
  bool insecure_skip_tls_verify = false;
};

fleet::Result<Connection> ResolveConnection(const ConnectionFlags& flags);

}  // namespace fleetctl
