// The iCalendar export, checked three ways:
//  - exact octets of the building blocks (escaping, folding) and of chosen
//    properties;
//  - golden files, byte for byte (RCP_UPDATE_GOLDEN=1 rewrites them);
//  - an independent parser: every calendar a test renders is read back by
//    Debian's python3-vobject (with dateutil resolving our VTIMEZONEs), which
//    must accept it and give back each meeting's UID, title, sequence and
//    start/end instants.
#include "common/ical/ical.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/io/file.h"
#include "common/testing/temp_dir.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::ical {
namespace {

namespace v1 = ::rcp::events::v1;

using ::rcp::common::v1::Date;
using ::rcp::events::v1::Meeting;
using ::rcp::events::v1::MeetingKind;
using ::rcp::events::v1::MeetingStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// A fixed export time, so outputs are deterministic.
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 6, 15, 12, 0, 0), absl::UTCTimeZone());
constexpr char kDeployment[] = "bali-process.secretariat";
constexpr char kPython[] = "/usr/bin/python3";

constexpr char kArabic[] =
    "الاجتماع الوزاري الإقليمي الخامس بشأن الهجرة والتنقل في المنطقة العربية: تعزيز "
    "التعاون بين بلدان المنشأ والعبور والمقصد وحماية حقوق العمال المهاجرين وأسرهم";
constexpr char kChinese[] =
    "亚太地区移民问题区域协商进程第十二次高级官员会议：加强原籍国、过境国和目的地国之间的合作，"
    "保护移民工人及其家庭成员的权利，打击人口贩运和偷运移民";
constexpr char kRussian[] =
    "Пятое региональное министерское совещание по вопросам миграции и мобильности: "
    "укрепление сотрудничества между странами происхождения, транзита и назначения";
constexpr char kEmoji[] = "🌍🤝🏽📅✈️👩🏾‍💼🇨🇭🇮🇩🏳️‍🌈";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

void SetTime(google::protobuf::Timestamp* ts, absl::Time t) {
  ts->set_seconds(absl::ToUnixSeconds(t));
  ts->set_nanos(0);
}

Date D(int year, int month, int day) {
  Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) return absl::UTCTimeZone();
  return zone;
}

// The fields every meeting has; the rest is up to each test.
Meeting Base(const std::string& id, const std::string& title) {
  Meeting m;
  m.set_name(absl::StrCat("processes/bali-process/meetings/", id));
  m.add_processes("processes/bali-process");
  m.set_title(title);
  m.set_kind(v1::SENIOR_OFFICIALS_MEETING);
  m.set_visibility(rcp::common::v1::PUBLIC);
  m.set_status(v1::CONFIRMED);
  m.set_sequence(1);
  SetTime(m.mutable_create_time(),
          absl::FromCivil(absl::CivilSecond(2026, 1, 5, 8, 30, 0), absl::UTCTimeZone()));
  SetTime(m.mutable_update_time(),
          absl::FromCivil(absl::CivilSecond(2026, 5, 20, 16, 45, 12), absl::UTCTimeZone()));
  return m;
}

// A timed meeting from local wall times in `tz`.
Meeting Timed(const std::string& id, const std::string& title, const std::string& tz,
              absl::CivilSecond start, absl::CivilSecond end) {
  Meeting m = Base(id, title);
  m.set_time_zone(tz);
  SetTime(m.mutable_start_time(), absl::FromCivil(start, Zone(tz)));
  SetTime(m.mutable_end_time(), absl::FromCivil(end, Zone(tz)));
  return m;
}

Meeting AllDay(const std::string& id, const std::string& title, const std::string& tz,
               const Date& start, const Date& end) {
  Meeting m = Base(id, title);
  m.set_time_zone(tz);
  m.set_all_day(true);
  *m.mutable_start_date() = start;
  *m.mutable_end_date() = end;
  // Output-only local midnights, as the store fills them.
  SetTime(m.mutable_start_time(),
          absl::FromCivil(absl::CivilDay(start.year(), start.month(), start.day()), Zone(tz)));
  SetTime(m.mutable_end_time(),
          absl::FromCivil(absl::CivilDay(end.year(), end.month(), end.day()) + 1, Zone(tz)));
  return m;
}

void SetVenue(Meeting* m, const std::string& name, const std::string& city,
              const std::string& country) {
  m->mutable_venue()->set_name(name);
  m->mutable_venue()->set_city(city);
  m->mutable_venue()->set_country(country);
  m->mutable_venue()->set_host_party(absl::StrCat("parties/", country));
}

IcalOptions Options() {
  IcalOptions options;
  options.deployment_id = kDeployment;
  options.now = kNow;
  return options;
}

