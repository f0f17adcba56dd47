#include "services/gateway/web/api_status.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include "rcp/common/v1/common.pb.h"

namespace rcp::gateway::web {

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    default: return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

std::string StatusJson(grpc::StatusCode code, const std::string& message, const std::string& details) {
  rcp::common::v1::Status status;
  if (details.empty() || !status.ParseFromString(details)) {
    status.Clear();
    status.set_code(static_cast<int>(code));
    status.set_message(message);
  }
  std::string body;
  if (!google::protobuf::util::MessageToJsonString(status, &body).ok()) {
    // A detail of a type this binary does not know: the code and message.
    status.clear_details();
    (void)google::protobuf::util::MessageToJsonString(status, &body);
  }
  return body;
}

bool BearerOrNone(const httplib::Request& req, httplib::Response& res, std::string* authorization) {
  *authorization = req.get_header_value("Authorization");
  if (authorization->empty() || authorization->rfind("Bearer ", 0) == 0) return true;
  SendStatus(res, grpc::StatusCode::UNAUTHENTICATED, "Authorization: only \"Bearer <key>\" is accepted");
  return false;
}

void SendStatus(httplib::Response& res, grpc::StatusCode code, const std::string& message,
                const std::string& details) {
  res.status = HttpStatusOf(code);
  res.set_header("Cache-Control", "no-store");
  if (code == grpc::StatusCode::UNAUTHENTICATED) res.set_header("WWW-Authenticate", "Bearer realm=\"rcp\"");
  res.set_content(StatusJson(code, message, details) + "\n", kJson);
}

}  // namespace rcp::gateway::web
