// Validation against input written to hurt: values megabytes long, directories the controller
// would remove, Secret values that must not be echoed, label names a receiver refuses; and the
// CRDs themselves (every pattern means the same under RE2 as in a cluster, every string a user
// writes is bounded).
#include <gtest/gtest.h>

#include <re2/re2.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "fleet/core/text.h"
#include "fleet/resource.h"
#include "fleet/status_json.h"
#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

std::string Check(const std::string& text) { return testing::ValidationMessages(text, "in.yaml"); }

std::string HostWithSpec(const std::string& spec_lines) {
  return "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-1}\nspec:\n"
         "  address: 10.0.0.1\n  profile: p\n" + spec_lines;
}

// Calls visit(path, schema) for every schema node of every kind's user-written part.
void ForEachSchema(const Json& schema, const std::string& path,
                   const std::function<void(const std::string&, const Json&)>& visit) {
  visit(path, schema);
  if (schema.contains("properties")) {
    for (const auto& [k, v] : schema["properties"].items()) ForEachSchema(v, path + "." + k, visit);
  }
  if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
    ForEachSchema(schema["additionalProperties"], path + ".*", visit);
  }
  if (schema.contains("items")) ForEachSchema(schema["items"], path + "[]", visit);
  if (schema.contains("not")) ForEachSchema(schema["not"], path + "(not)", visit);
}

TEST(CrdSchemaTest, EveryPatternCompilesUnderRe2) {
  int patterns = 0;
  for (const auto& kind : Kinds()) {
    ForEachSchema(kind.schema, kind.kind, [&](const std::string& path, const Json& s) {
      if (!s.contains("pattern")) return;
      ++patterns;
      RE2 re(s["pattern"].get<std::string>(), RE2::Quiet);
      EXPECT_TRUE(re.ok()) << path << ": " << re.error();
    });
  }
  EXPECT_GT(patterns, 20);
}

// A client controls every spec string: each has a maxLength (or is an enum), so no check runs
// on, and no store row holds, a value of unbounded size. Status is the controller's.
TEST(CrdSchemaTest, EveryUserWrittenStringIsBounded) {
  for (const auto& kind : Kinds()) {
    ForEachSchema(kind.user_schema, kind.kind, [&](const std::string& path, const Json& s) {
      const bool stringy = s.value("type", "") == "string" || s.value("x-kubernetes-int-or-string", false);
      if (!stringy || path == kind.kind + ".apiVersion" || path == kind.kind + ".kind") return;
      EXPECT_TRUE(s.contains("maxLength") || s.contains("enum")) << path << " has no maxLength";
    });
  }
}

TEST(CrdSchemaTest, HostAndHostGroupHoldTheSameInstallDirRule) {
  const Json& host = FindKind("Host")->schema["properties"]["spec"]["properties"]["installDir"];
  const Json& group = FindKind("HostGroup")->schema["properties"]["spec"]["properties"];
  Json without_default = host;
  without_default.erase("default");  // a group entry's default comes from the Host
  EXPECT_EQ(group["defaults"]["properties"]["installDir"], without_default);
  EXPECT_EQ(group["hosts"]["items"]["properties"]["installDir"], without_default);
}

// libstdc++'s std::regex recursed once per character of a value checked against a pattern: a
// 2 MB hostKey overflowed the stack and killed fleetctl (and the controller, through the API).
TEST(HostileInputTest, AMegabytesLongValueIsRefusedForItsLengthWithoutCrashing) {
  const std::string key = "ssh-ed25519 " + std::string(2 * 1024 * 1024, 'A');
  EXPECT_EQ(Check(HostWithSpec("  ssh: {hostKey: " + key + "}\n")),
            "in.yaml:7:18: spec.ssh.hostKey: must be at most 8192 characters (got 2097164)");
  // The pattern still runs on values within the bound, on RE2.
  EXPECT_EQ(Check(HostWithSpec("  ssh: {hostKey: 'ssh-ed25519 AAAA BBBB'}\n")),
            "in.yaml:7:18: spec.ssh.hostKey: invalid value \"ssh-ed25519 AAAA BBBB\": must match "
            "^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) "
            "[A-Za-z0-9+/]+=*$");
  EXPECT_EQ(Check(HostWithSpec("  ssh: {hostKey: ssh-ed25519 AAAAC3Nz}\n")), "");
}

