// fleetctl's contexts: where a controller is and how to authenticate, kept in
// $FLEETCTL_CONFIG or $XDG_CONFIG_HOME/vpsfleet/config.yaml (~/.config/vpsfleet/config.yaml),
// written 0600 because it may hold a token.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "fleet/status.h"

namespace fleetctl {

struct Context {
  std::string server;      // http://127.0.0.1:7070
  std::string token;       // inline token (prefer token_file)
  std::string token_file;  // file holding the token
};

struct Config {
  std::string current_context;
  std::map<std::string, Context> contexts;
};

std::string ConfigPath();
fleet::Result<Config> LoadConfig(const std::string& path);  // missing file = empty config
fleet::Status SaveConfig(const std::string& path, const Config& config);

// What a command connects with, after flags > environment > context.
struct Connection {
  std::string server;
  std::string token;
};

struct ConnectionFlags {
  std::string server, token, token_file, context, config_path;
};

fleet::Result<Connection> ResolveConnection(const ConnectionFlags& flags);

}  // namespace fleetctl