// Physical lines of a rendered calendar (split at CRLF; the last, empty
// piece after the final CRLF dropped).
std::vector<std::string> PhysicalLines(const std::string& ics) {
  std::vector<std::string> lines = absl::StrSplit(ics, "\r\n");
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string Unfold(const std::string& folded) {
  return absl::StrReplaceAll(folded, {{"\r\n ", ""}});
}

// Logical content lines (unfolded), for property assertions.
std::vector<std::string> ContentLines(const std::string& ics) { return PhysicalLines(Unfold(ics)); }

std::vector<std::string> LinesStartingWith(const std::string& ics, const std::string& prefix) {
  std::vector<std::string> found;
  for (const std::string& line : ContentLines(ics)) {
    if (absl::StartsWith(line, prefix)) found.push_back(line);
  }
  return found;
}

// Like LinesStartingWith, only within VEVENTs (VTIMEZONE observances have
// their own DTSTART).
std::vector<std::string> EventLines(const std::string& ics, const std::string& prefix) {
  std::vector<std::string> found;
  bool in_event = false;
  for (const std::string& line : ContentLines(ics)) {
    if (line == "BEGIN:VEVENT") in_event = true;
    if (line == "END:VEVENT") in_event = false;
    if (in_event && absl::StartsWith(line, prefix)) found.push_back(line);
  }
  return found;
}

// Independent of the implementation under test: a strict UTF-8 check
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated
    for (int k = 1; k <= n; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Octet length of the UTF-8 character starting at s[0].
size_t CharLength(absl::string_view s) {
  const unsigned char c = s[0];
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  return 4;
}

// Every property RFC 5545 §3.1 asks of a folded line, plus that no break
// came earlier than needed (a line is only cut when the next character would
// not fit).
void ExpectWellFolded(const std::string& line, const std::string& folded, bool text_has_no_spaces) {
  SCOPED_TRACE(line);
  ASSERT_TRUE(absl::EndsWith(folded, "\r\n"));
  EXPECT_EQ(Unfold(folded), line + "\r\n");
  const std::vector<std::string> physical = PhysicalLines(folded);
  ASSERT_FALSE(physical.empty());
  for (size_t i = 0; i < physical.size(); ++i) {
    const std::string& p = physical[i];
    EXPECT_LE(p.size(), 75u) << "physical line " << i;
    EXPECT_THAT(p, Not(HasSubstr("\n")));
    EXPECT_THAT(p, Not(HasSubstr("\r")));
    EXPECT_TRUE(IsValidUtf8(p)) << "physical line " << i << " splits a character";
    if (i > 0) {
      ASSERT_FALSE(p.empty());
      EXPECT_EQ(p[0], ' ') << "continuation " << i;
      if (text_has_no_spaces) {
        EXPECT_NE(p.substr(0, 2), "  ") << "continuation " << i;
      }
      EXPECT_GT(p.size(), 1u) << "empty continuation " << i;
    }
    if (i + 1 < physical.size()) {
      const size_t next_char = CharLength(absl::string_view(physical[i + 1]).substr(1));
      EXPECT_GT(p.size() + next_char, 75u) << "line " << i << " was cut early";
    }
  }
}

// ---------------------------------------------------------------------------
// The independent parser
// ---------------------------------------------------------------------------

// Reads the calendar with vobject (validate=True), checks the framing the
// parser tolerates (CRLF, 75 octets, whole UTF-8 per physical line, a
// VTIMEZONE for every TZID), and prints what it understood, one "@ key=value"
// per line, values with backslash and newline escaped.
constexpr char kVobjectScript[] = R"PY(
import datetime, logging, sys
# No tz database: with pytz importable, vobject resolves a TZID from it and
# never from the calendar's VTIMEZONE, which is what must be checked here.
sys.modules['pytz'] = None
logging.disable(logging.CRITICAL)
import vobject
sys.stdout.reconfigure(encoding='utf-8')

raw = open(sys.argv[1], 'rb').read()
text = raw.decode('utf-8')
assert raw.endswith(b'\r\n'), 'no final CRLF'
for n, line in enumerate(raw.split(b'\r\n')[:-1]):
    assert b'\n' not in line and b'\r' not in line, 'bare line break in line %d' % n
    assert len(line) <= 75, 'line %d has %d octets' % (n, len(line))
    line.decode('utf-8')  # raises when a fold split a character

cal = vobject.readOne(text, validate=True)
assert cal.name == 'VCALENDAR'
assert cal.version.value == '2.0'
assert cal.method.value == 'PUBLISH'
zones = {}  # TZID -> tzinfo that dateutil built from our VTIMEZONE
for tz in cal.contents.get('vtimezone', []):
    assert tz.tzid.value not in zones, 'duplicate VTIMEZONE ' + tz.tzid.value
    for kind in ('standard', 'daylight'):
        for obs in tz.contents.get(kind, []):
            for prop in ('dtstart', 'tzoffsetfrom', 'tzoffsetto'):
                assert prop in obs.contents, '%s without %s' % (tz.tzid.value, prop)
    zones[tz.tzid.value] = tz.tzinfo

def esc(s):
    return s.replace('\\', '\\\\').replace('\n', '\\n')

def when(prop):
    v = prop.value
    if not isinstance(v, datetime.datetime):
        return v.strftime('%Y%m%d')
    tzid = prop.params.get('X-VOBJ-ORIGINAL-TZID') or prop.params.get('TZID')
    if tzid:
        tzid = tzid[0][0] if isinstance(tzid[0], list) else tzid[0]
        assert tzid in zones, 'no VTIMEZONE for ' + tzid
        v = v.replace(tzinfo=None).replace(tzinfo=zones[tzid])
    assert v.tzinfo is not None, 'floating time ' + str(v)
    return v.astimezone(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')

def out(key, value):
    print('@ %s=%s' % (key, esc(value)))

out('calname', cal.contents['x-wr-calname'][0].value)
uids = set()
for ev in cal.contents.get('vevent', []):
    print('@ BEGIN')
    assert ev.uid.value not in uids, 'duplicate UID ' + ev.uid.value
    uids.add(ev.uid.value)
    out('uid', ev.uid.value)
    out('dtstamp', when(ev.dtstamp))
    out('dtstart', when(ev.dtstart))
    if 'dtend' in ev.contents:
        out('dtend', when(ev.dtend))
    out('summary', ev.summary.value)
    for key in ('description', 'location', 'status', 'sequence'):
        if key in ev.contents:
            out(key, str(ev.contents[key][0].value))
    if 'categories' in ev.contents:
        out('categories', ','.join(ev.categories.value))
    for key in ('created', 'last-modified'):
        if key in ev.contents:
            out(key, when(ev.contents[key][0]))
print('@ OK')
)PY";

using ParsedEvent = std::map<std::string, std::string>;

struct Parsed {
  int exit_code = -1;
  std::string output;  // everything python printed, for failure messages
  std::string calendar_name;
  std::vector<ParsedEvent> events;
};

std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.push_back(s[i + 1] == 'n' ? '\n' : s[i + 1]);
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Parsed ParseWithVobject(const std::string& ics) {
  rcp::testing::TempDir dir;
  const std::string script = dir.Sub("check.py"), calendar = dir.Sub("calendar.ics");
  std::ofstream(script, std::ios::binary) << kVobjectScript;
  std::ofstream(calendar, std::ios::binary) << ics;
  const std::string command = absl::StrCat(kPython, " ", script, " ", calendar, " 2>&1");
  Parsed parsed;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return parsed;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) parsed.output.append(buffer, n);
  const int status = pclose(pipe);
  parsed.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  for (absl::string_view line : absl::StrSplit(parsed.output, '\n')) {
    if (!absl::ConsumePrefix(&line, "@ ")) continue;
    if (line == "BEGIN") {
      parsed.events.emplace_back();
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    const std::string key(line.substr(0, eq));
    const std::string value = Unescape(line.substr(eq + 1));
    if (key == "calname") {
      parsed.calendar_name = value;
    } else if (!parsed.events.empty()) {
      parsed.events.back()[key] = value;
    }
  }
  return parsed;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string Utc(absl::Time t) { return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone()); }

std::string Ymd(const Date& d) {
  return absl::StrFormat("%04d%02d%02d", d.year(), d.month(), d.day());
}

std::string DayAfter(const Date& d) {
  const absl::CivilDay next = absl::CivilDay(d.year(), d.month(), d.day()) + 1;
  return absl::StrFormat("%04d%02d%02d", next.year(), next.month(), next.day());
}

// Renders, checks the framing in C++ too, and has vobject read the result
// back: every event it finds must be one of `meetings`, with the same title,
// sequence and instants (so our VTIMEZONEs, resolved by dateutil, give back
// the UTC times we started from).
struct Rendered {
  std::string ics;
  std::vector<ParsedEvent> events;  // as vobject read them, in file order
};

// One event as vobject read it, against the meeting with its UID.
void ExpectRoundTrip(const ParsedEvent& event, const std::vector<Meeting>& meetings,
                     const IcalOptions& options) {
  const auto uid = event.find("uid");
  ASSERT_NE(uid, event.end());
  const auto m = std::find_if(meetings.begin(), meetings.end(), [&](const Meeting& m) {
    return MeetingUid(m.name(), options.deployment_id) == uid->second;
  });
  ASSERT_NE(m, meetings.end()) << "unknown UID " << uid->second;
  SCOPED_TRACE(m->name());
  EXPECT_EQ(event.at("summary"), m->title());
  EXPECT_EQ(event.at("sequence"), absl::StrCat(m->sequence()));
  EXPECT_EQ(event.at("dtstamp"), Utc(options.now));
  if (m->all_day()) {
    EXPECT_EQ(event.at("dtstart"), Ymd(m->start_date()));
    const bool has_end = m->end_date().year() != 0 && Ymd(m->end_date()) >= Ymd(m->start_date());
    EXPECT_EQ(event.at("dtend"), DayAfter(has_end ? m->end_date() : m->start_date()));
  } else {
    EXPECT_EQ(event.at("dtstart"), Utc(ToTime(m->start_time())));
    if (m->has_end_time() && m->end_time().seconds() > m->start_time().seconds()) {
      EXPECT_EQ(event.at("dtend"), Utc(ToTime(m->end_time())));
    }
  }
}

Rendered RenderChecked(const std::vector<Meeting>& meetings,
                       const IcalOptions& options = Options()) {
  Rendered r{RenderCalendar(meetings, options), {}};
  EXPECT_TRUE(absl::StartsWith(r.ics, "BEGIN:VCALENDAR\r\n"));
  EXPECT_TRUE(absl::EndsWith(r.ics, "END:VCALENDAR\r\n"));
  for (const std::string& line : PhysicalLines(r.ics)) {
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_THAT(line, Not(HasSubstr("\n"))) << "bare LF";
    EXPECT_THAT(line, Not(HasSubstr("\r"))) << "bare CR";
  }
  const Parsed parsed = ParseWithVobject(r.ics);
  EXPECT_EQ(parsed.exit_code, 0) << parsed.output << "\n--- calendar ---\n" << r.ics;
  EXPECT_THAT(parsed.output, HasSubstr("@ OK"));
  EXPECT_EQ(parsed.calendar_name, options.calendar_name);
  for (const ParsedEvent& event : parsed.events) ExpectRoundTrip(event, meetings, options);
  r.events = parsed.events;
  return r;
}

std::vector<std::string> Uids(const std::vector<ParsedEvent>& events) {
  std::vector<std::string> uids;
  for (const ParsedEvent& e : events) uids.push_back(e.at("uid"));
  return uids;
}

std::string Uid(const std::string& id) {
  return MeetingUid(absl::StrCat("processes/bali-process/meetings/", id), kDeployment);
}

// ---------------------------------------------------------------------------
// Golden files
// ---------------------------------------------------------------------------

std::string GoldenPath(const std::string& name) {
  return absl::StrCat(RCP_SOURCE_DIR, "/tests/common/ical/golden/", name, ".ics");
}

void ExpectMatchesGolden(const std::string& name, const std::string& rendered) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("RCP_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << rendered;
    std::cout << "wrote golden " << path << "\n";
    return;
  }
  absl::StatusOr<std::string> golden = io::ReadFile(path);
  ASSERT_TRUE(golden.ok()) << "missing golden " << path
                           << " (run with RCP_UPDATE_GOLDEN=1 to create it): " << golden.status();
  EXPECT_EQ(rendered, *golden)
      << "differs from " << path
      << " (if the change is intended, run with RCP_UPDATE_GOLDEN=1 and review the diff)";
}

// ---------------------------------------------------------------------------
// EscapeText
// ---------------------------------------------------------------------------

TEST(EscapeTextTest, EscapesBackslashSemicolonAndComma) {
  EXPECT_EQ(EscapeText("a\\b;c,d"), "a\\\\b\\;c\\,d");
  EXPECT_EQ(EscapeText(",,;;\\\\"), "\\,\\,\\;\\;\\\\\\\\");
}

TEST(EscapeTextTest, LineBreaksBecomeBackslashN) {
  EXPECT_EQ(EscapeText("one\ntwo"), "one\\ntwo");
  EXPECT_EQ(EscapeText("one\r\ntwo"), "one\\ntwo");
  EXPECT_EQ(EscapeText("one\rtwo"), "one\\ntwo");
  EXPECT_EQ(EscapeText("one\n\ntwo\r\n\r\n"), "one\\n\\ntwo\\n\\n");
  EXPECT_EQ(EscapeText("\r\r\n"), "\\n\\n");
}

TEST(EscapeTextTest, EscapedSequencesAreEscapedAgain) {
  // A literal backslash-n in a title is text, not a line break.
  EXPECT_EQ(EscapeText("C:\\new"), "C:\\\\new");
  EXPECT_EQ(EscapeText("\\,"), "\\\\\\,");
}

TEST(EscapeTextTest, ColonsQuotesAndTabsAreKept) {
  EXPECT_EQ(EscapeText("Agenda: \"item\"\tone"), "Agenda: \"item\"\tone");
}

TEST(EscapeTextTest, DropsOtherControlCharacters) {
  EXPECT_EQ(EscapeText(std::string("a\0b\x01\x1F\x7F"
                                   "c\x0B\x0C"
                                   "d",
                                   10)),
            "abcd");
}

TEST(EscapeTextTest, PassesUtf8Through) {
  for (const char* text : {kArabic, kChinese, kEmoji, "Genève", "São Tomé"}) {
    EXPECT_EQ(EscapeText(text), text);
  }
  // The Russian text has ASCII commas: only those change.
  EXPECT_EQ(EscapeText(kRussian), absl::StrReplaceAll(kRussian, {{",", "\\,"}}));
  EXPECT_EQ(EscapeText("Москва, Россия; 北京，中国"), "Москва\\, Россия\\; 北京，中国");
}

TEST(EscapeTextTest, ReplacesInvalidUtf8) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(EscapeText("a\xC3(b"), "a" + fffd + "(b");                   // bad continuation
  EXPECT_EQ(EscapeText("\xC0\xAF"), fffd + fffd);                        // overlong '/'
  EXPECT_EQ(EscapeText("\xED\xA0\x80"), fffd + fffd + fffd);             // surrogate
  EXPECT_EQ(EscapeText("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // > U+10FFFF
  EXPECT_EQ(EscapeText("ok\xE4\xB8"), "ok" + fffd + fffd);               // truncated
  EXPECT_EQ(EscapeText("\xFF"), fffd);
  EXPECT_TRUE(IsValidUtf8(EscapeText("\x80\xBF\xC2\xE0\x80\xF0\x80\x80\x80")));
}

// ---------------------------------------------------------------------------
// FoldLine
// ---------------------------------------------------------------------------

TEST(FoldLineTest, ShortLineOnlyGetsCrlf) {
  EXPECT_EQ(FoldLine(""), "\r\n");
  EXPECT_EQ(FoldLine("VERSION:2.0"), "VERSION:2.0\r\n");
}

TEST(FoldLineTest, SeventyFiveOctetsAreNotFolded) {
  const std::string line(75, 'x');
  EXPECT_EQ(FoldLine(line), line + "\r\n");
}

TEST(FoldLineTest, SeventySixOctetsAreFolded) {
  const std::string line = std::string(75, 'x') + "y";
  EXPECT_EQ(FoldLine(line), std::string(75, 'x') + "\r\n y\r\n");
}

TEST(FoldLineTest, ContinuationsHoldSeventyFourOctets) {
  std::string line;
  for (int i = 0; i < 300; ++i) line.push_back(static_cast<char>('a' + i % 26));
  const std::string folded = FoldLine(line);
  EXPECT_EQ(folded, absl::StrCat(line.substr(0, 75), "\r\n ", line.substr(75, 74), "\r\n ",
                                 line.substr(149, 74), "\r\n ", line.substr(223, 74), "\r\n ",
                                 line.substr(297), "\r\n"));
  ExpectWellFolded(line, folded, true);
}

TEST(FoldLineTest, KeepsSpacesAtBreaks) {
  // A space that lands at a break is content: the continuation has two.
  const std::string line = std::string(75, 'x') + " tail";
  EXPECT_EQ(FoldLine(line), std::string(75, 'x') + "\r\n  tail\r\n");
  EXPECT_EQ(Unfold(FoldLine(line)), line + "\r\n");
}

TEST(FoldLineTest, NeverSplitsAMultiByteCharacter) {
  // Every alignment of every script: a 0..4 octet ASCII prefix shifts where
  // the 75th octet falls within a 2-, 3- or 4-octet character.
  const std::vector<std::string> texts = {
      kArabic,
      kChinese,
      kRussian,
      kEmoji,
      absl::StrCat(kEmoji, kEmoji, kEmoji, kEmoji, kEmoji, kEmoji),
      absl::StrCat(kChinese, kArabic, kEmoji, kRussian)};
  for (const std::string& text : texts) {
    for (int shift = 0; shift <= 4; ++shift) {
      const std::string line = absl::StrCat("SUMMARY:", std::string(shift, 'x'), text, text);
      const std::string folded = FoldLine(line);
      ExpectWellFolded(line, folded, false);
      EXPECT_GT(PhysicalLines(folded).size(), 1u);
    }
  }
}

TEST(FoldLineTest, ChineseBreaksOnCharacterBoundaries) {
  // "SUMMARY:" is 8 octets, then 3-octet characters: 8 + 22 * 3 = 74, so
  // the 23rd character (ending at octet 77) moves to the next line.
  std::string line = "SUMMARY:";
  for (int i = 0; i < 40; ++i) line += "中";
  const std::vector<std::string> physical = PhysicalLines(FoldLine(line));
  ASSERT_THAT(physical, SizeIs(2));
  EXPECT_EQ(physical[0].size(), 74u);
  EXPECT_EQ(physical[1].size(), 1u + 18 * 3);
}

TEST(FoldLineTest, RandomUtf8UnfoldsToTheOriginal) {
  // Random mixes of 1- to 4-octet characters, including spaces and octets
  // that look like delimiters, of every length up to ~6 lines.
  std::mt19937 random(20260615);
  const std::vector<std::string> alphabet = {
      "a", " ", ":", ";", "\\", "é", "ж", "ع", "中", "€", "😀", "🇨🇭", "\xF0\x9F\x8F\xBD"};
  for (int round = 0; round < 500; ++round) {
    std::string line;
    const int n = static_cast<int>(random() % 200);
    for (int i = 0; i < n; ++i) line += alphabet[random() % alphabet.size()];
    ExpectWellFolded(line, FoldLine(line), false);
  }
}

TEST(FoldLineTest, InvalidUtf8StillFoldsAtTheLimit) {
  // 100 continuation octets have no character boundary: fold at the limit
  // rather than never.
  const std::string line(100, '\x80');
  const std::vector<std::string> physical = PhysicalLines(FoldLine(line));
  ASSERT_THAT(physical, SizeIs(2));
  EXPECT_EQ(physical[0].size(), 75u);
  EXPECT_EQ(Unfold(FoldLine(line)), line + "\r\n");
}

// ---------------------------------------------------------------------------
// MeetingUid
// ---------------------------------------------------------------------------

TEST(MeetingUidTest, ResourceNameAtDeployment) {
  EXPECT_EQ(MeetingUid("processes/bali-process/meetings/abc", "bali-process.secretariat"),
            "processes.bali-process.meetings.abc@bali-process.secretariat");
}

TEST(MeetingUidTest, WithoutDeploymentHasNoDomain) {
  EXPECT_EQ(MeetingUid("processes/p/meetings/m1", ""), "processes.p.meetings.m1");
}

TEST(MeetingUidTest, DistinctMeetingsAndDeploymentsGiveDistinctUids) {
  EXPECT_NE(MeetingUid("processes/a/meetings/x", "d"), MeetingUid("processes/a/meetings/y", "d"));
  EXPECT_NE(MeetingUid("processes/a/meetings/x", "d1"), MeetingUid("processes/a/meetings/x", "d2"));
}

// ---------------------------------------------------------------------------
// RenderCalendar: properties
// ---------------------------------------------------------------------------

TEST(RenderCalendarTest, EmptyCalendarHasOnlyTheHeader) {
  IcalOptions options = Options();
  options.calendar_name = "Bali Process; meetings, 2026";
  const Rendered r = RenderChecked({}, options);
  EXPECT_EQ(r.ics,
            "BEGIN:VCALENDAR\r\n"
            "PRODID:-//RCP Exchange//Meetings//EN\r\n"
            "VERSION:2.0\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "X-WR-CALNAME:Bali Process\\; meetings\\, 2026\r\n"
            "END:VCALENDAR\r\n");
  EXPECT_THAT(r.events, IsEmpty());
}

TEST(RenderCalendarTest, DefaultCalendarName) {
  IcalOptions options;
  options.now = kNow;
  EXPECT_THAT(RenderChecked({}, options).ics, HasSubstr("\r\nX-WR-CALNAME:RCP meetings\r\n"));
}

TEST(RenderCalendarTest, TimedMeetingInZoneUsesLocalTimeAndTzid) {
  const Meeting m = Timed("som", "SOM", "Europe/Zurich", absl::CivilSecond(2026, 10, 23, 9, 0, 0),
                          absl::CivilSecond(2026, 10, 27, 17, 30, 0));
  const Rendered r = RenderChecked({m});
  EXPECT_THAT(EventLines(r.ics, "DTSTART"),
              ElementsAre("DTSTART;TZID=Europe/Zurich:20261023T090000"));
  EXPECT_THAT(EventLines(r.ics, "DTEND"), ElementsAre("DTEND;TZID=Europe/Zurich:20261027T173000"));
  ASSERT_THAT(r.events, SizeIs(1));
  // 09:00 CEST and 17:30 CET, as dateutil reads our VTIMEZONE.
  EXPECT_EQ(r.events[0].at("dtstart"), "20261023T070000Z");
  EXPECT_EQ(r.events[0].at("dtend"), "20261027T163000Z");
}

TEST(RenderCalendarTest, ZurichObservancesCoverAYearEitherSide) {
  const Meeting m = Timed("som", "SOM", "Europe/Zurich", absl::CivilSecond(2026, 10, 23, 9, 0, 0),
                          absl::CivilSecond(2026, 10, 27, 17, 30, 0));
  const std::string ics = RenderChecked({m}).ics;
  // In force at 2025-10-22 (a year before): the DST of 2025-03-30; then
  // every transition up to 2027-10-28 (a year after); 2027-10-31 is out.
  EXPECT_THAT(ics, HasSubstr("BEGIN:VTIMEZONE\r\n"
                             "TZID:Europe/Zurich\r\n"
                             "BEGIN:DAYLIGHT\r\n"
                             "DTSTART:20250330T020000\r\n"
                             "TZOFFSETFROM:+0100\r\n"
                             "TZOFFSETTO:+0200\r\n"
                             "TZNAME:CEST\r\n"
                             "END:DAYLIGHT\r\n"
                             "BEGIN:STANDARD\r\n"
                             "DTSTART:20251026T030000\r\n"
                             "TZOFFSETFROM:+0200\r\n"
                             "TZOFFSETTO:+0100\r\n"
                             "TZNAME:CET\r\n"
                             "END:STANDARD\r\n"
                             "BEGIN:DAYLIGHT\r\n"
                             "DTSTART:20260329T020000\r\n"
                             "TZOFFSETFROM:+0100\r\n"
                             "TZOFFSETTO:+0200\r\n"
                             "TZNAME:CEST\r\n"
                             "END:DAYLIGHT\r\n"
                             "BEGIN:STANDARD\r\n"
                             "DTSTART:20261025T030000\r\n"
                             "TZOFFSETFROM:+0200\r\n"
                             "TZOFFSETTO:+0100\r\n"
                             "TZNAME:CET\r\n"
                             "END:STANDARD\r\n"
                             "BEGIN:DAYLIGHT\r\n"
                             "DTSTART:20270328T020000\r\n"
                             "TZOFFSETFROM:+0100\r\n"
                             "TZOFFSETTO:+0200\r\n"
                             "TZNAME:CEST\r\n"
                             "END:DAYLIGHT\r\n"
                             "END:VTIMEZONE\r\n"));
}

TEST(RenderCalendarTest, ZoneSpanCoversEveryMeetingInIt) {
  const Meeting early = Timed("a", "A", "Europe/Zurich", absl::CivilSecond(2026, 2, 2, 9, 0, 0),
                              absl::CivilSecond(2026, 2, 2, 12, 0, 0));
  const Meeting late = Timed("b", "B", "Europe/Zurich", absl::CivilSecond(2029, 6, 1, 9, 0, 0),
                             absl::CivilSecond(2029, 6, 1, 12, 0, 0));
  const std::string ics = RenderChecked({late, early}).ics;
  const std::vector<std::string> onsets = LinesStartingWith(ics, "DTSTART:");
  ASSERT_FALSE(onsets.empty());
  EXPECT_EQ(onsets.front(), "DTSTART:20241027T030000");  // in force at 2025-02-01
  EXPECT_EQ(onsets.back(), "DTSTART:20300331T020000");   // last before 2030-06-02
  EXPECT_THAT(onsets, SizeIs(12));
  EXPECT_THAT(LinesStartingWith(ics, "BEGIN:VTIMEZONE"), SizeIs(1));
}

TEST(RenderCalendarTest, ZoneWithoutTransitionsHasOneStandardFrom1970) {
  const Meeting m = Timed("jkt", "Jakarta", "Asia/Jakarta", absl::CivilSecond(2027, 2, 10, 9, 0, 0),
                          absl::CivilSecond(2027, 2, 10, 17, 0, 0));
  const Rendered r = RenderChecked({m});
  EXPECT_THAT(r.ics, HasSubstr("BEGIN:VTIMEZONE\r\n"
                               "TZID:Asia/Jakarta\r\n"
                               "BEGIN:STANDARD\r\n"
                               "DTSTART:19700101T000000\r\n"
                               "TZOFFSETFROM:+0700\r\n"
                               "TZOFFSETTO:+0700\r\n"
                               "TZNAME:WIB\r\n"
                               "END:STANDARD\r\n"
                               "END:VTIMEZONE\r\n"));
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].at("dtstart"), "20270210T020000Z");
}

