// The status page served at / and /status: one self-contained HTML document (inline CSS and
// JavaScript, nothing fetched from elsewhere) that renders /api/v1/status every few seconds and,
// when debug.liveView is on, the live view of a chosen component from /api/v1/live. The page is
// status_page.html, embedded at build time; it carries no data of its own (the script fills
// everything in with textContent), so nothing needs escaping on the server.
#pragma once

#include <string_view>

namespace agent::status {

std::string_view StatusPageHtml();

}  // namespace agent::status
