// fleet::Status <-> the Kubernetes Status object the API server answers errors with:
// {kind: Status, apiVersion: v1, status: Failure, message, reason, code,
//  details: {name, kind, causes: [{reason, message, field}]}}. A cause's field names it within
// the request body, so a cause about the third object of a bulk apply is "items[2].spec.port".
#pragma once

#include <string>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace fleet {

// kind and name, when given, go into details (the object a single-object request was about).
Json StatusToJson(const Status& status, const std::string& kind = "", const std::string& name = "");

// The Status an answer with HTTP status http_code carries; body is the server's Status object
// when it sent one (anything else becomes the message). Each cause's item is read back from its
// field's "items[N]." prefix.
Status StatusFromJson(int http_code, const Json& body);

}  // namespace fleet
