// The OpenAPI 3.0.3 document of the JSON API, made from the same HTTP rules
// the API routes by (http_rules.h) and the comments of the protos. It is
// generated at build time by rcp-openapi-gen from protoc's descriptor set
// (which keeps the comments) and served at /v1/openapi.json.
#ifndef RCP_SERVICES_GATEWAY_WEB_OPENAPI_H_
#define RCP_SERVICES_GATEWAY_WEB_OPENAPI_H_

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "services/gateway/web/http_rules.h"

namespace rcp::gateway::web {

// An AIP-127 template as an OpenAPI path, each wildcard a parameter named
// for the collection before it: "/v1/{name=processes/*/meetings/*}:confirm"
// → "/v1/processes/{process}/meetings/{meeting}:confirm".
std::string OpenApiPath(const PathTemplate& path);

nlohmann::ordered_json OpenApiDocument(const std::vector<HttpRule>& rules);

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_OPENAPI_H_
