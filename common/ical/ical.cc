#include "common/ical/ical.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/iso3166/iso3166.h"
#include "common/time/date.h"

namespace rcp::ical {
namespace {

namespace v1 = ::rcp::events::v1;

using ::rcp::events::v1::Meeting;
using ::rcp::events::v1::MeetingKind;
using ::rcp::events::v1::MeetingStatus;

constexpr char kProdId[] = "-//RCP Exchange//Meetings//EN";
constexpr size_t kMaxLineOctets = 75;
constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";  // U+FFFD

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence at the start of `s` (Unicode
// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!IsUtf8Continuation(s[i])) return 0;
  }
  return length;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::CivilDay ToCivilDay(const rcp::common::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
}

std::string FormatLocal(absl::CivilSecond cs) {
  return absl::StrFormat("%04d%02d%02dT%02d%02d%02d", cs.year(), cs.month(), cs.day(), cs.hour(),
                         cs.minute(), cs.second());
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d%02d%02d", day.year(), day.month(), day.day());
}

// RFC 5545 utc-offset: ±HHMM, ±HHMMSS for the historical offsets (local mean
// times) that are not whole minutes. "-0000" is not allowed, so zero is "+".
std::string FormatOffset(int offset_seconds) {
  const char sign = offset_seconds < 0 ? '-' : '+';
  const int magnitude = std::abs(offset_seconds);
  const int hours = magnitude / 3600, minutes = magnitude / 60 % 60, seconds = magnitude % 60;
  if (seconds != 0) return absl::StrFormat("%c%02d%02d%02d", sign, hours, minutes, seconds);
  return absl::StrFormat("%c%02d%02d", sign, hours, minutes);
}

const char* StatusValue(MeetingStatus status) {
  switch (status) {
    case v1::PLANNED:
    case v1::POSTPONED:
      return "TENTATIVE";
    case v1::CONFIRMED:
    case v1::HELD:
      return "CONFIRMED";
    case v1::CANCELLED:
      return "CANCELLED";
    default:
      return nullptr;
  }
}

// Words rather than enum names: clients show categories to people (Outlook
// turns them into colour categories).
const char* KindCategory(MeetingKind kind) {
  switch (kind) {
    case v1::MINISTERIAL_CONFERENCE:
      return "Ministerial conference";
    case v1::SENIOR_OFFICIALS_MEETING:
      return "Senior officials' meeting";
    case v1::TECHNICAL_WORKSHOP:
      return "Technical workshop";
    case v1::WORKING_GROUP:
      return "Working group";
    case v1::SIDE_MEETING:
      return "Side meeting";
    case v1::INTER_RCP_MEETING:
      return "Inter-RCP meeting";
    default:
      return nullptr;
  }
}

std::string Location(const v1::Venue& venue) {
  std::vector<std::string> parts;
  if (!venue.name().empty()) parts.push_back(venue.name());
  if (!venue.city().empty()) parts.push_back(venue.city());
  if (!venue.country().empty()) {
    const char* country = rcp::iso3166::CountryName(venue.country());
    parts.push_back(country != nullptr ? country : venue.country());
  }
  return absl::StrJoin(parts, ", ");
}

std::string Description(const Meeting& meeting) {
  std::vector<std::string> paragraphs;
  if (!meeting.description().empty()) paragraphs.push_back(meeting.description());
  if (meeting.agenda_items_size() > 0) {
    std::string agenda = "Agenda:";
    for (int i = 0; i < meeting.agenda_items_size(); ++i) {
      absl::StrAppend(&agenda, "\n", i + 1, ". ", meeting.agenda_items(i).title());
    }
    paragraphs.push_back(std::move(agenda));
  }
  if (meeting.status() == v1::CANCELLED && !meeting.cancel_reason().empty()) {
    paragraphs.push_back(absl::StrCat("Cancelled: ", meeting.cancel_reason()));
  }
  return absl::StrJoin(paragraphs, "\n\n");
}

bool IsUtcZoneName(absl::string_view name) { return name == "UTC" || name == "Etc/UTC"; }

// A TZID parameter value must not need quoting (no control characters, '"',
// ';', ':' or ','); IANA names never do, and anything else is not trusted.
bool IsPlainParamValue(absl::string_view name) {
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '"' || c == ';' || c == ':' || c == ',') return false;
  }
  return !name.empty();
}

