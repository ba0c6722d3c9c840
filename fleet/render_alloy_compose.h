// The alloy-compose flavor: the Grafana Alloy + node_exporter + cAdvisor docker-compose stack that
// fleet-agent replaces, rendered from the same AgentProfile so a host can run either and move
// between them under a Rollout. Three files in ComposeStackDir(installDir):
//   compose.yaml  the three services (config; alloyCompose.composePatch merged in), 0644
//   config.alloy  scrapes node-exporter:9100 and cadvisor:8080, reads every container's logs
//                 through the Docker socket, remote write + Loki write (files), 0644
//   .env          HOSTNAME, LOKI_URL, REMOTE_WRITE_URL, BASIC_AUTH_USER, BASIC_AUTH_PASS, read by
//                 config.alloy through sys.env (secret_files: it holds a password), 0600
// Deterministic bytes, like the fleet-agent render: the revision is their hash.
#pragma once

#include "fleet/render.h"

namespace fleet {

Result<RenderedAgent> RenderAlloyCompose(const RenderInputs& in);

// A string as an Alloy syntax string literal (quoted, Go escapes).
std::string AlloyQuote(std::string_view text);

}  // namespace fleet
