// The bundle MANIFEST: what LoadBundle accepts, and the paths it refuses before they can reach a
// remote file name or command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/bundle.h"
#include "fleet/crypto.h"

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

}  // namespace
}  // namespace controller
