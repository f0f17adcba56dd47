// How the HTTP side answers a gRPC status: google.rpc.Status JSON (our
// rcp.common.v1.Status is wire-compatible with it, details included) under
// the HTTP code grpc-gateway's mapping table gives.
#ifndef RCP_SERVICES_GATEWAY_WEB_API_STATUS_H_
#define RCP_SERVICES_GATEWAY_WEB_API_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::web {

inline constexpr char kJson[] = "application/json";

// The HTTP status grpc-gateway gives a gRPC code.
int HttpStatusOf(grpc::StatusCode code);

// The status as JSON; `details` is grpc's binary error details (a
// serialized google.rpc.Status), used when it parses.
std::string StatusJson(grpc::StatusCode code, const std::string& message, const std::string& details = "");

// The caller's Authorization header: empty (no key) or "Bearer <key>", the
// only scheme /v1 takes. Anything else is answered 401 on `res` (false).
bool BearerOrNone(const httplib::Request& req, httplib::Response& res, std::string* authorization);

// Answers `res` with the status: its HTTP code, JSON, no-store, and for
// UNAUTHENTICATED how to authenticate (RFC 6750).
void SendStatus(httplib::Response& res, grpc::StatusCode code, const std::string& message,
                const std::string& details = "");

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_API_STATUS_H_