TEST(RenderCalendarTest, NumericAbbreviationsAreNotNames) {
  // tzdata calls Asia/Dubai's time "+04": no TZNAME rather than a made-up one.
  const Meeting m = Timed("dxb", "Dubai", "Asia/Dubai", absl::CivilSecond(2026, 12, 1, 10, 0, 0),
                          absl::CivilSecond(2026, 12, 1, 12, 0, 0));
  const std::string ics = RenderChecked({m}).ics;
  EXPECT_THAT(ics, HasSubstr("TZOFFSETTO:+0400\r\n"));
  EXPECT_THAT(LinesStartingWith(ics, "TZNAME"), IsEmpty());
}

TEST(RenderCalendarTest, NegativeAndSubMinuteOffsets) {
  // Monrovia kept local mean time, -0:44:30, until 1972-01-07.
  const Meeting m =
      Timed("mlw", "Monrovia 1971", "Africa/Monrovia", absl::CivilSecond(1971, 6, 1, 9, 0, 0),
            absl::CivilSecond(1971, 6, 1, 17, 0, 0));
  const Rendered r = RenderChecked({m});
  EXPECT_THAT(r.ics, HasSubstr("BEGIN:STANDARD\r\n"
                               "DTSTART:19190301T000000\r\n"
                               "TZOFFSETFROM:-004308\r\n"
                               "TZOFFSETTO:-004430\r\n"
                               "TZNAME:MMT\r\n"
                               "END:STANDARD\r\n"
                               "BEGIN:STANDARD\r\n"
                               "DTSTART:19720107T000000\r\n"
                               "TZOFFSETFROM:-004430\r\n"
                               "TZOFFSETTO:+0000\r\n"
                               "TZNAME:GMT\r\n"
                               "END:STANDARD\r\n"));
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].at("dtstart"), "19710601T094430Z");
}

