// Every malformed input a user can write gets one exact message naming file:line:column and the
// field path; the table pins each message so a regression in wording or position shows.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "fleet/resource.h"
#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

std::string Check(const std::string& text) { return testing::ValidationMessages(text, "hosts.yaml"); }

struct Case {
  const char* name;
  const char* yaml;
  const char* want;
};

const Case kMalformed[] = {
    {"unterminated flow mapping",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata: {name: a
)yaml",
     R"want(hosts.yaml:4:1: invalid YAML: end of map flow not found)want"},
    {"bad indentation",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
 metadata: x
)yaml",
     R"want(hosts.yaml:3:10: invalid YAML: illegal map value)want"},
    {"duplicate key",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: a
  address: b
  profile: p
)yaml",
     R"want(hosts.yaml:7:3: spec.address: duplicate key "address")want"},
    {"document is a list",
     R"yaml(- a
- b
)yaml",
     R"want(hosts.yaml:1:1: a resource must be a mapping with apiVersion, kind and metadata)want"},
    {"document is a scalar",
     R"yaml(hello
)yaml",
     R"want(hosts.yaml:1:1: a resource must be a mapping with apiVersion, kind and metadata)want"},
    {"missing apiVersion",
     R"yaml(kind: Host
metadata: {name: a}
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:1:1: apiVersion: required field is missing)want"},
    {"wrong apiVersion",
     R"yaml(apiVersion: v1
kind: Host
metadata: {name: a}
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:1:13: apiVersion: must be vpsfleet.io/v1alpha1, got "v1")want"},
    {"missing kind",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
metadata: {name: a}
)yaml",
     R"want(hosts.yaml:1:1: kind: required field is missing)want"},
    {"unknown kind",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Hots
metadata: {name: a}
)yaml",
     R"want(hosts.yaml:2:7: kind: unknown kind "Hots" (known: Secret, AgentProfile, HostGroup, Host, Rollout))want"},
    {"lowercase kind",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: host
metadata: {name: a}
)yaml",
     R"want(hosts.yaml:2:7: kind: unknown kind "host" (known: Secret, AgentProfile, HostGroup, Host, Rollout))want"},
    {"missing metadata",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:1:1: metadata: required field is missing)want"},
    {"missing name",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata: {labels: {a: b}}
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:3:11: metadata.name: required field is missing)want"},
    {"uppercase name",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: Web-1
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:4:9: metadata.name: invalid name "Web-1": must be a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit))want"},
    {"name too long",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:4:9: metadata.name: invalid name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": must be a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit))want"},
    {"underscore in name",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web_1
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:4:9: metadata.name: invalid name "web_1": must be a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit))want"},
    {"unknown metadata field",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: a
  namespace: default
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:5:3: metadata.namespace: unknown field "namespace")want"},
    {"bad label key",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: a
  labels:
    -bad: x
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:6:5: metadata.labels.-bad: invalid key "-bad": name part must be 1-63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric character)want"},
    {"bad label value",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: a
  labels:
    role: 'has space'
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:6:11: metadata.labels.role: invalid label value "has space": must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric character)want"},
    {"label value not a string",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: a
  labels:
    tier: 3
spec: {address: x, profile: p}
)yaml",
     R"want(hosts.yaml:6:11: metadata.labels.tier: must be a string, got 3)want"},
    {"missing spec",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
)yaml",
     R"want(hosts.yaml:1:1: spec: required field is missing)want"},
    {"missing address",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  profile: standard
)yaml",
     R"want(hosts.yaml:6:3: spec.address: required field is missing)want"},
    {"missing profile",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
)yaml",
     R"want(hosts.yaml:6:3: spec.profile: required field is missing)want"},
    {"port above range",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh:
    port: 70000
)yaml",
     R"want(hosts.yaml:9:11: spec.ssh.port: must be <= 65535)want"},
    {"port zero",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh:
    port: 0
)yaml",
     R"want(hosts.yaml:9:11: spec.ssh.port: must be >= 1)want"},
    {"port as quoted string",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh:
    port: "22"
)yaml",
     R"want(hosts.yaml:9:11: spec.ssh.port: must be an integer, got string "22")want"},
    {"port as float",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh: {port: 22.5}
)yaml",
     R"want(hosts.yaml:8:15: spec.ssh.port: must be an integer, got number 22.5)want"},
    {"transport not in enum",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  transport: wireguard
)yaml",
     R"want(hosts.yaml:8:14: spec.transport: must be one of: ssh, tailscale (got "wireguard"))want"},
    {"misspelled field",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  adress: 10.0.0.1
  profile: p
)yaml",
     R"want(hosts.yaml:6:3: spec.address: required field is missing
