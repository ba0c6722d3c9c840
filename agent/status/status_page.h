// The status page served at / and /status: one self-contained HTML document (inline CSS and
// JavaScript, nothing fetched from elsewhere) that renders /api/v1/status every few seconds and,
// when debug.liveView is on, the live view of a chosen component from /api/v1/live.
#pragma once

#include <string_view>

namespace agent::status {

std::string_view StatusPageHtml();

}  // namespace agent::status