TEST(RenderCalendarTest, WesternHemisphereZone) {
  const Meeting m =
      Timed("nyc", "New York", "America/New_York", absl::CivilSecond(2026, 9, 21, 10, 0, 0),
            absl::CivilSecond(2026, 9, 21, 13, 0, 0));
  const Rendered r = RenderChecked({m});
  EXPECT_THAT(r.ics, HasSubstr("DTSTART:20260308T020000\r\n"
                               "TZOFFSETFROM:-0500\r\n"
                               "TZOFFSETTO:-0400\r\n"
                               "TZNAME:EDT\r\n"));
  EXPECT_THAT(r.ics, HasSubstr("DTSTART;TZID=America/New_York:20260921T100000\r\n"));
}

TEST(RenderCalendarTest, RepeatedWallTimeKeepsItsInstant) {
  // On 2026-10-25 Zurich goes through 02:00-03:00 twice: 00:30 UTC is the
  // first 02:30 (CEST), 01:30 UTC the second (CET). A local 02:30 means the
  // first (RFC 5545 §3.3.5), so the second is written in UTC.
  const absl::TimeZone utc = absl::UTCTimeZone();
  Meeting first = Base("first", "First pass");
  first.set_time_zone("Europe/Zurich");
  SetTime(first.mutable_start_time(),
          absl::FromCivil(absl::CivilSecond(2026, 10, 25, 0, 30, 0), utc));
  SetTime(first.mutable_end_time(),
          absl::FromCivil(absl::CivilSecond(2026, 10, 25, 1, 30, 0), utc));
  Meeting second = first;
  second.set_name("processes/bali-process/meetings/second");
  second.set_title("Second pass");
  SetTime(second.mutable_start_time(),
          absl::FromCivil(absl::CivilSecond(2026, 10, 25, 1, 30, 0), utc));
  SetTime(second.mutable_end_time(),
          absl::FromCivil(absl::CivilSecond(2026, 10, 25, 3, 0, 0), utc));

  const Rendered r = RenderChecked({first, second});
  EXPECT_THAT(
      EventLines(r.ics, "DTSTART"),
      ElementsAre("DTSTART;TZID=Europe/Zurich:20261025T023000", "DTSTART:20261025T013000Z"));
  EXPECT_THAT(EventLines(r.ics, "DTEND"),
              ElementsAre("DTEND:20261025T013000Z", "DTEND;TZID=Europe/Zurich:20261025T040000"));
  ASSERT_THAT(r.events, SizeIs(2));
  EXPECT_EQ(r.events[0].at("dtstart"), "20261025T003000Z");
  EXPECT_EQ(r.events[1].at("dtstart"), "20261025T013000Z");
}

