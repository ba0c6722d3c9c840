// fleetctl's client for the controller's REST API.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "fleet/resource.h"
#include "fleet/core/status.h"
#include "fleetctl/config.h"

namespace fleetctl {

class Client {
 public:
  Client(Connection conn, std::chrono::seconds timeout);
  ~Client();

  fleet::Result<fleet::Json> Get(const fleet::KindInfo& kind, const std::string& name);
  fleet::Result<fleet::Json> List(const fleet::KindInfo& kind, const std::string& selector);
  // One atomic apply of every object; dry_run asks the server to decide without writing;
  // with_objects returns each resulting object, not only its ref and action.
  fleet::Result<fleet::Json> Apply(const std::vector<fleet::Json>& objects, bool dry_run,
                                   bool with_objects);
  // Replaces spec, labels and annotations; object's metadata.resourceVersion must match (409).
  fleet::Result<fleet::Json> Update(const fleet::KindInfo& kind, const fleet::Json& object);
  // force: gone at once, even with finalizers pending (the agent on a Host is left as it is).
  fleet::Result<fleet::Json> Delete(const fleet::KindInfo& kind, const std::string& name,
                                    bool dry_run, bool force = false);
  fleet::Result<fleet::Json> Version();
  // The Hosts selector selects as an Ansible dynamic inventory: one host's variables when host
  // is set (NotFound when it is not selected), else the answer to --list.
  fleet::Result<fleet::Json> Inventory(const std::string& selector, const std::string& host);
  // A host's recent events (an EventList).
  fleet::Result<fleet::Json> HostEvents(const std::string& name);
  // A host's support bundle (tar.gz bytes), fetched by the controller over SSH; the agent
  // collects for duration_seconds first.
  fleet::Result<std::string> HostSupportBundle(const std::string& name, int duration_seconds);

  const std::string& server() const { return conn_.server; }

 private:
  fleet::Result<fleet::Json> Call(const std::string& method, const std::string& path_and_query,
                                  const fleet::Json* body);
  // Why a request got no answer, naming the certificate problem when TLS verification failed.
  fleet::Status Unreachable(const std::exception& e) const;
  Connection conn_;
  std::chrono::seconds timeout_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The resource collection path for kind: /apis/vpsfleet.io/v1alpha1/hosts
std::string CollectionPath(const fleet::KindInfo& kind);

// Client::Apply, again when another writer got in between (Conflict): the server re-reads.
fleet::Result<fleet::Json> ApplyWithRetry(Client& client, const std::vector<fleet::Json>& objects,
                                          bool dry_run, bool with_objects);

// "host/atl-chat created (via hostgroup/atl)" for one result of an apply.
std::string ActionLine(const fleet::Json& result, const std::string& suffix);

}  // namespace fleetctl