// A meeting as it will be rendered: its zone resolved and its sort key.
struct Event {
  const Meeting* meeting;
  absl::Time start;                    // the start instant (all-day: local midnight)
  absl::Time end;                      // the end instant (all-day: the next local midnight)
  std::string tzid;                    // TZID of DTSTART/DTEND; empty: UTC, or all-day
  absl::TimeZone zone;                 // the meeting's zone; UTC when unknown
  absl::CivilDay first_day, last_day;  // all-day: the inclusive dates
};

// Whether the meeting has the dates DTSTART needs, and is not a postponed
// meeting waiting for new ones (see the header).
bool Renderable(const Meeting& meeting) {
  if (meeting.dates_to_be_announced() && meeting.status() != v1::CANCELLED) return false;
  return meeting.all_day() ? IsSet(meeting.start_date()) : meeting.has_start_time();
}

Event Resolve(const Meeting& meeting) {
  Event event{&meeting, absl::InfinitePast(), absl::InfinitePast(), "", absl::UTCTimeZone(), {},
              {}};
  absl::TimeZone zone;
  const bool known = !IsUtcZoneName(meeting.time_zone()) &&
                     IsPlainParamValue(meeting.time_zone()) &&
                     absl::LoadTimeZone(meeting.time_zone(), &zone);
  if (known) event.zone = zone;
  if (meeting.all_day()) {
    // No end date, or one before the start, means a one-day meeting.
    event.first_day = ToCivilDay(meeting.start_date());
    event.last_day = IsSet(meeting.end_date())
                         ? std::max(event.first_day, ToCivilDay(meeting.end_date()))
                         : event.first_day;
    event.start = absl::FromCivil(event.first_day, event.zone);
    event.end = absl::FromCivil(event.last_day + 1, event.zone);
  } else {
    event.start = ToTime(meeting.start_time());
    event.end = meeting.has_end_time() ? ToTime(meeting.end_time()) : event.start;
    if (known) event.tzid = meeting.time_zone();
  }
  return event;
}

// The TZNAME of an observance, or empty. tzdata writes "+07" or "-03" where
// a zone has no established abbreviation: that is no name, so TZNAME is left
// out rather than invented.
std::string Abbreviation(const absl::TimeZone::CivilInfo& info) {
  const absl::string_view abbr = info.zone_abbr != nullptr ? info.zone_abbr : "";
  if (abbr.empty() || abbr[0] == '+' || abbr[0] == '-' || absl::ascii_isdigit(abbr[0])) return "";
  return std::string(abbr);
}

struct Observance {
  absl::CivilSecond onset;  // local wall time, in the offset it changes from
  int offset_from;
  int offset_to;
  bool is_dst;
  std::string name;
};

// The observance that starts at instant `at` (a transition of `zone`).
Observance ObservanceAt(const absl::TimeZone& zone, absl::Time at) {
  const absl::TimeZone::CivilInfo before = zone.At(at - absl::Seconds(1));
  const absl::TimeZone::CivilInfo after = zone.At(at);
  return Observance{before.cs + 1, before.offset, after.offset, after.is_dst, Abbreviation(after)};
}

void AppendLine(std::string* out, absl::string_view name, absl::string_view value) {
  out->append(FoldLine(absl::StrCat(name, ":", value)));
}