TEST(HostileInputTest, LongNamesAndKeysAreShownCut) {
  const std::string name(100000, 'a');
  const std::string got = Check("apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata:\n  name: " + name +
                                "\n  labels:\n    ? " + name + "\n    : x\nspec: {address: a, profile: p}\n");
  // The long key is in the field path once; the messages show the name and the key cut.
  EXPECT_LT(got.size(), name.size() + 1000) << got.substr(0, 300);
  EXPECT_NE(got.find("metadata.name: invalid name \"aaaa"), std::string::npos) << got;
  EXPECT_NE(got.find("invalid key \"aaaa"), std::string::npos) << got;
}

struct InstallDirCase {
  const char* dir;
  bool allowed;
};

// The agent's directory is removed with its Host: only a directory of its own will do.
const InstallDirCase kInstallDirs[] = {
    {"/opt/fleet-agent", true},
    {"/opt/vpsfleet", true},
    {"/srv/fleet-agent", true},
    {"/var/lib/fleet-agent", true},
    {"/usr/local/fleet-agent", true},
    {"/home/deploy/fleet-agent", true},
    {"/home/deploy/.fleet-agent", true},
    {"/root/fleet-agent", true},
    {"/tmp/e2e-x1/host-0/install", true},
    {"/data/agents/fleet", true},
    {"/", false},
    {"//", false},
    {"/usr", false},
    {"/etc", false},
    {"/bin", false},
    {"/lib", false},
    {"/sbin", false},
    {"/boot", false},
    {"/dev", false},
    {"/proc", false},
    {"/sys", false},
    {"/var", false},
    {"/root", false},
    {"/home", false},
    {"/opt", false},
    {"/tmp", false},
    {"/run", false},
    {"/opt/", false},
    {"/opt//fleet-agent", false},
    {"//opt/fleet-agent", false},
    {"/opt/./fleet-agent", false},
    {"/opt/fleet-agent/.", false},
    {"/opt/../run", false},
    {"/opt/fleet-agent/..", false},
    {"opt/fleet-agent", false},
    {"./fleet-agent", false},
    {"/etc/fleet-agent", false},
    {"/run/fleet-agent", false},
    {"/proc/self", false},
    {"/sys/fs/cgroup", false},
    {"/dev/shm/agent", false},
    {"/boot/efi", false},
    {"/lib64/x", false},
    {"/usr/bin", false},
    {"/usr/lib/x86_64-linux-gnu", false},
    {"/usr/share/doc", false},
    {"/usr/local", false},
    {"/usr/local/bin", false},
    {"/usr/local/lib/x", false},
    {"/var/lib", false},
    {"/var/log", false},
    {"/home/deploy", false},
    {"/mnt/data", false},
    {"/media/usb", false},
    {"/snap/core", false},
    {"/opt/fleet agent", false},
    {"/opt/fleet;rm", false},
};

