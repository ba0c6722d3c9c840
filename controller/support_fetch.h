// Fetches an agent's support bundle through the delivery path: SSH to the host (same host-key
// verification and credentials as delivery), then run the installed agent as
// `fleet-agent support --config <its config> --duration N`, which asks its own listener (with
// the listener's TLS and basic auth from that config) and writes the tar.gz to stdout.
// Every argument goes through RemoteSession::Exec, which quotes each one for the remote shell.
#pragma once

#include <string>

#include "controller/ssh_target.h"
#include "controller/transport.h"
#include "fleet/store.h"

namespace controller {

class SupportBundleFetcher {
 public:
  static constexpr int kMaxDurationSeconds = 300;  // the agent's own bound
  SupportBundleFetcher(fleet::Store& store, Transport& transport, TailnetResolver tailnet)
      : store_(store), transport_(transport), tailnet_(std::move(tailnet)) {}

  // The bundle's bytes. kNotFound: no such host; kInvalid: duration out of range;
  // kUnavailable: the host or the agent could not be reached (message says which).
  fleet::Result<std::string> Fetch(const std::string& host, int duration_seconds);

 private:
  fleet::Store& store_;
  Transport& transport_;
  TailnetResolver tailnet_;
};

}  // namespace controller
