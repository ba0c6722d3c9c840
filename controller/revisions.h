// Per-host revision history: every revision rendered for a host is kept (its config, and of its
// secret files only paths and SHA-256 hashes: no secret value outlives its Secret), so an older
// one can be delivered again (rollback, undo) without the inputs it came from; its secret files
// with the Secrets' current values when those still match, else only to a host that has them.
// One internal store object per host (kind HostRevisions, not served by the API): a host's
// history is one read, and a write happens only when a new revision appears.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "controller/reconciler_options.h"
#include "fleet/render.h"
#include "fleet/store.h"

namespace controller {

inline constexpr const char* kHostRevisionsKind = "HostRevisions";
inline constexpr size_t kRevisionHistoryLimit = 10;  // per host; the oldest are dropped

// Stored Secrets by name, as the renderer takes them.
fleet::Result<std::map<std::string, fleet::Json>> LoadSecrets(fleet::Store& store);

// Renders a stored Host with its profile and the given secrets (what the host should run now),
// with the agent version its profile names (spec.agent.version) or the default one.
// kNotFound: the profile does not exist; kUnavailable: the controller has no bundle of that agent
// version; kInvalid: it cannot be rendered (e.g. a missing secret).
fleet::Result<fleet::RenderedAgent> RenderHost(fleet::Store& store, const fleet::Json& host,
                                               const std::map<std::string, fleet::Json>& secrets,
                                               const ReconcilerOptions& options);
// The ConfigApplied reason for a RenderHost failure.
std::string RenderFailureReason(const fleet::Status& st);

// Adds rendered to host's history unless it is there already (then nothing is written).
fleet::Status RecordRevision(fleet::Store& store, const std::string& host,
                             const fleet::RenderedAgent& rendered);
// A revision from host's history; kNotFound when it was never rendered or has been dropped.
// Its secret files take their content from current (what the host renders to now) where the
// path and hash match; the others are kept_secret_files.
fleet::Result<fleet::RenderedAgent> FindRevision(fleet::Store& store, const std::string& host,
                                                 const std::string& revision,
                                                 const fleet::RenderedAgent& current);
// Drops host's history (the Host was deleted).
fleet::Status ForgetRevisions(fleet::Store& store, const std::string& host);

}  // namespace controller