TEST(InstallDirTest, SystemAndSharedDirectoriesAreRefused) {
  for (const auto& c : kInstallDirs) {
    Status st = CheckInstallDir(c.dir);
    EXPECT_EQ(st.ok(), c.allowed) << c.dir << ": " << st.message();
    EXPECT_EQ(st.causes().empty(), c.allowed) << c.dir << ": " << st.message();
    for (const Cause& cause : st.causes()) {
      EXPECT_EQ(cause.field, "spec.installDir") << c.dir;
      EXPECT_EQ(cause.item, -1) << c.dir;
      EXPECT_FALSE(cause.message.starts_with("spec.installDir")) << "the field is not repeated: " << cause.message;
    }
    // The same through validation of a whole Host, and of a HostGroup's defaults and entries.
    std::string host = Check(HostWithSpec(std::string("  installDir: '") + c.dir + "'\n"));
    EXPECT_EQ(host.empty(), c.allowed) << c.dir << ": " << host;
    std::string group = Check(
        "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: g}\nspec:\n"
        "  defaults: {installDir: '" + std::string(c.dir) + "'}\n"
        "  hosts: [{name: a, address: a, installDir: '" + c.dir + "'}]\n");
    EXPECT_EQ(group.empty(), c.allowed) << c.dir << ": " << group;
    if (!c.allowed) {
      EXPECT_NE(group.find("spec.defaults.installDir: "), std::string::npos) << group;
      EXPECT_NE(group.find("spec.hosts[0].installDir: "), std::string::npos) << group;
    }
  }
  EXPECT_EQ(Check(HostWithSpec("  installDir: /usr\n")),
            "in.yaml:7:15: spec.installDir: invalid value \"/usr\": must match "
            "^(/\\.?[A-Za-z0-9_-][A-Za-z0-9._-]*){2,}$");
  EXPECT_EQ(Check(HostWithSpec("  installDir: /var/lib\n")),
            "in.yaml:7:15: spec.installDir: invalid value \"/var/lib\": must not match "
            "^/(bin|boot|dev|etc|lib|lib32|lib64|libx32|proc|run|sbin|snap|sys)(/|$)|"
            "^/usr/(bin|games|include|lib|lib32|lib64|libexec|libx32|sbin|share|src)(/|$)|"
            "^/usr/local/(bin|etc|games|include|lib|libexec|man|sbin|share|src)(/|$)|"
            "^/(home|media|mnt|usr|var)/[^/]+$");
}

// Each broken rule is a cause of its own (an entry of details.causes once answered by the API
// server, placed at file:line:col by a client), never one joined message.
TEST(InstallDirTest, EachBrokenRuleIsACause) {
  struct Row {
    const char* dir;
    std::vector<std::string> messages;
  };
  const std::string must_match = "^(/\\.?[A-Za-z0-9_-][A-Za-z0-9._-]*){2,}$";
  const Row rows[] = {
      {"/", {"invalid value \"/\": must match " + must_match}},
      {"/home/a b",
       {"invalid value \"/home/a b\": must match " + must_match,
        "invalid value \"/home/a b\": must not match " +
            FindKind("Host")->schema["properties"]["spec"]["properties"]["installDir"]["not"]["pattern"]
                .get<std::string>()}},
      {"/opt/fleet-agent", {}},
  };
  for (const auto& row : rows) {
    Status st = CheckInstallDir(row.dir);
    std::vector<std::string> messages;
    for (const Cause& c : st.causes()) {
      EXPECT_EQ(c.reason, kFieldValueInvalid) << row.dir;
      EXPECT_EQ(c.field, "spec.installDir") << row.dir;
      messages.push_back(c.message);
    }
    EXPECT_EQ(messages, row.messages) << row.dir;
    if (!row.messages.empty()) {
      EXPECT_EQ(st.code(), Code::kInvalid);
      // The message for people: a line per cause.
      EXPECT_EQ(std::count(st.message().begin(), st.message().end(), '\n') + 1,
                static_cast<std::ptrdiff_t>(row.messages.size()))
          << st.message();
      // As the API server answers it: one entry of details.causes per broken rule.
      const Json body = StatusToJson(st);
      ASSERT_EQ(body["details"]["causes"].size(), row.messages.size()) << DumpJson(body);
      for (size_t i = 0; i < row.messages.size(); ++i) {
        EXPECT_EQ(body["details"]["causes"][i]["field"], "spec.installDir");
        EXPECT_EQ(body["details"]["causes"][i]["message"], row.messages[i]);
      }
    }
  }
}

