// Fuzz target: what `fleetctl import ansible -i FILE` does to an inventory file a user hands it
// (ansible-compat/): read it as Ansible would (YAML first, then INI, for a file without an
// extension), merge every host's variables, map the hosts to Hosts. Everything either works or
// fails with kInvalid and a UTF-8 message; every Host made passes the schema. On the way, the
// INI value and line readers on the raw bytes.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "ansible-compat/import.h"
#include "ansible-compat/python_literal.h"
#include "fleet/core/text.h"
#include "fleet/resource.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// One scratch file per process, rewritten for each input (the reader takes paths, as -i does).
const std::string& InventoryPath() {
  static const std::string path = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("vpsfleet-fuzz-ansible-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / "hosts").string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const fleet::Json value = ansible_compat::IniValue(text);
  FUZZ_CHECK(!value.is_string() || fleet::IsUtf8(value.get<std::string>()) || value.get<std::string>() == text);
  (void)ansible_compat::ShlexSplit(text);

  std::ofstream(InventoryPath(), std::ios::trunc | std::ios::binary) << text;
  auto inventory = ansible_compat::AnsibleInventory::Read({{InventoryPath()}, "", std::nullopt});
  if (!inventory.ok()) {
    FUZZ_CHECK(inventory.status().code() == fleet::Code::kInvalid);
    FUZZ_CHECK(fleet::IsUtf8(inventory.status().message()));
    return 0;
  }
  auto imported = ansible_compat::ImportInventory(*inventory, {"standard", false});
  if (!imported.ok()) {
    FUZZ_CHECK(imported.status().code() == fleet::Code::kInvalid);
    FUZZ_CHECK(fleet::IsUtf8(imported.status().message()));
    return 0;
  }
  FUZZ_CHECK(fleet::IsUtf8(ansible_compat::NotesText(imported->notes)));
  // The import validated every Host already; a sample again, with defaults, keeps wide ranges fast.
  for (size_t i = 0; i < imported->objects.size() && i < 100; ++i) {
    fleet::Json object = imported->objects[i];
    FUZZ_CHECK(fleet::ValidateObject(object, true).empty());
  }
  return 0;
}
