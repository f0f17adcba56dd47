// The OpenAPI document of the JSON API, generated at build time from the
// public protos (openapi_gen.cc) and served at /v1/openapi.json.
#ifndef RCP_SERVICES_GATEWAY_WEB_OPENAPI_DOCUMENT_H_
#define RCP_SERVICES_GATEWAY_WEB_OPENAPI_DOCUMENT_H_

namespace rcp::gateway::web {

extern const char kOpenApiDocument[];

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_OPENAPI_DOCUMENT_H_