hosts.yaml:6:3: spec.adress: unknown field "adress" (did you mean "address"?))want"},
    {"unknown nested field",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh:
    prot: 22
)yaml",
     R"want(hosts.yaml:9:5: spec.ssh.prot: unknown field "prot" (did you mean "port"?))want"},
    {"bad host key policy",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh: {hostKeyPolicy: yolo}
)yaml",
     R"want(hosts.yaml:8:24: spec.ssh.hostKeyPolicy: must be one of: strict, accept-new (got "yolo"))want"},
    {"bad pinned host key",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh: {hostKey: 'not a key'}
)yaml",
     R"want(hosts.yaml:8:18: spec.ssh.hostKey: invalid value "not a key": must match ^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+=*$)want"},
    {"boolean as string",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  paused: "yes"
)yaml",
     R"want(hosts.yaml:8:11: spec.paused: must be a boolean, got string "yes")want"},
    {"ssh is null",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
  ssh:
)yaml",
     R"want(hosts.yaml:9:1: spec.ssh: must be an object, got null)want"},
    {"address with shell metacharacters",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 'a;rm -rf /'
  profile: p
)yaml",
     R"want(hosts.yaml:6:12: spec.address: invalid value "a;rm -rf /": must match ^[A-Za-z0-9]([A-Za-z0-9.:_-]*[A-Za-z0-9])?$)want"},
    {"hostgroup duplicate host",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: HostGroup
metadata: {name: g}
spec:
  defaults: {profile: p}
  hosts:
    - {name: a, address: 10.0.0.1}
    - {name: a, address: 10.0.0.2}
)yaml",
     R"want(hosts.yaml:8:14: spec.hosts[1].name: duplicate value "a" (also at spec.hosts[0]))want"},
    {"hostgroup empty hosts",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: HostGroup
metadata: {name: g}
spec:
  hosts: []
)yaml",
     R"want(hosts.yaml:5:10: spec.hosts: must have at least 1 item(s))want"},
    {"hostgroup entry missing address",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: HostGroup
metadata: {name: g}
spec:
  hosts:
    - name: a
)yaml",
     R"want(hosts.yaml:6:7: spec.hosts[0].address: required field is missing)want"},
    {"hostgroup bad entry name",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: HostGroup
metadata: {name: g}
spec:
  hosts:
    - {name: A.b, address: x}
)yaml",
     R"want(hosts.yaml:6:14: spec.hosts[0].name: invalid value "A.b": must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)want"},
    {"profile url not http",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: p}
spec:
  remoteWrite:
    url: ftp://mimir/push
)yaml",
     R"want(hosts.yaml:6:10: spec.remoteWrite.url: invalid value "ftp://mimir/push": must match ^https?://[^\s]+$)want"},
    {"profile unknown collector",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: p}
spec:
  collectors:
    enabled: [cpu, gpu]
)yaml",
     R"want(hosts.yaml:6:20: spec.collectors.enabled[1]: must be one of: arp, bcache, bonding, btrfs, conntrack, cpu, cpufreq, diskstats, dmi, edac, entropy, fibrechannel, filefd, filesystem, hwmon, infiniband, ipvs, loadavg, mdadm, meminfo, netclass, netdev, netstat, nfs, nfsd, nvme, os, powersupplyclass, pressure, rapl, schedstat, selinux, sockstat, softnet, stat, tapestats, textfile, thermal_zone, time, timex, udp_queues, uname, vmstat, xfs, zfs (got "gpu"))want"},
    {"profile bad duration",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: p}
spec:
  scrapeInterval: 15 seconds
)yaml",
     R"want(hosts.yaml:5:19: spec.scrapeInterval: invalid value "15 seconds": must match ^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$)want"},
    {"profile bad quantity",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: p}
