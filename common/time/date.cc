#include "common/time/date.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status.h"

namespace rcp {

bool IsSet(const rcp::common::v1::Date& d) { return d.year() != 0 || d.month() != 0 || d.day() != 0; }

absl::Status ValidateDate(absl::string_view field, const rcp::common::v1::Date& d) {
  if (d.year() < 1900 || d.year() > 9999) {
    return InvalidField(absl::StrCat(field, ".year"), "must be between 1900 and 9999");
  }
  if (d.month() < 1 || d.month() > 12) {
    return InvalidField(absl::StrCat(field, ".month"), "must be between 1 and 12");
  }
  absl::CivilDay day(d.year(), d.month(), d.day());
  if (d.day() < 1 || day.day() != d.day() || day.month() != d.month()) {
    return InvalidField(absl::StrCat(field, ".day"),
                        absl::StrCat("is not a day of ", d.year(), "-", d.month()));
  }
  return absl::OkStatus();
}

int64_t DayNumber(const rcp::common::v1::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day()) - absl::CivilDay(1970, 1, 1);
}

rcp::common::v1::Date DateOf(absl::Time t) {
  absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone());
  rcp::common::v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

std::string FormatDate(const rcp::common::v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

bool DateInRange(const rcp::common::v1::Date& day, const rcp::common::v1::Date& start,
                 const rcp::common::v1::Date& end) {
  int64_t n = DayNumber(day);
  if (IsSet(start) && n < DayNumber(start)) return false;
  if (IsSet(end) && n > DayNumber(end)) return false;
  return true;
}

}  // namespace rcp
