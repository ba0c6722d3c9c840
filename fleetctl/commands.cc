#include "fleetctl/commands.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "fleet/resource.h"
#include "fleet/status_json.h"
#include "fleet/types/conditions.h"
#include "fleetctl/client.h"
#include "fleetctl/config.h"
#include "fleetctl/diff.h"
#include "fleetctl/input.h"
#include "fleetctl/printer.h"
#include "fleetctl/rollout_commands.h"
#include "fleetctl/import_command.h"
#include "fleetctl/inventory_command.h"
#include "fleetctl/support_command.h"

namespace fleetctl {
namespace {

using fleet::Json;
using fleet::Status;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitDiffFound = 1;
constexpr int kExitDiffError = 2;

struct Globals {
  ConnectionFlags conn;
  int timeout_seconds = 30;
};

int Fail(const Status& st) {
  std::cerr << "error: " << st.message() << "\n";
  return kExitError;
}

fleet::Result<std::unique_ptr<Client>> Connect(const Globals& g) {
  auto conn = ResolveConnection(g.conn);
  if (!conn.ok()) return conn.status();
  if (conn->insecure_skip_tls_verify && conn->server.rfind("https://", 0) == 0) {
    std::cerr << "warning: insecure-skip-tls-verify: the certificate of " << conn->server
              << " is not verified; anyone on the path can read the token\n";
  }
  return std::make_unique<Client>(*conn, std::chrono::seconds(g.timeout_seconds));
}

fleet::Result<const fleet::KindInfo*> Kind(const std::string& name) {
  const fleet::KindInfo* k = fleet::FindKind(name);
  if (!k) {
    return Status::Invalid("the server doesn't have a resource type \"" + name + "\" (known: " +
                           fleet::KnownKindsText() + ")");
  }
  return k;
}

std::vector<Json> Objects(const std::vector<fleet::Document>& docs) {
  std::vector<Json> out;
  for (const auto& d : docs) out.push_back(d.object);
  return out;
}

// --- apply -------------------------------------------------------------------------------------

struct ApplyFlags {
  std::vector<std::string> files;
  bool recursive = false;
  std::string dry_run = "none";
  std::string output;
};

int RunApply(const Globals& g, const ApplyFlags& f) {
  auto format = ParseOutputFormat(f.output);
  if (!format.ok()) return Fail(format.status());
  // With -o json an error is printed as the Status it is (as the server sends it), for programs.
  // docs: where the items of a server's answer came from, to place its causes in them.
  auto fail = [&](const Status& st, const std::vector<fleet::Document>* docs) {
    if (*format == OutputFormat::kJson) std::cout << fleet::StatusToJson(st).dump(2) << "\n";
    return Fail(docs ? PlacedInFiles(st, *docs) : st);
  };
  auto docs = LoadValidated(f.files, f.recursive);
  if (!docs.ok()) return fail(docs.status(), nullptr);
  if (f.dry_run == "client") {
    for (const auto& d : *docs) std::cout << fleet::RefString(d.object) << " valid (client dry run)\n";
    return kExitOk;
  }
  bool print_objects = *format == OutputFormat::kYaml || *format == OutputFormat::kJson;
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  bool dry = f.dry_run == "server";
  auto res = ApplyWithRetry(**client, Objects(*docs), dry, print_objects);
  if (!res.ok()) return fail(res.status(), &*docs);
  if (print_objects) {
    std::vector<Json> objs;
    for (const auto& r : (*res)["results"]) objs.push_back(r["object"]);
    std::cout << FormatObjects(objs, objs.size() != 1, *format);
    return kExitOk;
  }
  for (const auto& r : (*res)["results"]) std::cout << ActionLine(r, dry ? " (server dry run)" : "");
  return kExitOk;
}

// --- diff --------------------------------------------------------------------------------------

// Server-generated noise that would make every created object "differ".
Json ForDiff(Json obj) {
  if (obj.is_null()) return obj;
  obj.erase("status");
  for (const char* k : {"resourceVersion", "uid", "creationTimestamp"}) obj["metadata"].erase(k);
  return obj;
}

int RunDiff(const Globals& g, const std::vector<std::string>& files, bool recursive) {
  auto docs = LoadValidated(files, recursive);
  if (!docs.ok()) {
    std::cerr << "error: " << docs.status().message() << "\n";
    return kExitDiffError;
  }
  auto client = Connect(g);
  if (!client.ok()) {
    std::cerr << "error: " << client.status().message() << "\n";
    return kExitDiffError;
  }
  auto res = (*client)->Apply(Objects(*docs), true, true);
  if (!res.ok()) {
    std::cerr << "error: " << PlacedInFiles(res.status(), *docs).message() << "\n";
    return kExitDiffError;
  }
  bool changed = false;
  for (const auto& r : (*res)["results"]) {
    std::string action = r.value("action", "");
    if (action == "unchanged") continue;
    changed = true;
    const std::string ref = r.value("ref", "");
    Json live;
    if (action != "created") {
      const auto* kind = fleet::FindKind(r["object"].value("kind", ""));
      auto got = (*client)->Get(*kind, r["object"]["metadata"].value("name", ""));
      if (got.ok()) live = *got;
    }
    Json merged = action == "deleted" ? Json() : r["object"];
    auto text = UnifiedDiff(ref, live.is_null() ? "" : fleet::ToYaml(ForDiff(live)),
                            merged.is_null() ? "" : fleet::ToYaml(ForDiff(merged)));
    if (!text.ok()) {
      std::cerr << "error: " << text.status().message() << "\n";
      return kExitDiffError;
    }
    std::cout << *text;
  }
  return changed ? kExitDiffFound : kExitOk;
}

// --- get / describe ----------------------------------------------------------------------------

struct GetFlags {
  std::string kind;
  std::vector<std::string> names;
  std::string selector;
  std::string output;
};

int RunGet(const Globals& g, const GetFlags& f) {
  auto kind = Kind(f.kind);
  if (!kind.ok()) return Fail(kind.status());
  auto format = ParseOutputFormat(f.output);
  if (!format.ok()) return Fail(format.status());
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  std::vector<Json> items;
  if (f.names.empty()) {
    auto list = (*client)->List(**kind, f.selector);
    if (!list.ok()) return Fail(list.status());
    for (auto& i : (*list)["items"]) items.push_back(std::move(i));
  } else {
    for (const auto& n : f.names) {
      auto obj = (*client)->Get(**kind, n);
      if (!obj.ok()) return Fail(obj.status());
      items.push_back(std::move(*obj));
    }
  }
  bool as_list = f.names.size() != 1;
  if (*format == OutputFormat::kTable || *format == OutputFormat::kWide) {
    if (items.empty()) {
      std::cerr << "No resources found.\n";
      return kExitOk;
    }
    std::cout << FormatTable(**kind, items, *format == OutputFormat::kWide, std::time(nullptr));
  } else {
    std::cout << FormatObjects(items, as_list, *format);
  }
  return kExitOk;
}

int RunDescribe(const Globals& g, const std::string& kind_name, const std::vector<std::string>& names,
                const std::string& selector) {
  auto kind = Kind(kind_name);
  if (!kind.ok()) return Fail(kind.status());
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  std::vector<Json> items;
  if (names.empty()) {
    auto list = (*client)->List(**kind, selector);
    if (!list.ok()) return Fail(list.status());
    for (auto& i : (*list)["items"]) items.push_back(std::move(i));
  }
  for (const auto& n : names) {
    auto obj = (*client)->Get(**kind, n);
    if (!obj.ok()) return Fail(obj.status());
    items.push_back(std::move(*obj));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) std::cout << "\n";
    Json events;
    if ((*kind)->kind == "Host") {
      auto list = (*client)->HostEvents(items[i]["metadata"].value("name", ""));
      events = list.ok() ? list->value("items", Json::array()) : Json::array();
    }
    std::cout << Describe(**kind, items[i], events, std::time(nullptr));
  }
  return kExitOk;
}

// --- delete ------------------------------------------------------------------------------------

struct DeleteFlags {
  std::vector<std::string> files;
  bool recursive = false;
  std::vector<std::string> args;  // KIND NAME...
  bool ignore_not_found = false;
  std::string dry_run = "none";
  bool force = false;
  bool wait = true;
  int timeout_seconds = 300;
};

// Why a Terminating object is still there: its pending finalizers and, for a Host, the last
// cleanup failure.
std::string PendingDeletion(const Json& obj) {
  std::string out = "waiting for";
  for (const auto& f : obj["metadata"].value("finalizers", Json::array())) out += " " + f.get<std::string>();
  const auto conditions =
      obj.value("status", Json::object()).value("conditions", Json::array()).get<std::vector<fleet::Condition>>();
  const fleet::Condition* removed = fleet::FindCondition(conditions, fleet::condition_type::kAgentRemoved);
  if (removed && removed->status == fleet::condition_status::kFalse) out += "; last attempt: " + removed->message;
  return out;
}

// Polls until the object is gone (true) or the timeout passes (false, with why in *pending).
bool WaitUntilDeleted(Client& client, const fleet::KindInfo& kind, const std::string& name,
                      std::chrono::seconds timeout, std::string* pending) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto got = client.Get(kind, name);
    if (!got.ok() && got.status().code() == fleet::Code::kNotFound) return true;
    if (got.ok()) *pending = PendingDeletion(*got);
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

int RunDelete(const Globals& g, const DeleteFlags& f) {
  std::vector<std::pair<const fleet::KindInfo*, std::string>> targets;
  if (!f.files.empty()) {
    if (!f.args.empty()) return Fail(Status::Invalid("give either -f or KIND NAME..., not both"));
    auto docs = LoadValidated(f.files, f.recursive);
    if (!docs.ok()) return Fail(docs.status());
    for (const auto& d : *docs) {
      targets.emplace_back(fleet::FindKind(d.object["kind"].get<std::string>()),
                           d.object["metadata"]["name"].get<std::string>());
    }
  } else {
    if (f.args.size() < 2) return Fail(Status::Invalid("usage: fleetctl delete KIND NAME... | -f FILE"));
    auto kind = Kind(f.args[0]);
    if (!kind.ok()) return Fail(kind.status());
    for (size_t i = 1; i < f.args.size(); ++i) targets.emplace_back(*kind, f.args[i]);
  }
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  bool dry = f.dry_run == "server";
  int rc = kExitOk;
  for (const auto& [kind, name] : targets) {
    if (f.dry_run == "client") {
      std::cout << kind->singular << "/" << name << " deleted (client dry run)\n";
      continue;
    }
    auto res = (*client)->Delete(*kind, name, dry, f.force);
    if (!res.ok()) {
      if (res.status().code() == fleet::Code::kNotFound && f.ignore_not_found) continue;
      Fail(res.status());
      rc = kExitError;
      continue;
    }
    bool terminating = false;
    for (const auto& r : (*res)["results"]) {
      std::string suffix = dry ? " (server dry run)" : "";
      if (r.value("action", "") == "terminating") {
        suffix += " (" + PendingDeletion(r.value("object", Json::object())) + ")";
        terminating = terminating || (!r.contains("via") && !dry);
      } else if (f.force && r.value("action", "") == "deleted" && r.value("ref", "").rfind("host/", 0) == 0) {
        suffix += " (forced: the agent on it, if any, was left as it is)";
      }
      std::cout << ActionLine(r, suffix);
    }
    // Like kubectl delete: by default the command returns once the object is gone, so a CI job
    // can rely on it (for a Host: its agent stopped and its config removed).
    if (!terminating || !f.wait) continue;
    std::string pending;
    if (WaitUntilDeleted(**client, *kind, name, std::chrono::seconds(f.timeout_seconds), &pending)) {
      std::cout << kind->singular << "/" << name << " deleted\n";
    } else {
      Fail(Status(fleet::Code::kDeadlineExceeded, kind->singular + "/" + name + " still Terminating after " +
                                    std::to_string(f.timeout_seconds) + "s (" + pending +
                                    "); delete it with --force if the host is gone for good"));
      rc = kExitError;
    }
  }
  return rc;
}

// --- validate / version / config ---------------------------------------------------------------

int RunValidate(const std::vector<std::string>& files, bool recursive) {
  auto docs = LoadValidated(files, recursive);
  if (!docs.ok()) return Fail(docs.status());
  for (const auto& d : *docs) std::cout << fleet::RefString(d.object) << " valid\n";
  return kExitOk;
}

int RunVersion(const Globals& g, bool client_only) {
  std::cout << "Client Version: " << VPSFLEET_VERSION << "\n";
  if (client_only) return kExitOk;
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  auto v = (*client)->Version();
  if (!v.ok()) return Fail(v.status());
  std::cout << "Server Version: " << v->value("version", "unknown") << "\n";
  return kExitOk;
}

struct ContextFlags {
  std::string name, server, token, token_file, certificate_authority;
  std::optional<bool> insecure_skip_tls_verify;
};

int RunSetContext(const Globals& g, const ContextFlags& f, bool use) {
  std::string path = g.conn.config_path.empty() ? ConfigPath() : g.conn.config_path;
  auto cfg = LoadConfig(path);
  if (!cfg.ok()) return Fail(cfg.status());
  Context& c = cfg->contexts[f.name];
  if (!f.server.empty()) c.server = f.server;
  if (!f.token.empty()) {
    c.token = f.token;
    c.token_file.clear();
  }
  if (!f.token_file.empty()) {
    c.token_file = std::filesystem::absolute(f.token_file).string();
    c.token.clear();
  }
  if (!f.certificate_authority.empty()) {
    c.certificate_authority = std::filesystem::absolute(f.certificate_authority).string();
  }
  if (f.insecure_skip_tls_verify) c.insecure_skip_tls_verify = *f.insecure_skip_tls_verify;
  if (!c.certificate_authority.empty() && c.insecure_skip_tls_verify) {
    return Fail(Status::Invalid("context \"" + f.name +
                                "\": --certificate-authority and --insecure-skip-tls-verify "
                                "cannot both be set (--insecure-skip-tls-verify=false clears it)"));
  }
  if (use || cfg->current_context.empty()) cfg->current_context = f.name;
  auto st = SaveConfig(path, *cfg);
  if (!st.ok()) return Fail(st);
  std::cout << "Context \"" << f.name << "\" set" << (cfg->current_context == f.name ? " and in use" : "") << ".\n";
  return kExitOk;
}

int RunUseContext(const Globals& g, const std::string& name) {
  std::string path = g.conn.config_path.empty() ? ConfigPath() : g.conn.config_path;
  auto cfg = LoadConfig(path);
  if (!cfg.ok()) return Fail(cfg.status());
  if (!cfg->contexts.count(name)) return Fail(Status::NotFound("no context named \"" + name + "\""));
  cfg->current_context = name;
  auto st = SaveConfig(path, *cfg);
  if (!st.ok()) return Fail(st);
  std::cout << "Switched to context \"" << name << "\".\n";
  return kExitOk;
}

int RunViewConfig(const Globals& g) {
  std::string path = g.conn.config_path.empty() ? ConfigPath() : g.conn.config_path;
  auto cfg = LoadConfig(path);
  if (!cfg.ok()) return Fail(cfg.status());
  Json j = {{"currentContext", cfg->current_context}, {"contexts", Json::object()}};
  for (const auto& [name, c] : cfg->contexts) {
    Json e = {{"server", c.server}};
    if (!c.token.empty()) e["token"] = "REDACTED";
    if (!c.token_file.empty()) e["tokenFile"] = c.token_file;
    if (!c.certificate_authority.empty()) e["certificateAuthority"] = c.certificate_authority;
    if (c.insecure_skip_tls_verify) e["insecureSkipTLSVerify"] = true;
    j["contexts"][name] = e;
  }
  std::cout << fleet::ToYaml(j);
  return kExitOk;
}

void AddFileFlags(CLI::App* cmd, std::vector<std::string>* files, bool* recursive, bool required) {
  auto* opt = cmd->add_option("-f,--filename", *files,
                              "File, directory (*.yaml, *.yml, *.json) or - for stdin; repeatable");
  if (required) opt->required();
  cmd->add_flag("-R,--recursive", *recursive, "Walk directories given with -f recursively");
}

CLI::Option* AddDryRun(CLI::App* cmd, std::string* dry_run) {
  return cmd->add_option("--dry-run", *dry_run,
                         "none, client (validate offline), or server (the server decides, writes nothing)")
      ->check(CLI::IsMember({"none", "client", "server"}))
      ->expected(0, 1)
      ->default_str("none");
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"fleetctl controls a vpsfleet fleet: hosts, host groups, agent profiles, secrets "
               "and rollouts, the way kubectl controls a cluster."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  Globals g;
  app.add_option("--server", g.conn.server, "Controller URL (overrides FLEETCTL_SERVER and the context)");
  app.add_option("--token", g.conn.token, "Bearer token (prefer --token-file or FLEETCTL_TOKEN)");
  app.add_option("--token-file", g.conn.token_file, "File holding the bearer token");
  app.add_option("--context", g.conn.context, "Context from the config file to use");
  app.add_option("--certificate-authority", g.conn.certificate_authority,
                 "PEM file of the CA to verify an https controller with (overrides the context)");
  app.add_flag("--insecure-skip-tls-verify", g.conn.insecure_skip_tls_verify,
               "Do not verify the controller's certificate (labs only; warns on every run)");
  app.add_option("--config", g.conn.config_path, "Config file (default $FLEETCTL_CONFIG or ~/.config/vpsfleet/config.yaml)");
  app.add_option("--request-timeout", g.timeout_seconds, "Seconds to wait for the controller")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();

  int rc = kExitOk;

  ApplyFlags apply;
  auto* apply_cmd = app.add_subcommand("apply", "Create or update resources from files, atomically (all or nothing)");
  AddFileFlags(apply_cmd, &apply.files, &apply.recursive, true);
  AddDryRun(apply_cmd, &apply.dry_run);
  apply_cmd->add_option("-o,--output", apply.output, "Print the applied objects: yaml, json or name");
  apply_cmd->callback([&] { rc = RunApply(g, apply); });

  std::vector<std::string> diff_files;
  bool diff_recursive = false;
  auto* diff_cmd = app.add_subcommand("diff", "Show what apply would change; exit 0 no change, 1 changes, 2 error");
  AddFileFlags(diff_cmd, &diff_files, &diff_recursive, true);
  diff_cmd->callback([&] { rc = RunDiff(g, diff_files, diff_recursive); });

  GetFlags get;
  auto* get_cmd = app.add_subcommand("get", "List resources, or show some by name");
  get_cmd->add_option("kind", get.kind, "Resource type: " + fleet::KnownKindsText() + " (plural and short names work)")->required();
  get_cmd->add_option("names", get.names, "Names (all when none)");
  get_cmd->add_option("-l,--selector", get.selector, "Label selector, e.g. region=atl,role in (chat,db)");
  get_cmd->add_option("-o,--output", get.output, "wide, yaml, json or name");
  get_cmd->callback([&] { rc = RunGet(g, get); });

  std::string describe_kind, describe_selector;
  std::vector<std::string> describe_names;
  auto* describe_cmd = app.add_subcommand("describe", "Show a resource in detail: spec, status, conditions");
  describe_cmd->add_option("kind", describe_kind, "Resource type")->required();
  describe_cmd->add_option("names", describe_names, "Names (all when none)");
  describe_cmd->add_option("-l,--selector", describe_selector, "Label selector");
  describe_cmd->callback([&] { rc = RunDescribe(g, describe_kind, describe_names, describe_selector); });

  DeleteFlags del;
  auto* delete_cmd = app.add_subcommand("delete", "Delete resources by file or by kind and name");
  AddFileFlags(delete_cmd, &del.files, &del.recursive, false);
  delete_cmd->add_option("args", del.args, "KIND NAME...");
  delete_cmd->add_flag("--ignore-not-found", del.ignore_not_found, "Not an error when the object is absent");
  delete_cmd->add_flag("--wait,!--no-wait", del.wait,
                       "Return only once the object is gone (default): a Host goes after its agent is stopped and removed");
  delete_cmd->add_option("--timeout", del.timeout_seconds, "Seconds --wait waits before failing (exit 1)")
      ->check(CLI::PositiveNumber);
  delete_cmd->add_flag("--force", del.force,
                       "Delete now without waiting for finalizers: for a Host that is gone for good (its agent is not touched)");
  AddDryRun(delete_cmd, &del.dry_run);
  delete_cmd->callback([&] { rc = RunDelete(g, del); });

  std::vector<std::string> validate_files;
  bool validate_recursive = false;
  auto* validate_cmd = app.add_subcommand("validate", "Check files against the resource schemas, offline");
  AddFileFlags(validate_cmd, &validate_files, &validate_recursive, true);
  validate_cmd->callback([&] { rc = RunValidate(validate_files, validate_recursive); });

  bool version_client = false;
  auto* version_cmd = app.add_subcommand("version", "Print client and server versions");
  version_cmd->add_flag("--client", version_client, "Client version only");
  version_cmd->callback([&] { rc = RunVersion(g, version_client); });

  auto* config_cmd = app.add_subcommand("config", "Manage contexts (controller URL and token)");
  config_cmd->require_subcommand(1);
  ContextFlags ctx;
  auto* set_ctx = config_cmd->add_subcommand("set-context", "Create or change a context");
  set_ctx->add_option("name", ctx.name, "Context name")->required();
  set_ctx->add_option("--server", ctx.server, "Controller URL, e.g. http://127.0.0.1:7070");
  set_ctx->add_option("--token", ctx.token, "Bearer token (stored in the 0600 config file)");
  set_ctx->add_option("--token-file", ctx.token_file, "File holding the token (stored as a path)");
  set_ctx->add_option("--certificate-authority", ctx.certificate_authority,
                      "PEM file of the CA the https server is verified with (stored as a path)");
  set_ctx->add_flag("--insecure-skip-tls-verify", ctx.insecure_skip_tls_verify,
                    "Do not verify the server's certificate (labs only; fleetctl warns on every "
                    "run); =false turns it off again");
  bool use_it = false;
  set_ctx->add_flag("--use", use_it, "Also make it the current context");
  set_ctx->callback([&] { rc = RunSetContext(g, ctx, use_it); });
  std::string use_name;
  auto* use_ctx = config_cmd->add_subcommand("use-context", "Make a context current");
  use_ctx->add_option("name", use_name, "Context name")->required();
  use_ctx->callback([&] { rc = RunUseContext(g, use_name); });
  config_cmd->add_subcommand("view", "Show the config (tokens redacted)")->callback([&] { rc = RunViewConfig(g); });

  AddRolloutCommands(app, [&g] { return Connect(g); }, &rc);
  AddSupportCommand(app, [&g] { return Connect(g); }, &rc);
  AddInventoryCommand(app, [&g] { return Connect(g); }, &rc);
  AddImportCommand(app, [&g] { return Connect(g); }, &rc);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return rc;
}

}  // namespace fleetctl
