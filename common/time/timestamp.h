// google.protobuf.Timestamp ⇄ absl::Time (and Duration ⇄ absl::Duration), and the Timestamp type's own
// validity rule, in one place for every service, the gateway and rcpctl.
#ifndef RCP_COMMON_TIME_TIMESTAMP_H_
#define RCP_COMMON_TIME_TIMESTAMP_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace rcp {

google::protobuf::Timestamp ToTimestamp(absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& t);
// Within 0001-01-01..9999-12-31 with nanos in [0, 1e9), as the Timestamp
// type's own definition requires.
bool IsValidTimestamp(const google::protobuf::Timestamp& t);
// google.protobuf.Duration ⇄ absl::Duration.
google::protobuf::Duration ToDuration(absl::Duration d);
absl::Duration FromDuration(const google::protobuf::Duration& d);

}  // namespace rcp

#endif  // RCP_COMMON_TIME_TIMESTAMP_H_
