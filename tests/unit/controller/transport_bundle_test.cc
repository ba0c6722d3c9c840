// The bundle MANIFEST: what LoadBundle accepts, and the paths it refuses before they can reach a
// remote file name or command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "controller/bundle.h"
#include "fleet/core/crypto.h"

namespace controller {
namespace {

const std::string kHash(64, 'a');

TEST(BundleManifest, ParsesModesAndPaths) {
  auto files = ParseBundleManifest(kHash + " 755 bin/fleet-agent\n" + kHash + " 644 lib/libc.so.6\n");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "bin/fleet-agent");
  EXPECT_EQ((*files)[0].mode, 0755);
  EXPECT_EQ((*files)[1].mode, 0644);
}

TEST(BundleManifest, RefusesTable) {
  const struct {
    std::string text;
    const char* want;
  } cases[] = {
      {"", "lists no files"},
      {kHash + " 755\n", "MANIFEST:1: want"},
      {kHash + " 755 a b\n", "MANIFEST:1: want"},
      {std::string(63, 'a') + " 755 a\n", "bad sha256"},
      {std::string(64, 'A') + " 755 a\n", "bad sha256"},
      {kHash + " 758 a\n", "bad mode"},
      {kHash + " 755 /etc/passwd\n", "unsafe path"},
      {kHash + " 755 ../escape\n", "unsafe path"},
      {kHash + " 755 lib/../../escape\n", "unsafe path"},
      {kHash + " 755 lib//x\n", "unsafe path"},
      {kHash + " 755 lib/$(touch)\n", "unsafe path"},
      {kHash + " 755 lib/x;y\n", "unsafe path"},
      {kHash + " 755 MANIFEST\n", "unsafe path"},
      {kHash + " 755 b\n" + kHash + " 755 a\n", "MANIFEST:2: paths must be sorted"},
      {kHash + " 755 a\n" + kHash + " 755 a\n", "MANIFEST:2: paths must be sorted"},
  };
  for (const auto& c : cases) {
    auto files = ParseBundleManifest(c.text);
    EXPECT_EQ(files.status().code(), fleet::Code::kInvalid) << c.text;
    EXPECT_NE(files.status().message().find(c.want), std::string::npos)
        << c.text << " -> " << files.status().message();
  }
}

TEST(LoadBundle, ReadsContentsAndChecksThemAgainstTheManifest) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("bundle-test-" + fleet::RandomHex(4));
  std::filesystem::create_directories(dir / "bin");
  std::ofstream(dir / "bin/tool") << "#!/bin/sh\n";
  const std::string manifest = fleet::Sha256Hex("#!/bin/sh\n") + " 755 bin/tool\n";
  std::ofstream(dir / "MANIFEST") << manifest;
  auto bundle = LoadBundle(dir.string());
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  EXPECT_EQ(bundle->digest, fleet::Sha256Hex(manifest));
  EXPECT_EQ(bundle->files.at(0).content, "#!/bin/sh\n");

  std::ofstream(dir / "bin/tool") << "tampered\n";
  EXPECT_EQ(LoadBundle(dir.string()).status().code(), fleet::Code::kInvalid);
  std::filesystem::remove(dir / "bin/tool");
  EXPECT_EQ(LoadBundle(dir.string()).status().code(), fleet::Code::kNotFound);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(LoadBundle(dir.string()).status().code(), fleet::Code::kNotFound);
}

// A bundle directory as make-bundle.sh leaves it: one file, and VERSION when version is set.
void WriteBundle(const std::filesystem::path& dir, const std::string& tool, const std::string& version) {
  std::filesystem::create_directories(dir / "bin");
  std::ofstream(dir / "bin/tool") << tool;
  std::string manifest = fleet::Sha256Hex(tool) + " 755 bin/tool\n";
  if (!version.empty()) {
    std::ofstream(dir / "VERSION") << version << "\n";
    manifest = fleet::Sha256Hex(version + "\n") + " 644 VERSION\n" + manifest;  // sorted: 'V' < 'b'
  }
  std::ofstream(dir / "MANIFEST") << manifest;
}

TEST(LoadAgentBundles, OneBundlePerVersionAndADefault) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("bundles-test-" + fleet::RandomHex(4));
  struct Row {
    const char* name;
    std::function<void()> setup;
    bool single;  // pass root/single as --agent-bundle
    const char* want_error;  // "" when it loads
    const char* want_default;
    std::vector<std::string> want_versions;
  };
  const Row rows[] = {
      {"single bundle with VERSION", [&] { WriteBundle(root / "single", "a", "0.3.0"); }, true, "", "0.3.0", {"0.3.0"}},
      {"single bundle without VERSION: the controller's version", [&] { WriteBundle(root / "single", "a", ""); },
       true, "", "0.1.0", {"0.1.0"}},
      {"single plus versions", [&] {
         WriteBundle(root / "single", "a", "0.1.0");
         WriteBundle(root / "versions/0.2.0", "b", "0.2.0");
         WriteBundle(root / "versions/0.3.0-rc.1", "c", "");
       }, true, "", "0.1.0", {"0.1.0", "0.2.0", "0.3.0-rc.1"}},
      {"versions only, holding the controller's version", [&] {
         WriteBundle(root / "versions/0.1.0", "a", "0.1.0");
         WriteBundle(root / "versions/0.2.0", "b", "0.2.0");
       }, false, "", "0.1.0", {"0.1.0", "0.2.0"}},
      {"versions only, without the controller's version", [&] { WriteBundle(root / "versions/0.2.0", "b", ""); },
       false, "no bundle for the default agent version 0.1.0", "", {}},
      {"directory name is not a version", [&] { WriteBundle(root / "versions/latest", "b", ""); },
       false, "directory name must be the agent version", "", {}},
      {"VERSION disagrees with the directory", [&] { WriteBundle(root / "versions/0.2.0", "b", "0.2.1"); },
       false, "0.2.0/VERSION says 0.2.1", "", {}},
      {"two different bundles of one version", [&] {
         WriteBundle(root / "single", "a", "0.2.0");
         WriteBundle(root / "versions/0.2.0", "b", "0.2.0");
       }, true, "differs from the --agent-bundle of the same version", "", {}},
  };
  for (const auto& row : rows) {
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "versions");
    row.setup();
    auto bundles = LoadAgentBundles(row.single ? (root / "single").string() : "", (root / "versions").string(), "0.1.0");
    if (*row.want_error) {
      ASSERT_FALSE(bundles.ok()) << row.name;
      EXPECT_NE(bundles.status().message().find(row.want_error), std::string::npos)
          << row.name << ": " << bundles.status().message();
      continue;
    }
    ASSERT_TRUE(bundles.ok()) << row.name << ": " << bundles.status().message();
    EXPECT_EQ(bundles->default_version, row.want_default) << row.name;
    std::vector<std::string> versions;
    for (const auto& [version, bundle] : bundles->by_version) {
      versions.push_back(version);
      EXPECT_EQ(bundle.version, version) << row.name;
    }
    EXPECT_EQ(versions, row.want_versions) << row.name;
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace controller
