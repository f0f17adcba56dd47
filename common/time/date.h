// Calendar dates (rcp.common.v1.Date): validation and comparison.
#ifndef RCP_COMMON_TIME_DATE_H_
#define RCP_COMMON_TIME_DATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rcp/common/v1/common.pb.h"

namespace rcp {

// A set date must be a real calendar day in 1900..9999.
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateDate(absl::string_view field, const rcp::common::v1::Date& date);

bool IsSet(const rcp::common::v1::Date& date);

// Days since 1970-01-01 (for ordering and ranges).
int64_t DayNumber(const rcp::common::v1::Date& date);

// The UTC calendar day of `t`.
rcp::common::v1::Date DateOf(absl::Time t);

// "2005-04-14".
std::string FormatDate(const rcp::common::v1::Date& date);

// Whether `day` lies within [start, end] (either bound unset = open).
bool DateInRange(const rcp::common::v1::Date& day, const rcp::common::v1::Date& start,
                 const rcp::common::v1::Date& end);

}  // namespace rcp

#endif  // RCP_COMMON_TIME_DATE_H_
