// iCalendar (RFC 5545) export of meetings: the body of ExportCalendar and of
// the calendar feed that Outlook, Google Calendar, Apple Calendar and
// Thunderbird subscribe to as they are.
//
// Pure functions: no storage, no clock (the caller passes `now`), no I/O but
// reading the system time zone database (through absl::LoadTimeZone). All
// functions are thread-safe.
//
// The output is deterministic for a given input (same meetings, same options,
// same tz database), byte for byte, so it can be compared with golden files
// and served with a stable ETag.
#ifndef RCP_COMMON_ICAL_ICAL_H_
#define RCP_COMMON_ICAL_ICAL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::ical {

struct IcalOptions {
  // Identifies the deployment (e.g. "bali-process.secretariat"); the domain
  // part of every UID, so that two secretariats exporting meetings with the
  // same resource name never collide in a client that subscribes to both.
  // Default: empty (UIDs then have no "@" part).
  std::string deployment_id;
  // Meetings of other deployments (federation mirrors), by name: their
  // origin, which is the domain of their UID instead, so that a joint
  // inter-RCP meeting has one UID wherever it is exported from.
  std::map<std::string, std::string> origins;

  // Shown by clients as the calendar's name (X-WR-CALNAME).
  // Default: "RCP meetings".
  std::string calendar_name = "RCP meetings";

  // DTSTAMP of every VEVENT (the time the export was made), written in UTC
  // and truncated to the second. Pass the injected clock's Now().
  absl::Time now = absl::UnixEpoch();
};

// The UID of a meeting: its resource name with "/" replaced by ".", then
// "@" and the deployment id, e.g.
//   MeetingUid("processes/bali-process/meetings/abc", "bali-process.secretariat")
//   == "processes.bali-process.meetings.abc@bali-process.secretariat".
// Stable across exports and changes (clients match updates and cancellations
// by UID), and never reused since meeting ids are never reused. Without a
// deployment id the "@…" part is omitted.
std::string MeetingUid(absl::string_view meeting_name, absl::string_view deployment_id);

// A whole VCALENDAR (PRODID "-//RCP Exchange//Meetings//EN", VERSION 2.0,
// CALSCALE GREGORIAN, METHOD PUBLISH, X-WR-CALNAME), with CRLF line endings
// and every line folded at 75 octets. An empty `meetings` gives a calendar
// with no components (clients accept it; a feed may well be empty).
//
// One VEVENT per meeting, ordered by start instant (an all-day meeting's is
// the local midnight of its first day in time_zone), then by resource name
// (stable for equal names), whatever the input order:
//   UID            MeetingUid(name, its origin or options.deployment_id)
//   DTSTAMP        options.now, UTC
//   DTSTART/DTEND  timed meeting: local wall time with TZID=<time_zone>, and
//                  one VTIMEZONE per TZID used (before the VEVENTs, sorted by
//                  TZID). A "UTC" or "Etc/UTC" zone is written in UTC
//                  ("…Z", no VTIMEZONE); so is a zone the tz database does
//                  not know (the instant stays right; only the zone is lost).
//                  A time in the second pass of a repeated hour (clocks
//                  going back) is written in UTC too, since a local time
//                  there means the first pass. DTEND is omitted when
//                  end_time is unset or not after start_time.
//                  All-day meeting: DTSTART;VALUE=DATE:start_date and
//                  DTEND;VALUE=DATE: the day after end_date (RFC 5545 ends
//                  are exclusive); no zone.
//   SUMMARY        title
//   DESCRIPTION    description, then "Agenda:" with the numbered agenda item
//                  titles, then "Cancelled: <cancel_reason>", as paragraphs
//                  separated by a blank line; omitted when all are empty.
//   LOCATION       "<venue name>, <city>, <country name>" (the empty parts
//                  left out; the country's ISO 3166 English short name, or
//                  the code itself when unassigned); omitted when empty.
//   CATEGORIES     the kind in words, as a person would write it in a
//                  calendar: "Ministerial conference", "Senior officials'
//                  meeting", "Technical workshop", "Working group", "Side
//                  meeting", "Inter-RCP meeting"; omitted when unspecified.
//   STATUS         PLANNED and POSTPONED → TENTATIVE, CONFIRMED and HELD →
//                  CONFIRMED, CANCELLED → CANCELLED; omitted when unspecified.
//   SEQUENCE       sequence (so a cancellation, whose sequence is higher,
//                  supersedes the copy a client holds and removes it).
//   CREATED, LAST-MODIFIED  create_time, update_time in UTC, when set.
//
// Skipped: meetings with dates_to_be_announced (a postponed meeting with no
// dates has nothing to put in DTSTART; a subscribing client drops it until
// it is rescheduled, when it comes back with a higher SEQUENCE), except a
// CANCELLED one that still has dates, which is kept so clients remove it;
// and meetings without dates at all (timed without start_time, all-day
// without start_date), since DTSTART is required.
//
// VTIMEZONE: from the system tz database, one observance per offset
// transition from one year before the earliest use of the zone to one year
// after the latest, plus the observance in force at the start of that span;
// each with DTSTART (the local wall time of the transition, in the offset
// it changes from), TZOFFSETFROM, TZOFFSETTO (±HHMM, ±HHMMSS when not whole
// minutes) and TZNAME (omitted for tzdata's numeric placeholders like
// "+07"). A zone with no transition in the span has one STANDARD observance
// from 19700101T000000 (or the span's first day, when earlier) at its fixed
// offset.
std::string RenderCalendar(const std::vector<rcp::events::v1::Meeting>& meetings,
                           const IcalOptions& options);

// Building blocks, exposed for tests.

// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma are
// escaped with a backslash; line breaks (CRLF, LF, lone CR) become "\n".
// Other control characters, which TEXT cannot carry, are dropped (tab is
// kept), and invalid UTF-8 becomes U+FFFD, so the output is always a valid
// value.
std::string EscapeText(absl::string_view text);

// One content line (without line break) folded as RFC 5545 §3.1 requires:
// no physical line longer than 75 octets (CRLF excluded), each continuation
// starting with a single space, breaks only between UTF-8 characters (never
// before a continuation byte, except in a run of 75 of them, which valid
// UTF-8 cannot have). The result ends with CRLF. Unfolding (removing every
// CRLF followed by a space) gives back `line`.
std::string FoldLine(absl::string_view line);

}  // namespace rcp::ical

#endif  // RCP_COMMON_ICAL_ICAL_H_
