// The agent bundle the controller installs on hosts: the directory agent/make-bundle.sh builds
// (binary, its libraries and loader, wrapper, supervisor) described by its MANIFEST; and the set
// of versions the controller can install, one bundle each.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/status.h"

namespace controller {

struct BundleFile {
  std::string path;  // relative to the bundle root, e.g. "lib/libc.so.6"
  int mode = 0644;
  std::string sha256;
  std::string content;
};

struct Bundle {
  std::vector<BundleFile> files;  // in MANIFEST order (sorted by path)
  std::string manifest;           // the MANIFEST text; installed last, so it marks a whole install
  std::string digest;             // sha256 of manifest: identifies the exact bundle
  std::string version;            // from its VERSION file; "" when it has none
};

// Every agent version the controller can install, and the one hosts get when their profile names
// none (spec.agent.version).
struct AgentBundles {
  std::string default_version;
  std::map<std::string, Bundle> by_version;
};

inline constexpr char kBundleManifestName[] = "MANIFEST";

// Parses "sha256 octal-mode path" lines; paths must be relative, without "..", and made of
// [A-Za-z0-9._+-/] (they end up in remote commands and file names). Contents are left empty.
fleet::Result<std::vector<BundleFile>> ParseBundleManifest(std::string_view text);

// Reads dir/MANIFEST and every file it lists, checking each file's sha256 against it.
fleet::Result<Bundle> LoadBundle(const std::string& dir);

// The bundles to serve: `single` (--agent-bundle, the default version: its VERSION file, else
// fallback_version) and every subdirectory of `versions_dir` (--agent-bundles), named by its
// version (a VERSION file inside must agree). Without `single` the default is fallback_version,
// which versions_dir must then hold. Either may be "".
fleet::Result<AgentBundles> LoadAgentBundles(const std::string& single, const std::string& versions_dir,
                                             const std::string& fallback_version);

}  // namespace controller