// Secret values are never echoed, whatever their type or where they are wrong.
TEST(HostileInputTest, SecretValuesAreNotEchoed) {
  const std::string head = "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: s}\n";
  struct Row {
    const char* yaml;
    const char* want;
  };
  const Row rows[] = {
      {"stringData: {token: 12345}\n", "in.yaml:4:21: stringData.token: must be a string, got integer"},
      {"data: {x: 98765}\n", "in.yaml:4:11: data.x: must be a string, got integer"},
      {"data: {x: '98765'}\n", "in.yaml:4:11: data.x: must be base64-encoded"},
      {"data: 98765\n", "in.yaml:4:7: data: must be an object, got integer"},
      {"stringData: [98765]\n", "in.yaml:4:13: stringData: must be an object, got array"},
      {"stringData: {token: {nested: 98765}}\n", "in.yaml:4:21: stringData.token: must be a string, got object"},
      {"stringData: {token: !!int 98765x}\n", "in.yaml:4:21: the value does not match its tag tag:yaml.org,2002:int"},
  };
  for (const auto& row : rows) {
    std::string got = Check(head + row.yaml);
    EXPECT_EQ(got, row.want) << row.yaml;
    EXPECT_EQ(got.find("98765"), std::string::npos) << got;
    EXPECT_EQ(got.find("12345"), std::string::npos) << got;
  }
}

// Prometheus label names: a receiver answers a batch with an invalid one 400, and the agent
// drops the whole batch.
TEST(LabelNameTest, ExtraAndExternalLabelNamesAreCheckedWithTheirPath) {
  EXPECT_EQ(Check(HostWithSpec("  vars: {extraLabels: {tier: edge, rack_2: 12, _x: ''}}\n")), "");
  EXPECT_EQ(Check(HostWithSpec("  vars:\n    extraLabels: {__name__: x, 2fast: x, a-b: x, 'a b': x, ok: x}\n")),
            "in.yaml:8:32: spec.vars.extraLabels.2fast: invalid label name \"2fast\": must match "
            "[a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\" (reserved), or the metrics and logs "
            "receivers refuse every batch\n"
            "in.yaml:8:19: spec.vars.extraLabels.__name__: invalid label name \"__name__\": must match "
            "[a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\" (reserved), or the metrics and logs "
            "receivers refuse every batch\n"
            "in.yaml:8:50: spec.vars.extraLabels[a b]: invalid label name \"a b\": must match "
            "[a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\" (reserved), or the metrics and logs "
            "receivers refuse every batch\n"
            "in.yaml:8:42: spec.vars.extraLabels.a-b: invalid label name \"a-b\": must match "
            "[a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\" (reserved), or the metrics and logs "
            "receivers refuse every batch");
  EXPECT_EQ(Check(HostWithSpec("  vars: {extraLabels: {tier: {a: b}}}\n")),
            "in.yaml:7:30: spec.vars.extraLabels.tier: must be an integer or a string, got object");
  EXPECT_EQ(Check(HostWithSpec("  vars: {extraLabels: {tier: " + std::string(1025, 'x') + "}}\n")),
            "in.yaml:7:30: spec.vars.extraLabels.tier: must be at most 1024 characters (got 1025)");
  EXPECT_EQ(Check(HostWithSpec("  vars: {extraLabels: {tier: \"a\xff\"}}\n")),
            "in.yaml:7:30: spec.vars.extraLabels.tier: label value must be valid UTF-8");

  const std::string group = Check(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: g}\nspec:\n"
      "  defaults: {vars: {extraLabels: {__x: a}}}\n"
      "  hosts: [{name: a, address: a, vars: {extraLabels: {ok: a}}}, {name: b, address: b, vars: {extraLabels: {b-c: a}}}]\n");
  EXPECT_NE(group.find("spec.defaults.vars.extraLabels.__x: invalid label name"), std::string::npos) << group;
  EXPECT_NE(group.find("spec.hosts[1].vars.extraLabels.b-c: invalid label name"), std::string::npos) << group;
  EXPECT_EQ(group.find("spec.hosts[0]"), std::string::npos) << group;

  const std::string profile = Check(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: p}\nspec:\n"
      "  remoteWrite: {url: 'http://m/push', externalLabels: {cluster: eu, __tenant: x}}\n"
      "  loki: {url: 'http://l/push', externalLabels: {my.label: x}}\n");
  EXPECT_NE(profile.find("spec.remoteWrite.externalLabels.__tenant: invalid label name"), std::string::npos) << profile;
  EXPECT_NE(profile.find("spec.loki.externalLabels[my.label]: invalid label name"), std::string::npos) << profile;
}

}  // namespace
}  // namespace fleet
