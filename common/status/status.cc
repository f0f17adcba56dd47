#include "common/status/status.h"

#include <grpcpp/support/status.h>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "rcp/common/v1/common.pb.h"

namespace rcp {
namespace {
constexpr absl::string_view kTypePrefix = "type.googleapis.com/";
}

absl::Status InvalidField(absl::string_view field, absl::string_view rule) {
  absl::Status s = absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
  rcp::common::v1::FieldViolation v;
  v.set_field(std::string(field));
  v.set_description(std::string(rule));
  AttachDetail(s, v);
  return s;
}

void AttachDetail(absl::Status& status, const google::protobuf::Message& detail) {
  status.SetPayload(absl::StrCat(kTypePrefix, detail.GetTypeName()),
                    absl::Cord(detail.SerializeAsString()));
}

bool GetDetail(const absl::Status& status, google::protobuf::Message* detail) {
  auto payload = status.GetPayload(absl::StrCat(kTypePrefix, detail->GetTypeName()));
  if (!payload.has_value()) return false;
  return detail->ParseFromString(std::string(*payload));
}

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  rcp::common::v1::Status details;
  details.set_code(static_cast<int>(s.code()));
  details.set_message(std::string(s.message()));
  s.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  // absl::StatusCode values equal grpc::StatusCode values by design.
  if (details.details_size() == 0) {
    return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()),
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  if (!s.error_details().empty()) {
    rcp::common::v1::Status details;
    if (details.ParseFromString(s.error_details())) {
      for (const auto& any : details.details()) {
        out.SetPayload(any.type_url(), absl::Cord(any.value()));
      }
    }
  }
  return out;
}

}  // namespace rcp