TEST(RenderCalendarTest, UtcZonesUseZuluFormWithoutVtimezone) {
  for (const char* zone : {"UTC", "Etc/UTC"}) {
    SCOPED_TRACE(zone);
    const Meeting m = Timed("online", "Online", zone, absl::CivilSecond(2026, 9, 1, 13, 0, 0),
                            absl::CivilSecond(2026, 9, 1, 15, 0, 0));
    const std::string ics = RenderChecked({m}).ics;
    EXPECT_THAT(EventLines(ics, "DTSTART"), ElementsAre("DTSTART:20260901T130000Z"));
    EXPECT_THAT(EventLines(ics, "DTEND"), ElementsAre("DTEND:20260901T150000Z"));
    EXPECT_THAT(ics, Not(HasSubstr("VTIMEZONE")));
    EXPECT_THAT(ics, Not(HasSubstr("TZID")));
  }
}

TEST(RenderCalendarTest, UnknownZoneKeepsTheInstantInUtc) {
  Meeting m = Timed("mars", "Mars", "UTC", absl::CivilSecond(2026, 9, 1, 13, 0, 0),
                    absl::CivilSecond(2026, 9, 1, 15, 0, 0));
  for (const char* zone : {"Mars/Olympus_Mons", "", "Europe/Zurich;X=1", "../../etc/passwd"}) {
    SCOPED_TRACE(zone);
    m.set_time_zone(zone);
    const std::string ics = RenderChecked({m}).ics;
    EXPECT_THAT(EventLines(ics, "DTSTART"), ElementsAre("DTSTART:20260901T130000Z"));
    EXPECT_THAT(ics, Not(HasSubstr("TZID")));
  }
}

TEST(RenderCalendarTest, OneVtimezonePerZoneUsedSortedByTzid) {
  const std::vector<Meeting> meetings = {
      Timed("z1", "Zurich 1", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
            absl::CivilSecond(2026, 10, 1, 17, 0, 0)),
      Timed("j1", "Jakarta", "Asia/Jakarta", absl::CivilSecond(2026, 11, 1, 9, 0, 0),
            absl::CivilSecond(2026, 11, 1, 17, 0, 0)),
      Timed("z2", "Zurich 2", "Europe/Zurich", absl::CivilSecond(2027, 4, 1, 9, 0, 0),
            absl::CivilSecond(2027, 4, 1, 17, 0, 0)),
      Timed("u1", "UTC", "UTC", absl::CivilSecond(2026, 12, 1, 9, 0, 0),
            absl::CivilSecond(2026, 12, 1, 17, 0, 0)),
      // All-day: dates carry no zone, so Cairo needs no VTIMEZONE.
      AllDay("c1", "Cairo", "Africa/Cairo", D(2026, 12, 5), D(2026, 12, 6)),
  };
  const std::string ics = RenderChecked(meetings).ics;
  EXPECT_THAT(LinesStartingWith(ics, "TZID:"),
              ElementsAre("TZID:Asia/Jakarta", "TZID:Europe/Zurich"));
  // Every VTIMEZONE comes before the first VEVENT.
  EXPECT_LT(ics.rfind("END:VTIMEZONE"), ics.find("BEGIN:VEVENT"));
}

TEST(RenderCalendarTest, AllDayEndIsTheDayAfter) {
  struct Case {
    Date start, end;
    const char* dtstart;
    const char* dtend;
  };
  for (const Case& c : std::vector<Case>{
           {D(2026, 11, 10), D(2026, 11, 12), "20261110", "20261113"},
           {D(2026, 12, 30), D(2026, 12, 31), "20261230", "20270101"},  // year end
           {D(2028, 2, 27), D(2028, 2, 28), "20280227", "20280229"},    // leap year
           {D(2027, 2, 28), D(2027, 2, 28), "20270228", "20270301"},    // one day
           {D(2026, 4, 30), D(2026, 4, 30), "20260430", "20260501"},
       }) {
    SCOPED_TRACE(c.dtstart);
    const Meeting m = AllDay("w", "Workshop", "Asia/Jakarta", c.start, c.end);
    const Rendered r = RenderChecked({m});
    EXPECT_THAT(EventLines(r.ics, "DTSTART"),
                ElementsAre(absl::StrCat("DTSTART;VALUE=DATE:", c.dtstart)));
    EXPECT_THAT(EventLines(r.ics, "DTEND"),
                ElementsAre(absl::StrCat("DTEND;VALUE=DATE:", c.dtend)));
    EXPECT_THAT(r.ics, Not(HasSubstr("VTIMEZONE")));
    ASSERT_THAT(r.events, SizeIs(1));
    EXPECT_EQ(r.events[0].at("dtend"), c.dtend);
  }
}

TEST(RenderCalendarTest, AllDayWithoutAValidEndDateLastsOneDay) {
  Meeting m = AllDay("w", "Workshop", "Asia/Jakarta", D(2026, 11, 10), D(2026, 11, 10));
  m.clear_end_date();
  EXPECT_THAT(EventLines(RenderChecked({m}).ics, "DTEND"),
              ElementsAre("DTEND;VALUE=DATE:20261111"));
  *m.mutable_end_date() = D(2026, 11, 9);  // before the start
  EXPECT_THAT(EventLines(RenderChecked({m}).ics, "DTEND"),
              ElementsAre("DTEND;VALUE=DATE:20261111"));
}

