// Options of the events service, as plain values (main fills them from flags).
#ifndef RCP_SERVICES_EVENTS_EVENTS_OPTIONS_H_
#define RCP_SERVICES_EVENTS_EVENTS_OPTIONS_H_

#include <string>

#include "absl/time/time.h"
#include "common/storage/store.h"

namespace rcp::events {

struct EventsOptions {
  // The database; store_name and column_families are filled in by Open.
  storage::StoreOptions store;
  // This deployment's stable id: part of every iCalendar UID.
  // Default: "rcp-exchange.local".
  std::string deployment_id = "rcp-exchange.local";
  // Longest meeting. Window queries look back this far for meetings that
  // started before the window. Default: 31 days.
  absl::Duration max_meeting_length = absl::Hours(24 * 31);
  // Most meetings one calendar export holds. Default: 10,000.
  int max_export_meetings = 10000;
};

}  // namespace rcp::events

#endif  // RCP_SERVICES_EVENTS_EVENTS_OPTIONS_H_