// A VTIMEZONE covering [from, to]: the observance in force at `from` and one
// per transition up to `to`. A VTIMEZONE only describes the times the
// calendar uses, so a bounded span keeps the feed small.
std::string RenderTimeZone(const std::string& tzid, const absl::TimeZone& zone, absl::Time from,
                           absl::Time to) {
  std::vector<Observance> observances;
  absl::TimeZone::CivilTransition transition;
  // The transition instant is where its `to` wall time maps (abseil's own
  // idiom; `.trans` is right for both skipped and repeated wall times).
  const auto instant = [&](const absl::TimeZone::CivilTransition& tr) {
    return zone.At(tr.to).trans;
  };
  absl::Time cursor = from;
  while (zone.NextTransition(cursor, &transition) && instant(transition) <= to) {
    cursor = instant(transition);
    observances.push_back(ObservanceAt(zone, cursor));
  }

  // The local day at which the span starts: the onset of a synthetic first
  // observance when the tz database has no earlier transition to name.
  const absl::TimeZone::CivilInfo at_from = zone.At(from);
  const absl::CivilSecond span_onset(absl::CivilDay(at_from.cs));
  if (observances.empty()) {
    // A fixed offset over the whole span: one STANDARD from 1970, as
    // Outlook and Google write them (earlier only for a span before 1970).
    observances.push_back(Observance{std::min(absl::CivilSecond(1970, 1, 1), span_onset),
                                     at_from.offset, at_from.offset, false, Abbreviation(at_from)});
  } else if (zone.PrevTransition(from + absl::Seconds(1), &transition)) {
    observances.insert(observances.begin(), ObservanceAt(zone, instant(transition)));
  } else {
    observances.insert(observances.begin(), Observance{span_onset, at_from.offset, at_from.offset,
                                                       at_from.is_dst, Abbreviation(at_from)});
  }

  std::string out;
  AppendLine(&out, "BEGIN", "VTIMEZONE");
  AppendLine(&out, "TZID", tzid);
  for (const Observance& o : observances) {
    const char* kind = o.is_dst ? "DAYLIGHT" : "STANDARD";
    AppendLine(&out, "BEGIN", kind);
    AppendLine(&out, "DTSTART", FormatLocal(o.onset));
    AppendLine(&out, "TZOFFSETFROM", FormatOffset(o.offset_from));
    AppendLine(&out, "TZOFFSETTO", FormatOffset(o.offset_to));
    if (!o.name.empty()) AppendLine(&out, "TZNAME", EscapeText(o.name));
    AppendLine(&out, "END", kind);
  }
  AppendLine(&out, "END", "VTIMEZONE");
  return out;
}

std::string DateTimeValue(const Event& event, absl::Time t) {
  if (!event.tzid.empty()) {
    const absl::CivilSecond local = event.zone.At(t).cs;
    // A wall time repeated when clocks go back means its first occurrence
    // (RFC 5545 §3.3.5); the second one can only be written in UTC.
    const absl::TimeZone::TimeInfo meaning = event.zone.At(local);
    if (meaning.kind != absl::TimeZone::TimeInfo::REPEATED || meaning.pre == t) {
      return absl::StrCat(";TZID=", event.tzid, ":", FormatLocal(local));
    }
  }
  return absl::StrCat(":", FormatUtc(t));
}

std::string RenderEvent(const Event& event, const IcalOptions& options) {
  const Meeting& m = *event.meeting;
  std::string out;
  AppendLine(&out, "BEGIN", "VEVENT");
  auto origin = options.origins.find(m.name());
  AppendLine(&out, "UID",
             EscapeText(MeetingUid(m.name(), origin == options.origins.end() ? options.deployment_id
                                                                              : origin->second)));
  AppendLine(&out, "DTSTAMP", FormatUtc(options.now));
  if (m.all_day()) {
    AppendLine(&out, "DTSTART;VALUE=DATE", FormatDate(event.first_day));
    AppendLine(&out, "DTEND;VALUE=DATE", FormatDate(event.last_day + 1));
  } else {
    out.append(FoldLine(absl::StrCat("DTSTART", DateTimeValue(event, event.start))));
    // DTEND must be later than DTSTART; without one the event is an instant.
    if (event.end > event.start) {
      out.append(FoldLine(absl::StrCat("DTEND", DateTimeValue(event, event.end))));
    }
  }
  AppendLine(&out, "SUMMARY", EscapeText(m.title()));
  const std::string description = Description(m);
  if (!description.empty()) AppendLine(&out, "DESCRIPTION", EscapeText(description));
  const std::string location = Location(m.venue());
  if (!location.empty()) AppendLine(&out, "LOCATION", EscapeText(location));
  if (const char* category = KindCategory(m.kind())) {
    AppendLine(&out, "CATEGORIES", EscapeText(category));
  }
  if (const char* status = StatusValue(m.status())) AppendLine(&out, "STATUS", status);
  AppendLine(&out, "SEQUENCE", absl::StrCat(std::max(0, m.sequence())));
  if (m.has_create_time()) AppendLine(&out, "CREATED", FormatUtc(ToTime(m.create_time())));
  if (m.has_update_time()) {
    AppendLine(&out, "LAST-MODIFIED", FormatUtc(ToTime(m.update_time())));
  }
  AppendLine(&out, "END", "VEVENT");
  return out;
}

}  // namespace