TEST(RenderCalendarTest, StatusMapping) {
  const std::vector<std::pair<MeetingStatus, const char*>> cases = {
      {v1::PLANNED, "TENTATIVE"}, {v1::CONFIRMED, "CONFIRMED"}, {v1::POSTPONED, "TENTATIVE"},
      {v1::HELD, "CONFIRMED"},    {v1::CANCELLED, "CANCELLED"},
  };
  for (const auto& [status, expected] : cases) {
    SCOPED_TRACE(v1::MeetingStatus_Name(status));
    Meeting m = Timed("m", "M", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                      absl::CivilSecond(2026, 10, 1, 17, 0, 0));
    m.set_status(status);
    const Rendered r = RenderChecked({m});
    EXPECT_THAT(LinesStartingWith(r.ics, "STATUS"), ElementsAre(absl::StrCat("STATUS:", expected)));
    ASSERT_THAT(r.events, SizeIs(1));
    EXPECT_EQ(r.events[0].at("status"), expected);
  }
  Meeting unspecified = Timed("m", "M", "UTC", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                              absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  unspecified.set_status(v1::MEETING_STATUS_UNSPECIFIED);
  EXPECT_THAT(LinesStartingWith(RenderChecked({unspecified}).ics, "STATUS"), IsEmpty());
}

TEST(RenderCalendarTest, CategoriesAreTheKindInWords) {
  const std::vector<std::pair<MeetingKind, const char*>> cases = {
      {v1::MINISTERIAL_CONFERENCE, "Ministerial conference"},
      {v1::SENIOR_OFFICIALS_MEETING, "Senior officials' meeting"},
      {v1::TECHNICAL_WORKSHOP, "Technical workshop"},
      {v1::WORKING_GROUP, "Working group"},
      {v1::SIDE_MEETING, "Side meeting"},
      {v1::INTER_RCP_MEETING, "Inter-RCP meeting"},
  };
  for (const auto& [kind, expected] : cases) {
    SCOPED_TRACE(v1::MeetingKind_Name(kind));
    Meeting m = Timed("m", "M", "UTC", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                      absl::CivilSecond(2026, 10, 1, 17, 0, 0));
    m.set_kind(kind);
    const Rendered r = RenderChecked({m});
    EXPECT_THAT(LinesStartingWith(r.ics, "CATEGORIES"),
                ElementsAre(absl::StrCat("CATEGORIES:", expected)));
    ASSERT_THAT(r.events, SizeIs(1));
    EXPECT_EQ(r.events[0].at("categories"), expected);
  }
  Meeting m = Timed("m", "M", "UTC", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                    absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  m.set_kind(v1::MEETING_KIND_UNSPECIFIED);
  EXPECT_THAT(LinesStartingWith(RenderChecked({m}).ics, "CATEGORIES"), IsEmpty());
}

TEST(RenderCalendarTest, CancelledMeetingKeepsUidWithHigherSequence) {
  Meeting m = Timed("som", "SOM", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                    absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  const std::string before = RenderChecked({m}).ics;
  m.set_status(v1::CANCELLED);
  m.set_sequence(3);
  m.set_cancel_reason("Host withdrew");
  const Rendered after = RenderChecked({m});
  ASSERT_THAT(after.events, SizeIs(1));
  EXPECT_EQ(after.events[0].at("uid"), Uid("som"));
  EXPECT_EQ(after.events[0].at("status"), "CANCELLED");
  EXPECT_EQ(after.events[0].at("sequence"), "3");
  EXPECT_EQ(LinesStartingWith(before, "UID"), LinesStartingWith(after.ics, "UID"));
  EXPECT_THAT(after.events[0].at("description"), HasSubstr("Cancelled: Host withdrew"));
}

TEST(RenderCalendarTest, DatesToBeAnnouncedAreSkippedUnlessCancelledWithDates) {
  Meeting tba = Base("tba", "Postponed, dates to be announced");
  tba.set_time_zone("Europe/Zurich");
  tba.set_status(v1::POSTPONED);
  tba.set_dates_to_be_announced(true);

  // Old dates still on it: a TBA meeting must not show them as if current.
  Meeting tba_with_old_dates =
      Timed("tba-old", "Postponed", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
            absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  tba_with_old_dates.set_status(v1::POSTPONED);
  tba_with_old_dates.set_dates_to_be_announced(true);

  // Cancelled while TBA: kept when it has dates, so clients remove their copy.
  Meeting cancelled = tba_with_old_dates;
  cancelled.set_name("processes/bali-process/meetings/cancelled");
  cancelled.set_status(v1::CANCELLED);
  cancelled.set_sequence(4);
  Meeting cancelled_without_dates = tba;
  cancelled_without_dates.set_name("processes/bali-process/meetings/cancelled-no-dates");
  cancelled_without_dates.set_status(v1::CANCELLED);

  Meeting all_day_without_dates = Base("no-dates", "No dates");
  all_day_without_dates.set_all_day(true);

  const Meeting normal =
      Timed("normal", "Normal", "Europe/Zurich", absl::CivilSecond(2026, 11, 1, 9, 0, 0),
            absl::CivilSecond(2026, 11, 1, 17, 0, 0));
  const Rendered r = RenderChecked(
      {tba, tba_with_old_dates, cancelled, cancelled_without_dates, all_day_without_dates, normal});
  EXPECT_THAT(Uids(r.events), ElementsAre(Uid("cancelled"), Uid("normal")));
  EXPECT_EQ(r.events[0].at("status"), "CANCELLED");
}

TEST(RenderCalendarTest, SortedByStartThenNameWhateverTheInputOrder) {
  std::vector<Meeting> meetings = {
      Timed("b", "B", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
            absl::CivilSecond(2026, 10, 1, 17, 0, 0)),
      // The same instant as "b", from another zone: ordered by name.
      Timed("a", "A", "UTC", absl::CivilSecond(2026, 10, 1, 7, 0, 0),
            absl::CivilSecond(2026, 10, 1, 8, 0, 0)),
      // Local midnight in Jakarta is 17:00 UTC the day before.
      AllDay("c", "C", "Asia/Jakarta", D(2026, 10, 2), D(2026, 10, 2)),
      Timed("d", "D", "America/New_York", absl::CivilSecond(2026, 10, 1, 14, 0, 0),
            absl::CivilSecond(2026, 10, 1, 15, 0, 0)),
      Timed("e", "E", "Asia/Jakarta", absl::CivilSecond(2026, 9, 30, 9, 0, 0),
            absl::CivilSecond(2026, 9, 30, 10, 0, 0)),
  };
  std::sort(meetings.begin(), meetings.end(),
            [](const Meeting& x, const Meeting& y) { return x.name() < y.name(); });
  const Rendered first = RenderChecked(meetings);
  EXPECT_THAT(Uids(first.events), ElementsAre(Uid("e"), Uid("a"), Uid("b"), Uid("c"), Uid("d")));
  int permutations = 0;
  do {
    ++permutations;
    ASSERT_EQ(RenderCalendar(meetings, Options()), first.ics);
  } while (std::next_permutation(
      meetings.begin(), meetings.end(),
      [](const Meeting& x, const Meeting& y) { return x.name() < y.name(); }));
  EXPECT_EQ(permutations, 120);
}

TEST(RenderCalendarTest, DescriptionHasAgendaAndCancelReason) {
  Meeting m = Timed("m", "M", "UTC", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                    absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  m.set_description("Annual meeting.\nSecond line.");
  m.add_agenda_items()->set_title("Opening; adoption of the agenda");
  m.add_agenda_items()->set_title("Labour migration, skills");
  Rendered r = RenderChecked({m});
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].at("description"),
            "Annual meeting.\nSecond line.\n\nAgenda:\n1. Opening; adoption of the agenda\n"
            "2. Labour migration, skills");
  EXPECT_THAT(LinesStartingWith(r.ics, "DESCRIPTION"),
              ElementsAre("DESCRIPTION:Annual meeting.\\nSecond line.\\n\\nAgenda:\\n1. Opening\\; "
                          "adoption of the agenda\\n2. Labour migration\\, skills"));

  // A cancel reason shows only on a cancelled meeting.
  m.set_cancel_reason("Host withdrew");
  EXPECT_THAT(RenderChecked({m}).events[0].at("description"), Not(HasSubstr("Cancelled")));
  m.set_status(v1::CANCELLED);
  EXPECT_TRUE(absl::EndsWith(RenderChecked({m}).events[0].at("description"),
                             "\n\nCancelled: Host withdrew"));

  // Nothing to say: no DESCRIPTION at all.
  Meeting bare = Timed("bare", "Bare", "UTC", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                       absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  EXPECT_THAT(LinesStartingWith(RenderChecked({bare}).ics, "DESCRIPTION"), IsEmpty());
}

TEST(RenderCalendarTest, LocationJoinsVenueCityAndCountryName) {
  Meeting m = Timed("m", "M", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                    absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  SetVenue(&m, "Palais des Nations", "Geneva", "CHE");
  Rendered r = RenderChecked({m});
  EXPECT_THAT(LinesStartingWith(r.ics, "LOCATION"),
              ElementsAre("LOCATION:Palais des Nations\\, Geneva\\, Switzerland"));
  EXPECT_EQ(r.events[0].at("location"), "Palais des Nations, Geneva, Switzerland");

  m.mutable_venue()->set_name("");
  m.mutable_venue()->set_country("XXX");  // not assigned: the code itself
  EXPECT_THAT(LinesStartingWith(RenderChecked({m}).ics, "LOCATION"),
              ElementsAre("LOCATION:Geneva\\, XXX"));

  m.clear_venue();
  EXPECT_THAT(LinesStartingWith(RenderChecked({m}).ics, "LOCATION"), IsEmpty());
}

TEST(RenderCalendarTest, TimestampsAreUtcAndTruncatedToTheSecond) {
  Meeting m = Timed("m", "M", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                    absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  m.mutable_update_time()->set_nanos(999999999);
  IcalOptions options = Options();
  options.now = kNow + absl::Milliseconds(750);
  const Rendered r = RenderChecked({m}, options);
  EXPECT_THAT(LinesStartingWith(r.ics, "DTSTAMP"), ElementsAre("DTSTAMP:20260615T120000Z"));
  EXPECT_THAT(LinesStartingWith(r.ics, "CREATED"), ElementsAre("CREATED:20260105T083000Z"));
  EXPECT_THAT(LinesStartingWith(r.ics, "LAST-MODIFIED"),
              ElementsAre("LAST-MODIFIED:20260520T164512Z"));
  EXPECT_EQ(r.events[0].at("last-modified"), "20260520T164512Z");

  m.clear_create_time();
  m.clear_update_time();
  const std::string bare = RenderChecked({m}).ics;
  EXPECT_THAT(LinesStartingWith(bare, "CREATED"), IsEmpty());
  EXPECT_THAT(LinesStartingWith(bare, "LAST-MODIFIED"), IsEmpty());
}

TEST(RenderCalendarTest, TimedMeetingWithoutALaterEndHasNoDtend) {
  Meeting m = Timed("m", "M", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                    absl::CivilSecond(2026, 10, 1, 9, 0, 0));
  EXPECT_THAT(EventLines(RenderChecked({m}).ics, "DTEND"), IsEmpty());
  m.clear_end_time();
  EXPECT_THAT(EventLines(RenderChecked({m}).ics, "DTEND"), IsEmpty());
}

TEST(RenderCalendarTest, EveryLineIsCrlfTerminatedAndFolded) {
  Meeting m =
      Timed("long", std::string(kArabic) + kChinese + kRussian + kEmoji, "Europe/Moscow",
            absl::CivilSecond(2026, 10, 1, 9, 0, 0), absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  m.set_description(absl::StrCat(kRussian, "\n", kChinese, "\r\n", kArabic, "\n", kEmoji));
  SetVenue(&m, std::string(300, 'v'), "Moscow", "RUS");
  const Rendered r = RenderChecked({m});
  // No CR or LF anywhere but as CRLF pairs.
  EXPECT_EQ(absl::StrReplaceAll(r.ics, {{"\r\n", ""}}).find_first_of("\r\n"), std::string::npos);
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].at("description"),
            absl::StrCat(kRussian, "\n", kChinese, "\n", kArabic, "\n", kEmoji));
}

TEST(RenderCalendarTest, DeterministicAcrossCalls) {
  std::vector<Meeting> meetings;
  for (int i = 0; i < 20; ++i) {
    meetings.push_back(Timed(absl::StrCat("m", i), absl::StrCat("Meeting ", i),
                             i % 2 ? "Europe/Zurich" : "Asia/Jakarta",
                             absl::CivilSecond(2026, 1 + i % 12, 1 + i, 9, 0, 0),
                             absl::CivilSecond(2026, 1 + i % 12, 1 + i, 17, 0, 0)));
  }
  const std::string first = RenderChecked(meetings).ics;
  EXPECT_EQ(RenderCalendar(meetings, Options()), first);
}

// ---------------------------------------------------------------------------
// The parser harness itself: it must reject what clients would reject, or
// the checks above prove nothing.
// ---------------------------------------------------------------------------

TEST(VobjectHarnessTest, RejectsBrokenCalendars) {
  const Meeting m = Timed("m", "M", "Europe/Zurich", absl::CivilSecond(2026, 10, 1, 9, 0, 0),
                          absl::CivilSecond(2026, 10, 1, 17, 0, 0));
  const std::string good = RenderCalendar({m}, Options());
  ASSERT_EQ(ParseWithVobject(good).exit_code, 0) << ParseWithVobject(good).output;

  // Times are resolved with the calendar's own VTIMEZONE, not a tz database:
  // a wrong offset in it shows.
  const Parsed wrong_offset =
      ParseWithVobject(absl::StrReplaceAll(good, {{"TZOFFSETTO:+0200", "TZOFFSETTO:+0300"}}));
  ASSERT_EQ(wrong_offset.exit_code, 0) << wrong_offset.output;
  ASSERT_THAT(wrong_offset.events, SizeIs(1));
  EXPECT_EQ(wrong_offset.events[0].at("dtstart"), "20261001T060000Z");

  // A TZID without its VTIMEZONE.
  const size_t begin = good.find("BEGIN:VTIMEZONE"), end = good.find("BEGIN:VEVENT");
  std::string no_vtimezone = good;
  no_vtimezone.erase(begin, end - begin);
  EXPECT_NE(ParseWithVobject(no_vtimezone).exit_code, 0);

  // An unfolded long line; LF line endings; no UID; a split UTF-8 character.
  EXPECT_NE(ParseWithVobject(absl::StrReplaceAll(
                                 good, {{"SUMMARY:M\r\n",
                                         absl::StrCat("SUMMARY:", std::string(80, 'x'), "\r\n")}}))
                .exit_code,
            0);
  EXPECT_NE(ParseWithVobject(absl::StrReplaceAll(good, {{"\r\n", "\n"}})).exit_code, 0);
  EXPECT_NE(
      ParseWithVobject(absl::StrReplaceAll(good, {{absl::StrCat("UID:", Uid("m"), "\r\n"), ""}}))
          .exit_code,
      0);
  EXPECT_NE(
      ParseWithVobject(absl::StrReplaceAll(good, {{"SUMMARY:M\r\n", "SUMMARY:M\xD0\r\n \x96\r\n"}}))
          .exit_code,
      0);
}

// ---------------------------------------------------------------------------
// Golden files
// ---------------------------------------------------------------------------

TEST(GoldenTest, ZurichAcrossDaylightSavingChanges) {
  // 09:00 CEST on Friday to 17:30 CET on Tuesday, over the October change;
  // and a working group over the March change.
  Meeting som =
      Timed("som-2026", "Bali Process Senior Officials' Meeting", "Europe/Zurich",
            absl::CivilSecond(2026, 10, 23, 9, 0, 0), absl::CivilSecond(2026, 10, 27, 17, 30, 0));
  som.set_description(
      "The senior officials review progress since the Ministerial Conference\n"
      "and prepare its next session.");
  som.add_agenda_items()->set_title("Opening and adoption of the agenda");
  som.add_agenda_items()->set_title("Report of the co-chairs");
  som.add_agenda_items()->set_title("Regional cooperation on labour migration");
  SetVenue(&som, "Palais des Nations", "Geneva", "CHE");
  som.set_sequence(2);

  Meeting wg =
      Timed("wg-labour-2027", "Working Group on Labour Migration", "Europe/Zurich",
            absl::CivilSecond(2027, 3, 26, 14, 0, 0), absl::CivilSecond(2027, 3, 29, 12, 0, 0));
  wg.set_kind(v1::WORKING_GROUP);
  wg.set_status(v1::PLANNED);
  wg.set_sequence(0);
  SetVenue(&wg, "International Conference Centre Geneva", "Geneva", "CHE");

  const Rendered r = RenderChecked({wg, som});
  EXPECT_THAT(Uids(r.events), ElementsAre(Uid("som-2026"), Uid("wg-labour-2027")));
  EXPECT_EQ(r.events[0].at("dtstart"), "20261023T070000Z");
  EXPECT_EQ(r.events[0].at("dtend"), "20261027T163000Z");
  EXPECT_EQ(r.events[1].at("dtstart"), "20270326T130000Z");
  EXPECT_EQ(r.events[1].at("dtend"), "20270329T100000Z");
  ExpectMatchesGolden("zurich_dst", r.ics);
}

TEST(GoldenTest, JakartaAllDayAndTimed) {
  Meeting workshop = AllDay("workshop-smuggling", "Technical workshop on migrant smuggling",
                            "Asia/Jakarta", D(2026, 11, 10), D(2026, 11, 12));
  workshop.set_kind(v1::TECHNICAL_WORKSHOP);
  workshop.set_description("Three days, hosted by Indonesia.");
  SetVenue(&workshop, "Bali Nusa Dua Convention Center", "Nusa Dua", "IDN");
  workshop.set_sequence(5);

  Meeting conference =
      Timed("mc-2027", "Eighth Bali Process Ministerial Conference", "Asia/Jakarta",
            absl::CivilSecond(2027, 2, 10, 9, 0, 0), absl::CivilSecond(2027, 2, 11, 13, 0, 0));
  conference.set_kind(v1::MINISTERIAL_CONFERENCE);
  SetVenue(&conference, "Jakarta Convention Center", "Jakarta", "IDN");

  const Rendered r = RenderChecked({conference, workshop});
  EXPECT_THAT(Uids(r.events), ElementsAre(Uid("workshop-smuggling"), Uid("mc-2027")));
  EXPECT_EQ(r.events[0].at("dtstart"), "20261110");
  EXPECT_EQ(r.events[0].at("dtend"), "20261113");
  ExpectMatchesGolden("jakarta", r.ics);
}

TEST(GoldenTest, UtcMeeting) {
  Meeting online =
      Timed("inter-rcp-online", "Global RCP meeting (online)", "UTC",
            absl::CivilSecond(2026, 9, 1, 13, 0, 0), absl::CivilSecond(2026, 9, 1, 15, 30, 0));
  online.set_kind(v1::INTER_RCP_MEETING);
  online.add_processes("processes/colombo-process");
  online.set_description("Videoconference of the chairs of the RCPs.");
  online.mutable_venue()->set_name("Online");
  const Rendered r = RenderChecked({online});
  EXPECT_EQ(r.events[0].at("dtstart"), "20260901T130000Z");
  ExpectMatchesGolden("utc", r.ics);
}

TEST(GoldenTest, CancelledMeeting) {
  Meeting m =
      Timed("som-brussels", "Senior officials' meeting", "Europe/Brussels",
            absl::CivilSecond(2026, 12, 8, 10, 0, 0), absl::CivilSecond(2026, 12, 9, 16, 0, 0));
  m.set_status(v1::CANCELLED);
  m.set_sequence(3);
  m.set_cancel_reason("The host country withdrew its offer; new dates will follow.");
  m.set_description("Budapest Process senior officials.");
  SetVenue(&m, "Egmont Palace", "Brussels", "BEL");
  const Rendered r = RenderChecked({m});
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].at("status"), "CANCELLED");
  EXPECT_EQ(r.events[0].at("sequence"), "3");
  ExpectMatchesGolden("cancelled", r.ics);
}

TEST(GoldenTest, EscapingAndMultilingualText) {
  Meeting punctuation =
      Timed("silk-routes", "Budapest Process; \"Silk Routes\" partnership, phase 2 \\ review",
            "Europe/Istanbul", absl::CivilSecond(2026, 10, 5, 9, 30, 0),
            absl::CivilSecond(2026, 10, 5, 18, 0, 0));
  punctuation.set_description(
      "Line one\nLine two\r\nLine three; with, punctuation \\ and a backslash-n: \\n\n\n"
      "Tab\there.");
  SetVenue(&punctuation, "Çırağan Palace, Hall A; Floor 2", "Istanbul", "TUR");
  punctuation.add_agenda_items()->set_title("Item 1, part A; part B");

  Meeting arabic =
      Timed("arab-mc", kArabic, "Africa/Cairo", absl::CivilSecond(2026, 11, 16, 10, 0, 0),
            absl::CivilSecond(2026, 11, 17, 15, 0, 0));
  arabic.set_kind(v1::MINISTERIAL_CONFERENCE);
  arabic.set_description(absl::StrCat(kArabic, "\n", kArabic));
  SetVenue(&arabic, "مقر جامعة الدول العربية", "القاهرة", "EGY");

  Meeting chinese =
      Timed("apc-som", kChinese, "Asia/Shanghai", absl::CivilSecond(2026, 11, 3, 9, 0, 0),
            absl::CivilSecond(2026, 11, 4, 17, 0, 0));
  chinese.set_description(absl::StrCat(kChinese, "，", kChinese));
  SetVenue(&chinese, "国家会议中心", "北京", "CHN");

  Meeting russian =
      Timed("almaty-wg", kRussian, "Europe/Moscow", absl::CivilSecond(2026, 10, 20, 10, 0, 0),
            absl::CivilSecond(2026, 10, 20, 18, 0, 0));
  russian.set_kind(v1::WORKING_GROUP);
  russian.set_description(absl::StrCat(kRussian, "\n", kEmoji, " ", kRussian));
  SetVenue(&russian, "Центр международной торговли", "Москва", "RUS");

  const std::vector<Meeting> meetings = {punctuation, arabic, chinese, russian};
  const Rendered r = RenderChecked(meetings);
  ASSERT_THAT(r.events, SizeIs(4));
  EXPECT_THAT(Uids(r.events),
              ElementsAre(Uid("silk-routes"), Uid("almaty-wg"), Uid("apc-som"), Uid("arab-mc")));
  EXPECT_EQ(r.events[0].at("description"),
            "Line one\nLine two\nLine three; with, punctuation \\ and a backslash-n: \\n\n\n"
            "Tab\there.\n\nAgenda:\n1. Item 1, part A; part B");
  EXPECT_EQ(r.events[0].at("location"), "Çırağan Palace, Hall A; Floor 2, Istanbul, Türkiye");
  EXPECT_EQ(r.events[3].at("location"), "مقر جامعة الدول العربية, القاهرة, Egypt");
  EXPECT_EQ(r.events[3].at("description"), absl::StrCat(kArabic, "\n", kArabic));
  EXPECT_EQ(r.events[2].at("description"), absl::StrCat(kChinese, "，", kChinese));
  EXPECT_EQ(r.events[1].at("description"), absl::StrCat(kRussian, "\n", kEmoji, " ", kRussian));
  ExpectMatchesGolden("multilingual", r.ics);
}

TEST(GoldenTest, MixedCalendar) {
  // The shape of a real feed: several processes, zones and states, given in
  // no particular order.
  Meeting held =
      Timed("som-2026-03", "Colombo Process SOM", "Asia/Colombo",
            absl::CivilSecond(2026, 3, 10, 9, 0, 0), absl::CivilSecond(2026, 3, 11, 17, 0, 0));
  held.set_status(v1::HELD);
  held.set_sequence(4);
  SetVenue(&held, "Bandaranaike Memorial International Conference Hall", "Colombo", "LKA");
  held.set_description("Report: processes/colombo-process/documents/som-2026-report");

  Meeting postponed =
      Timed("mc-abu-dhabi", "Abu Dhabi Dialogue Ministerial Consultation", "Asia/Dubai",
            absl::CivilSecond(2026, 12, 14, 9, 0, 0), absl::CivilSecond(2026, 12, 15, 13, 0, 0));
  postponed.set_kind(v1::MINISTERIAL_CONFERENCE);
  postponed.set_status(v1::POSTPONED);
  postponed.set_sequence(2);
  SetVenue(&postponed, "Emirates Palace", "Abu Dhabi", "ARE");

  Meeting tba = Base("side-event-tba", "Side event, dates to be announced");
  tba.set_kind(v1::SIDE_MEETING);
  tba.set_time_zone("Europe/Zurich");
  tba.set_status(v1::POSTPONED);
  tba.set_dates_to_be_announced(true);

  Meeting side =
      Timed("side-gfmd", "Side meeting at the GFMD Summit", "America/Bogota",
            absl::CivilSecond(2026, 10, 14, 12, 30, 0), absl::CivilSecond(2026, 10, 14, 14, 0, 0));
  side.set_kind(v1::SIDE_MEETING);
  side.set_status(v1::PLANNED);
  SetVenue(&side, "Ágora Bogotá", "Bogotá", "COL");

  Meeting workshop = AllDay("ws-data", "Workshop on migration data", "Pacific/Auckland",
                            D(2027, 4, 5), D(2027, 4, 7));
  workshop.set_kind(v1::TECHNICAL_WORKSHOP);
  SetVenue(&workshop, "", "Wellington", "NZL");

  Meeting zurich =
      Timed("iom-consult", "Inter-RCP consultation", "Europe/Zurich",
            absl::CivilSecond(2026, 10, 14, 9, 0, 0), absl::CivilSecond(2026, 10, 14, 12, 0, 0));
  zurich.set_kind(v1::INTER_RCP_MEETING);

  IcalOptions options = Options();
  options.calendar_name = "Bali Process, Colombo Process & Abu Dhabi Dialogue";
  const Rendered r = RenderChecked({workshop, tba, postponed, zurich, held, side}, options);
  EXPECT_THAT(Uids(r.events), ElementsAre(Uid("som-2026-03"), Uid("iom-consult"), Uid("side-gfmd"),
                                          Uid("mc-abu-dhabi"), Uid("ws-data")));
  EXPECT_THAT(LinesStartingWith(r.ics, "TZID:"),
              ElementsAre("TZID:America/Bogota", "TZID:Asia/Colombo", "TZID:Asia/Dubai",
                          "TZID:Europe/Zurich"));
  ExpectMatchesGolden("mixed", r.ics);
}

}  // namespace
}  // namespace rcp::ical