spec:
  buffer: {maxBytes: 1.5Gi}
)yaml",
     R"want(hosts.yaml:5:22: spec.buffer.maxBytes: invalid value "1.5Gi": must match ^[0-9]+(k|K|KB|M|MB|G|GB|Ki|KiB|Mi|MiB|Gi|GiB|Ti|TiB)?$)want"},
    {"profile live view entries out of range",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: p}
spec:
  debug: {liveView: true, liveViewEntries: 0}
)yaml",
     R"want(hosts.yaml:5:44: spec.debug.liveViewEntries: must be >= 1)want"},
    {"profile basic auth without secret",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: AgentProfile
metadata: {name: p}
spec:
  loki:
    url: http://loki:3100/loki/api/v1/push
    basicAuth: {username: u}
)yaml",
     R"want(hosts.yaml:7:16: spec.loki.basicAuth.passwordSecretRef: required field is missing)want"},
    {"secret data not base64",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Secret
metadata: {name: s}
data:
  password: not-base64!
)yaml",
     R"want(hosts.yaml:5:13: data.password: must be base64-encoded)want"},
    {"rollout bad maxUnavailable",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec:
  strategy: {maxUnavailable: half}
)yaml",
     R"want(hosts.yaml:5:30: spec.strategy.maxUnavailable: invalid value "half": must match ^[0-9]+%?$)want"},
    {"merge key",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  <<: {address: x}
  profile: p
)yaml",
     R"want(hosts.yaml:6:3: merge keys (<<) are not supported)want"},
    {"rollout zero failureThreshold",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec:
  failureThreshold: 0
)yaml",
     R"want(hosts.yaml:5:21: spec.failureThreshold: must be >= 1)want"},
    {"duplicate object across documents",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.1
  profile: p
---
apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: 10.0.0.2
  profile: p
)yaml",
     R"want(hosts.yaml:12:9: metadata.name: duplicate host/web-1 (first defined at hosts.yaml:4))want"},
    {"custom tag",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: !secret x
  profile: p
)yaml",
     R"want(hosts.yaml:6:12: unsupported YAML tag !secret)want"},
    {"two errors in one document",
     R"yaml(apiVersion: vpsfleet.io/v1alpha1
kind: Host
metadata:
  name: web-1
spec:
  address: ''
  profile: p
  ssh: {port: -1}
)yaml",
     R"want(hosts.yaml:6:12: spec.address: must not be empty
hosts.yaml:6:12: spec.address: invalid value "": must match ^[A-Za-z0-9]([A-Za-z0-9.:_-]*[A-Za-z0-9])?$
hosts.yaml:8:15: spec.ssh.port: must be >= 1)want"},
};

class MalformedInputTest : public ::testing::TestWithParam<Case> {};

TEST_P(MalformedInputTest, ExactMessageWithPosition) {
  const Case& c = GetParam();
  EXPECT_EQ(Check(c.yaml), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedInputTest, ::testing::ValuesIn(kMalformed),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(ValidationTest, TableHasAtLeastThirtyCases) {
  EXPECT_GE(sizeof(kMalformed) / sizeof(kMalformed[0]), 30u);
}

// The negative controls: inputs that must pass, so the checks above are not vacuous.
TEST(ValidationTest, ValidInputsPass) {
  EXPECT_EQ(Check("apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-1}\n"
                  "spec: {address: 10.0.0.1, profile: p, ssh: {port: 65535}, vars: {any: [1, 2]}}\n"),
            "");
  EXPECT_EQ(Check("apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: s}\n"
                  "data: {password: cGFzcw==}\n"),
            "");
}

TEST(ValidationTest, ExampleFleetIsValid) {
  std::ifstream in(std::string(VPSFLEET_SOURCE_DIR) + "/examples/hosts.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(Check(text), "");
}

TEST(ValidationTest, DefaultsComeFromTheCrd) {
  auto docs = ParseYamlDocuments(
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: a}\n"
      "spec: {address: x, profile: p}\n", "h.yaml");
  ASSERT_TRUE(docs.ok());
  ASSERT_TRUE(ValidateObject((*docs)[0].object, true).empty());
  const Json& spec = (*docs)[0].object["spec"];
  EXPECT_EQ(spec["ssh"]["port"], 22);
  EXPECT_EQ(spec["ssh"]["hostKeyPolicy"], "strict");
  EXPECT_EQ(spec["transport"], "ssh");
}

}  // namespace
}  // namespace fleet
