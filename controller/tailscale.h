// Tailscale transport: find a Host's address on the tailnet from `tailscale status --json`; the
// connection itself then goes over the ordinary SSH path.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "fleet/core/status.h"

namespace controller {

// The first IPv4 tailnet address of the node (Self or a Peer) that `name` designates: its
// HostName, its MagicDNS name with or without the tailnet suffix and trailing dot, or one of its
// TailscaleIPs. kNotFound when no node matches, kInvalid when several match by HostName only,
// kUnavailable when the node is offline or tailscale is not running.
fleet::Result<std::string> ResolveTailnetAddressFromStatus(std::string_view status_json,
                                                           const std::string& name);

// Runs `<tailscale_cmd> status --json` (bounded by timeout) and resolves name in its output.
fleet::Result<std::string> ResolveTailnetAddress(
    const std::string& tailscale_cmd, const std::string& name,
    std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace controller
