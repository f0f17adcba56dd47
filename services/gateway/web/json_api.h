// The JSON/HTTP API under /v1: the public gRPC methods transcoded as
// AIP-127 and their google.api.http options say (GET for Get and List, POST
// for Create and custom methods, PATCH with updateMask, DELETE), with
// protobuf's JSON mapping. Every call goes to the gateway's own gRPC server
// through an in-process channel, with the caller's Bearer key: the same
// authentication, policy table and limits as a gRPC client meets, so an
// item the key may not see is NOT_FOUND here exactly as there. A call
// without a key is the policy's anonymous caller, as over gRPC: it reads
// PUBLIC items, which any origin may then read too (CORS `*`, on those
// answers alone), and is UNAUTHENTICATED (401) for the rest. Errors are
// google.rpc.Status JSON, with grpc-gateway's HTTP codes.
#ifndef RCP_SERVICES_GATEWAY_WEB_JSON_API_H_
#define RCP_SERVICES_GATEWAY_WEB_JSON_API_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/gateway/web/http_rules.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::web {

class JsonApi {
 public:
  // Routes from the google.api.http options of the public services; calls
  // go to `gateway` (the gateway's in-process channel).
  static absl::StatusOr<std::unique_ptr<JsonApi>> Create(std::shared_ptr<grpc::Channel> gateway);

  // Serves /v1/... on `server`.
  void Register(httplib::Server& server);

  const std::vector<HttpRule>& rules() const { return rules_; }

 private:
  JsonApi(std::shared_ptr<grpc::Channel> gateway, std::vector<HttpRule> rules);
  void Handle(const httplib::Request& req, httplib::Response& res);

  std::shared_ptr<grpc::Channel> gateway_;
  std::vector<HttpRule> rules_;
};

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_JSON_API_H_
