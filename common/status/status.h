// Status helpers used everywhere: early-return macros (Debian's Abseil
// 20220623 has none), constructors that attach the field that broke a rule,
// and the one place where Abseil and gRPC statuses are converted (RocksDB's
// are converted in common/storage/rocks_status.h, beside the only code that
// sees them).
#ifndef RCP_COMMON_STATUS_STATUS_H_
#define RCP_COMMON_STATUS_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Status;
}
namespace google::protobuf {
class Message;
}

namespace rcp {

#define RCP_STATUS_CONCAT_INNER_(a, b) a##b
#define RCP_STATUS_CONCAT_(a, b) RCP_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RCP_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::absl::Status rcp_status_ = (expr);           \
    if (!rcp_status_.ok()) return rcp_status_;     \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status.
#define RCP_ASSIGN_OR_RETURN(lhs, rexpr) \
  RCP_ASSIGN_OR_RETURN_IMPL_(RCP_STATUS_CONCAT_(rcp_statusor_, __LINE__), lhs, rexpr)
#define RCP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()

// INVALID_ARGUMENT naming the field and the rule; the field is also attached
// as an rcp.common.v1.FieldViolation detail so programs can read it.
absl::Status InvalidField(absl::string_view field, absl::string_view rule);

// Attaches `detail` as a payload that ToGrpcStatus sends to clients in the
// grpc-status-details-bin trailer (as rcp.common.v1.Status.details).
void AttachDetail(absl::Status& status, const google::protobuf::Message& detail);

// Reads back a detail of type T attached by AttachDetail; false when absent.
bool GetDetail(const absl::Status& status, google::protobuf::Message* detail);

// absl → gRPC, with details carried in the status-details trailer.
grpc::Status ToGrpcStatus(const absl::Status& s);

// gRPC → absl, details included (for clients and the gateway).
absl::Status FromGrpcStatus(const grpc::Status& s);

}  // namespace rcp

#endif  // RCP_COMMON_STATUS_STATUS_H_