std::string MeetingUid(absl::string_view meeting_name, absl::string_view deployment_id) {
  // Dots for slashes: some clients treat a UID as a file name (CalDAV
  // stores), and resource ids never contain dots, so the mapping is 1:1.
  std::string uid = absl::StrReplaceAll(meeting_name, {{"/", "."}});
  if (!deployment_id.empty()) absl::StrAppend(&uid, "@", deployment_id);
  return uid;
}

std::string EscapeText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    switch (c) {
      case '\\':
      case ';':
      case ',':
        out.push_back('\\');
        out.push_back(c);
        ++i;
        continue;
      case '\r':
        out.append("\\n");
        i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
        continue;
      case '\n':
        out.append("\\n");
        ++i;
        continue;
      case '\t':
        out.push_back(c);
        ++i;
        continue;
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      ++i;  // TEXT cannot carry control characters (RFC 5545 §3.3.11)
      continue;
    }
    const size_t length = Utf8SequenceLength(text.substr(i));
    if (length == 0) {
      out.append(kReplacementCharacter);
      ++i;
      continue;
    }
    out.append(text.substr(i, length).data(), length);
    i += length;
  }
  return out;
}

std::string FoldLine(absl::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 37 + 2);
  // The first physical line holds 75 octets; each continuation 74 after its
  // leading space.
  size_t limit = kMaxLineOctets;
  while (line.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && IsUtf8Continuation(line[cut])) --cut;
    if (cut == 0) cut = limit;  // not UTF-8: nothing whole to keep together
    out.append(line.data(), cut);
    out.append("\r\n ");
    line.remove_prefix(cut);
    limit = kMaxLineOctets - 1;
  }
  out.append(line.data(), line.size());
  out.append("\r\n");
  return out;
}

std::string RenderCalendar(const std::vector<Meeting>& meetings, const IcalOptions& options) {
  std::vector<Event> events;
  events.reserve(meetings.size());
  for (const Meeting& meeting : meetings) {
    if (Renderable(meeting)) events.push_back(Resolve(meeting));
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.meeting->name() < b.meeting->name();
  });

  // Each zone's span of use, so its VTIMEZONE covers every time given in it.
  struct Span {
    absl::TimeZone zone;
    absl::Time first;
    absl::Time last;
  };
  std::map<std::string, Span> zones;  // ordered: VTIMEZONEs sorted by TZID
  for (const Event& event : events) {
    if (event.tzid.empty()) continue;
    const absl::Time last = std::max(event.start, event.end);
    auto [it, inserted] = zones.try_emplace(event.tzid, Span{event.zone, event.start, last});
    if (!inserted) {
      it->second.first = std::min(it->second.first, event.start);
      it->second.last = std::max(it->second.last, last);
    }
  }

  std::string out;
  AppendLine(&out, "BEGIN", "VCALENDAR");
  AppendLine(&out, "PRODID", kProdId);
  AppendLine(&out, "VERSION", "2.0");
  AppendLine(&out, "CALSCALE", "GREGORIAN");
  AppendLine(&out, "METHOD", "PUBLISH");
  AppendLine(&out, "X-WR-CALNAME", EscapeText(options.calendar_name));
  // A year either side, so a client moving an event a little, or showing
  // the recurrence of DST around it, still finds the rules.
  constexpr absl::Duration kMargin = absl::Hours(24 * 366);
  for (const auto& [tzid, span] : zones) {
    out.append(RenderTimeZone(tzid, span.zone, span.first - kMargin, span.last + kMargin));
  }
  for (const Event& event : events) out.append(RenderEvent(event, options));
  AppendLine(&out, "END", "VCALENDAR");
  return out;
}

}  // namespace rcp::ical
