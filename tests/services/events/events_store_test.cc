// The meeting calendar's logic over a real RocksDB store: validation, the
// lifecycle, window queries and their index, paging, sync.
#include "services/events/events_store.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/audience/audience.h"
#include "common/entity/entity.h"
#include "common/ical/ical.h"
#include "common/time/timestamp.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/common/audience/seed_viewers.h"

namespace rcp::events {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

const storage::WriteContext kCtx{"apiKeys/secretariat"};
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 12, 0, 0), absl::UTCTimeZone());

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

v1::Meeting Timed(const std::string& process, absl::Time start, absl::Duration length,
                  const std::string& title = "Senior officials' meeting") {
  v1::Meeting m;
  m.add_processes(process);
  m.set_title(title);
  m.set_kind(v1::SENIOR_OFFICIALS_MEETING);
  m.set_time_zone("Europe/Zurich");
  *m.mutable_start_time() = ToTimestamp(start);
  *m.mutable_end_time() = ToTimestamp(start + length);
  m.set_visibility(rcp::common::v1::PUBLIC);
  return m;
}

rcp::common::v1::Date Day(int y, int m, int d) {
  rcp::common::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

class EventsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(bool sync = true) {
    store_.reset();
    EventsOptions o;
    o.store.path = dir_.Sub("db");
    o.store.clock = &clock_;
    o.store.sync_writes = sync;
    o.deployment_id = "test.secretariat";
    auto s = EventsStore::Open(o);
    ASSERT_THAT(s, IsOk());
    store_ = std::move(*s);
  }
  absl::StatusOr<v1::Meeting> Create(const v1::Meeting& m, const std::string& id = "",
                                     const std::string& request_id = "") {
    v1::CreateMeetingRequest req;
    *req.mutable_meeting() = m;
    req.set_meeting_id(id);
    req.set_request_id(request_id);
    return store_->CreateMeeting(kCtx, req);
  }
  std::vector<std::string> List(v1::MeetingFilter filter, int page_size = 1000) {
    std::vector<std::string> names;
    v1::ListMeetingsRequest req;
    *req.mutable_filter() = filter;
    req.set_page_size(page_size);
    do {
      auto resp = store_->ListMeetings(req);
      EXPECT_THAT(resp, IsOk());
      if (!resp.ok()) break;
      for (const auto& m : resp->meetings()) names.push_back(m.name());
      req.set_page_token(resp->next_page_token());
    } while (!req.page_token().empty());
    return names;
  }
  v1::MeetingFilter Window(absl::Time from, absl::Time to) {
    v1::MeetingFilter f;
    *f.mutable_start_time() = ToTimestamp(from);
    *f.mutable_end_time() = ToTimestamp(to);
    return f;
  }
  uint64_t Revision() { return store_->store()->revision(); }

  rcp::testing::TempDir dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<EventsStore> store_;
};

TEST_F(EventsStoreTest, CreateStampsAPlannedMeetingUnderItsFirstProcess) {
  auto m = Create(Timed("processes/bali-process", Utc(2027, 2, 24, 1), absl::Hours(8)), "som-2027");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->name(), "processes/bali-process/meetings/som-2027");
  EXPECT_EQ(m->status(), v1::PLANNED);
  EXPECT_EQ(m->sequence(), 0);
  EXPECT_EQ(m->creator(), "apiKeys/secretariat");
  EXPECT_FALSE(m->etag().empty());
  EXPECT_EQ(FromTimestamp(m->create_time()), kNow);
  v1::GetMeetingRequest get;
  get.set_name(m->name());
  auto read = store_->GetMeeting(get);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->etag(), m->etag());
}

TEST_F(EventsStoreTest, CreateRetriedWithSameRequestIdCreatesOnce) {
  auto a = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1)), "", "req-1");
  auto b = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1)), "", "req-1");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->name(), b->name());
  EXPECT_EQ(List({}).size(), 1u);
}

TEST_F(EventsStoreTest, AllDayMeetingSpansLocalMidnightsOfItsZone) {
  v1::Meeting m = Timed("processes/igc", Utc(2027, 1, 1), absl::Hours(1));
  m.clear_start_time();
  m.clear_end_time();
  m.set_all_day(true);
  m.set_time_zone("Pacific/Auckland");  // UTC+13 in March (daylight time)
  *m.mutable_start_date() = Day(2027, 3, 1);
  *m.mutable_end_date() = Day(2027, 3, 1);
  auto created = Create(m);
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(FromTimestamp(created->start_time()), Utc(2027, 2, 28, 11));
  EXPECT_EQ(FromTimestamp(created->end_time()), Utc(2027, 3, 1, 11));
  // Overlapping windows find it; one that starts when it ends does not.
  EXPECT_EQ(List(Window(Utc(2027, 2, 28, 12), Utc(2027, 2, 28, 13))).size(), 1u);
  EXPECT_EQ(List(Window(Utc(2027, 3, 1, 11), Utc(2027, 3, 2))).size(), 0u);
  EXPECT_EQ(List(Window(Utc(2027, 2, 27), Utc(2027, 2, 28, 11))).size(), 0u);
}

// ------------------------------------------------------------- bad input

struct BadInput {
  const char* what;
  std::function<void(v1::Meeting*)> spoil;
  const char* field;
};

class EventsBadInputTest : public EventsStoreTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(EventsBadInputTest, IsRejectedNamingTheFieldAndWritesNothing) {
  v1::Meeting m = Timed("processes/bali-process", Utc(2027, 2, 24, 1), absl::Hours(8));
  GetParam().spoil(&m);
  uint64_t before = Revision();
  EXPECT_THAT(Create(m), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().field)));
  EXPECT_EQ(Revision(), before);
  EXPECT_TRUE(List({}).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Meetings, EventsBadInputTest,
    ::testing::Values(
        BadInput{"end before start",
                 [](v1::Meeting* m) { *m->mutable_end_time() = ToTimestamp(Utc(2027, 2, 23)); },
                 "end_time: must be after start_time"},
        BadInput{"longer than a month",
                 [](v1::Meeting* m) { *m->mutable_end_time() = ToTimestamp(Utc(2027, 4, 1)); },
                 "end_time: a meeting lasts at most 31 days"},
        BadInput{"unknown time zone", [](v1::Meeting* m) { m->set_time_zone("Mars/Olympus_Mons"); },
                 "meeting.time_zone: 'Mars/Olympus_Mons' is not an IANA time zone"},
        BadInput{"no time zone", [](v1::Meeting* m) { m->clear_time_zone(); },
                 "meeting.time_zone: is required"},
        BadInput{"unknown kind", [](v1::Meeting* m) { m->set_kind(static_cast<v1::MeetingKind>(42)); },
                 "meeting.kind"},
        BadInput{"no kind", [](v1::Meeting* m) { m->clear_kind(); }, "meeting.kind: is required"},
        BadInput{"empty title", [](v1::Meeting* m) { m->clear_title(); }, "meeting.title: is required"},
        BadInput{"title too long", [](v1::Meeting* m) { m->set_title(std::string(301, 'x')); },
                 "meeting.title: must be at most 300"},
        BadInput{"too many invited parties",
                 [](v1::Meeting* m) {
                   for (int i = 0; i < 301; ++i) m->add_invited_parties(absl::StrCat("parties/org-", i));
                 },
                 "meeting.invited_parties: must have at most 300"},
        BadInput{"invited party twice",
                 [](v1::Meeting* m) {
                   m->add_invited_parties("parties/IDN");
                   m->add_invited_parties("parties/IDN");
                 },
                 "meeting.invited_parties[1]"},
        BadInput{"invalid venue country", [](v1::Meeting* m) { m->mutable_venue()->set_country("XYZ"); },
                 "meeting.venue.country: 'XYZ' is not an ISO 3166-1"},
        BadInput{"invalid invited state", [](v1::Meeting* m) { m->add_invited_parties("parties/QQQ"); },
                 "meeting.invited_parties[0]"},
        BadInput{"no process", [](v1::Meeting* m) { m->clear_processes(); }, "meeting.processes"},
        BadInput{"malformed process", [](v1::Meeting* m) { m->set_processes(0, "process/bali"); },
                 "meeting.processes[0]"},
        BadInput{"no visibility", [](v1::Meeting* m) { m->clear_visibility(); }, "meeting.visibility"},
        BadInput{"restricted without parties",
                 [](v1::Meeting* m) { m->set_visibility(rcp::common::v1::RESTRICTED); },
                 "meeting.restricted_parties"},
        BadInput{"all-day without dates", [](v1::Meeting* m) { m->set_all_day(true); },
                 "meeting.start_date: is required"},
        BadInput{"malformed document link", [](v1::Meeting* m) { m->add_documents("documents/x"); },
                 "meeting.documents[0]"}),
    [](const auto& info) {
      std::string name = info.param.what;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST_F(EventsStoreTest, UpdateWithStaleEtagIsAbortedAndWritesNothing) {
  auto m = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1)));
  ASSERT_THAT(m, IsOk());
  v1::UpdateMeetingRequest up;
  *up.mutable_meeting() = *m;
  up.mutable_meeting()->set_title("New title");
  up.mutable_update_mask()->add_paths("title");
  auto updated = store_->UpdateMeeting(kCtx, up);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->sequence(), 1);
  up.mutable_meeting()->set_title("Lost update");  // still the first etag
  uint64_t before = Revision();
  EXPECT_THAT(store_->UpdateMeeting(kCtx, up), StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
  EXPECT_EQ(Revision(), before);
}

TEST_F(EventsStoreTest, UpdateMovesTheIndexWhenDatesChange) {
  auto m = Create(Timed("processes/igc", Utc(2027, 1, 10, 9), absl::Hours(2)));
  ASSERT_THAT(m, IsOk());
  v1::UpdateMeetingRequest up;
  *up.mutable_meeting() = *m;
  *up.mutable_meeting()->mutable_start_time() = ToTimestamp(Utc(2027, 3, 10, 9));
  *up.mutable_meeting()->mutable_end_time() = ToTimestamp(Utc(2027, 3, 10, 11));
  up.mutable_update_mask()->add_paths("start_time");
  up.mutable_update_mask()->add_paths("end_time");
  ASSERT_THAT(store_->UpdateMeeting(kCtx, up), IsOk());
  EXPECT_TRUE(List(Window(Utc(2027, 1, 1), Utc(2027, 2, 1))).empty());
  EXPECT_EQ(List(Window(Utc(2027, 3, 1), Utc(2027, 4, 1))).size(), 1u);
}

TEST_F(EventsStoreTest, UpdateRejectsUnknownMaskPathsAndStatus) {
  auto m = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1)));
  ASSERT_THAT(m, IsOk());
  v1::UpdateMeetingRequest up;
  *up.mutable_meeting() = *m;
  up.mutable_update_mask()->add_paths("status");
  EXPECT_THAT(store_->UpdateMeeting(kCtx, up),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask: path 'status'")));
}

// ------------------------------------------------------------- lifecycle

enum class Action { kConfirm, kPostpone, kPostponeTba, kReschedule, kCancel, kMarkHeld };

const char* ActionName(Action a) {
  switch (a) {
    case Action::kConfirm:
      return "Confirm";
    case Action::kPostpone:
      return "Postpone";
    case Action::kPostponeTba:
      return "PostponeTba";
    case Action::kReschedule:
      return "Reschedule";
    case Action::kCancel:
      return "Cancel";
    case Action::kMarkHeld:
      return "MarkHeld";
  }
  return "?";
}

class LifecycleTest : public EventsStoreTest {
 protected:
  absl::StatusOr<v1::Meeting> Do(Action a, const std::string& name) {
    switch (a) {
      case Action::kConfirm: {
        v1::ConfirmMeetingRequest r;
        r.set_name(name);
        return store_->ConfirmMeeting(kCtx, r);
      }
      case Action::kPostpone: {
        v1::PostponeMeetingRequest r;
        r.set_name(name);
        *r.mutable_start_time() = ToTimestamp(Utc(2026, 6, 1, 9));
        *r.mutable_end_time() = ToTimestamp(Utc(2026, 6, 1, 17));
        return store_->PostponeMeeting(kCtx, r);
      }
      case Action::kPostponeTba: {
        v1::PostponeMeetingRequest r;
        r.set_name(name);
        r.set_reason("funding fell through");
        return store_->PostponeMeeting(kCtx, r);
      }
      case Action::kReschedule: {
        v1::RescheduleMeetingRequest r;
        r.set_name(name);
        *r.mutable_start_time() = ToTimestamp(Utc(2026, 7, 1, 9));
        *r.mutable_end_time() = ToTimestamp(Utc(2026, 7, 1, 17));
        return store_->RescheduleMeeting(kCtx, r);
      }
      case Action::kCancel: {
        v1::CancelMeetingRequest r;
        r.set_name(name);
        r.set_reason("no quorum");
        return store_->CancelMeeting(kCtx, r);
      }
      case Action::kMarkHeld: {
        v1::MarkMeetingHeldRequest r;
        r.set_name(name);
        return store_->MarkMeetingHeld(kCtx, r);
      }
    }
    return absl::InternalError("unreachable");
  }
  // A meeting (in the past, so it may be marked held) brought to `status`.
  std::string MeetingIn(v1::MeetingStatus status, int n) {
    auto m = Create(Timed("processes/igc", Utc(2026, 1, 1, 9), absl::Hours(1)), absl::StrCat("m", n));
    EXPECT_THAT(m, IsOk());
    std::string name = m->name();
    switch (status) {
      case v1::CONFIRMED:
        EXPECT_THAT(Do(Action::kConfirm, name), IsOk());
        break;
      case v1::POSTPONED:
        EXPECT_THAT(Do(Action::kPostpone, name), IsOk());
        break;
      case v1::CANCELLED:
        EXPECT_THAT(Do(Action::kCancel, name), IsOk());
        break;
      case v1::HELD:
        EXPECT_THAT(Do(Action::kConfirm, name), IsOk());
        EXPECT_THAT(Do(Action::kMarkHeld, name), IsOk());
        break;
      default:
        break;
    }
    return name;
  }
};

TEST_F(LifecycleTest, EveryTransitionIsAllowedOrRefusedAsTheTableSays) {
  struct Row {
    v1::MeetingStatus from;
    Action action;
    v1::MeetingStatus to;  // MEETING_STATUS_UNSPECIFIED = refused
  };
  constexpr auto X = v1::MEETING_STATUS_UNSPECIFIED;
  const Row table[] = {
      {v1::PLANNED, Action::kConfirm, v1::CONFIRMED},
      {v1::PLANNED, Action::kPostpone, v1::POSTPONED},
      {v1::PLANNED, Action::kPostponeTba, v1::POSTPONED},
      {v1::PLANNED, Action::kReschedule, X},
      {v1::PLANNED, Action::kCancel, v1::CANCELLED},
      {v1::PLANNED, Action::kMarkHeld, X},
      {v1::CONFIRMED, Action::kConfirm, X},
      {v1::CONFIRMED, Action::kPostpone, v1::POSTPONED},
      {v1::CONFIRMED, Action::kPostponeTba, v1::POSTPONED},
      {v1::CONFIRMED, Action::kReschedule, X},
      {v1::CONFIRMED, Action::kCancel, v1::CANCELLED},
      {v1::CONFIRMED, Action::kMarkHeld, v1::HELD},
      {v1::POSTPONED, Action::kConfirm, v1::CONFIRMED},
      {v1::POSTPONED, Action::kPostpone, X},
      {v1::POSTPONED, Action::kPostponeTba, X},
      {v1::POSTPONED, Action::kReschedule, v1::PLANNED},
      {v1::POSTPONED, Action::kCancel, v1::CANCELLED},
      {v1::POSTPONED, Action::kMarkHeld, X},
      {v1::CANCELLED, Action::kConfirm, X},
      {v1::CANCELLED, Action::kPostpone, X},
      {v1::CANCELLED, Action::kPostponeTba, X},
      {v1::CANCELLED, Action::kReschedule, X},
      {v1::CANCELLED, Action::kCancel, X},
      {v1::CANCELLED, Action::kMarkHeld, X},
      {v1::HELD, Action::kConfirm, X},
      {v1::HELD, Action::kPostpone, X},
      {v1::HELD, Action::kPostponeTba, X},
      {v1::HELD, Action::kReschedule, X},
      {v1::HELD, Action::kCancel, X},
      {v1::HELD, Action::kMarkHeld, X},
  };
  int n = 0;
  for (const auto& row : table) {
    SCOPED_TRACE(absl::StrCat(v1::MeetingStatus_Name(row.from), " --", ActionName(row.action), "-->"));
    std::string name = MeetingIn(row.from, n++);
    v1::GetMeetingRequest get;
    get.set_name(name);
    auto before = store_->GetMeeting(get);
    ASSERT_THAT(before, IsOk());
    auto after = Do(row.action, name);
    if (row.to == X) {
      EXPECT_THAT(after, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr(v1::MeetingStatus_Name(row.from))));
      auto unchanged = store_->GetMeeting(get);
      ASSERT_THAT(unchanged, IsOk());
      EXPECT_EQ(unchanged->etag(), before->etag()) << "a refused transition writes nothing";
    } else {
      ASSERT_THAT(after, IsOk());
      EXPECT_EQ(after->status(), row.to);
      EXPECT_EQ(after->sequence(), before->sequence() + 1);
    }
  }
}

TEST_F(LifecycleTest, RefusalNamesBothStates) {
  std::string name = MeetingIn(v1::HELD, 1);
  EXPECT_THAT(Do(Action::kCancel, name),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("HELD"), HasSubstr("PLANNED or CONFIRMED or POSTPONED"))));
}

TEST_F(LifecycleTest, PostponedWithDatesToBeAnnouncedMustBeRescheduledBeforeConfirming) {
  std::string name = MeetingIn(v1::PLANNED, 1);
  auto p = Do(Action::kPostponeTba, name);
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(p->dates_to_be_announced());
  EXPECT_THAT(p->description(), HasSubstr("Postponed: funding fell through"));
  EXPECT_THAT(Do(Action::kConfirm, name),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("to be announced")));
  auto r = Do(Action::kReschedule, name);
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->dates_to_be_announced());
  EXPECT_EQ(FromTimestamp(r->start_time()), Utc(2026, 7, 1, 9));
  EXPECT_THAT(Do(Action::kConfirm, name), IsOk());
}

TEST_F(LifecycleTest, CancelledMeetingStaysReadableButFrozen) {
  std::string name = MeetingIn(v1::CANCELLED, 1);
  v1::GetMeetingRequest get;
  get.set_name(name);
  auto m = store_->GetMeeting(get);
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->status(), v1::CANCELLED);
  EXPECT_EQ(m->cancel_reason(), "no quorum");
  v1::UpdateMeetingRequest up;
  *up.mutable_meeting() = *m;
  up.mutable_update_mask()->add_paths("title");
  EXPECT_THAT(store_->UpdateMeeting(kCtx, up),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("CANCELLED")));
  v1::CancelMeetingRequest again;
  again.set_name(name);
  EXPECT_THAT(store_->CancelMeeting(kCtx, again),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason: is required")));
}

TEST_F(LifecycleTest, AFutureMeetingCannotBeMarkedHeld) {
  auto m = Create(Timed("processes/igc", kNow + absl::Hours(24), absl::Hours(1)));
  ASSERT_THAT(m, IsOk());
  ASSERT_THAT(Do(Action::kConfirm, m->name()), IsOk());
  EXPECT_THAT(Do(Action::kMarkHeld, m->name()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("future")));
}

// --------------------------------------------------------------- windows

TEST_F(EventsStoreTest, WindowIncludesMeetingsOverlappingItAtTheEdges) {
  absl::Time from = Utc(2027, 3, 10), to = Utc(2027, 3, 11);
  ASSERT_THAT(Create(Timed("processes/igc", from - absl::Hours(2), absl::Hours(3)), "starts-before"), IsOk());
  ASSERT_THAT(Create(Timed("processes/igc", from - absl::Hours(2), absl::Hours(2)), "ends-at-start"), IsOk());
  ASSERT_THAT(Create(Timed("processes/igc", from, absl::Hours(1)), "starts-at-start"), IsOk());
  ASSERT_THAT(Create(Timed("processes/igc", to - absl::Hours(1), absl::Hours(5)), "runs-past-end"), IsOk());
  ASSERT_THAT(Create(Timed("processes/igc", to, absl::Hours(1)), "starts-at-end"), IsOk());
  ASSERT_THAT(Create(Timed("processes/igc", from - absl::Hours(24 * 20), absl::Hours(24 * 25)), "long-one"),
              IsOk());
  auto names = List(Window(from, to));
  EXPECT_EQ(names, (std::vector<std::string>{
                       "processes/igc/meetings/long-one", "processes/igc/meetings/starts-before",
                       "processes/igc/meetings/starts-at-start", "processes/igc/meetings/runs-past-end"}))
      << "ordered by start time";
}

TEST_F(EventsStoreTest, JointMeetingAppearsInEachProcessCalendarWithOneIdentity) {
  v1::Meeting joint = Timed("processes/bali-process", Utc(2027, 5, 1, 9), absl::Hours(8));
  joint.add_processes("processes/colombo-process");
  joint.set_kind(v1::INTER_RCP_MEETING);
  auto m = Create(joint, "joint");
  ASSERT_THAT(m, IsOk());
  ASSERT_THAT(Create(Timed("processes/colombo-process", Utc(2027, 5, 2, 9), absl::Hours(1)), "own"), IsOk());
  v1::MeetingFilter bali, colombo, both;
  bali.add_processes("processes/bali-process");
  colombo.add_processes("processes/colombo-process");
  both.add_processes("processes/bali-process");
  both.add_processes("processes/colombo-process");
  EXPECT_EQ(List(bali), std::vector<std::string>{m->name()});
  EXPECT_EQ(List(colombo), (std::vector<std::string>{m->name(), "processes/colombo-process/meetings/own"}));
  EXPECT_EQ(List(both), (std::vector<std::string>{m->name(), "processes/colombo-process/meetings/own"}))
      << "listed once though it is in both calendars";
}

TEST_F(EventsStoreTest, FiltersByStatusAndKind) {
  auto a = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1)), "a");
  v1::Meeting ws = Timed("processes/igc", Utc(2027, 1, 2, 9), absl::Hours(1));
  ws.set_kind(v1::TECHNICAL_WORKSHOP);
  ASSERT_THAT(Create(ws, "b"), IsOk());
  ASSERT_THAT(a, IsOk());
  v1::ConfirmMeetingRequest c;
  c.set_name(a->name());
  ASSERT_THAT(store_->ConfirmMeeting(kCtx, c), IsOk());
  v1::MeetingFilter f;
  f.add_statuses(v1::CONFIRMED);
  EXPECT_EQ(List(f), std::vector<std::string>{a->name()});
  v1::MeetingFilter k;
  k.add_kinds(v1::TECHNICAL_WORKSHOP);
  EXPECT_EQ(List(k), std::vector<std::string>{"processes/igc/meetings/b"});
  v1::MeetingFilter bad;
  bad.add_statuses(static_cast<v1::MeetingStatus>(77));
  v1::ListMeetingsRequest req;
  *req.mutable_filter() = bad;
  EXPECT_THAT(store_->ListMeetings(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("filter.statuses[0]")));
}

TEST_F(EventsStoreTest, PagingIsStableWhileMeetingsAreAdded) {
  std::set<std::string> before;
  for (int i = 0; i < 60; ++i) {
    auto m = Create(Timed("processes/igc", Utc(2027, 1, 1) + absl::Hours(24 * i), absl::Hours(2)));
    ASSERT_THAT(m, IsOk());
    before.insert(m->name());
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop && i < 200; ++i) {
      // Half land before the reader's position, half after.
      ASSERT_THAT(Create(Timed("processes/igc", Utc(2027, 1, 1) + absl::Minutes(i * 721), absl::Hours(1))),
                  IsOk());
    }
  });
  v1::ListMeetingsRequest req;
  req.set_page_size(7);
  std::vector<std::string> seen;
  do {
    auto resp = store_->ListMeetings(req);
    ASSERT_THAT(resp, IsOk());
    for (const auto& m : resp->meetings()) seen.push_back(m.name());
    req.set_page_token(resp->next_page_token());
  } while (!req.page_token().empty());
  stop = true;
  writer.join();
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "no meeting twice";
  for (const auto& name : before) EXPECT_TRUE(unique.count(name)) << "missing " << name;
}

TEST_F(EventsStoreTest, PageTokenOfAnotherQueryIsRefused) {
  for (int i = 0; i < 3; ++i)
    ASSERT_THAT(Create(Timed("processes/igc", Utc(2027, 1, 1 + i, 9), absl::Hours(1))), IsOk());
  v1::ListMeetingsRequest req;
  req.set_page_size(1);
  auto first = store_->ListMeetings(req);
  ASSERT_THAT(first, IsOk());
  req.set_page_token(first->next_page_token());
  req.mutable_filter()->add_processes("processes/igc");
  EXPECT_THAT(store_->ListMeetings(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

// A narrow window over 100,000 meetings reads only that window's part of
// the index, not the calendar.
TEST_F(EventsStoreTest, NarrowWindowOverAHundredThousandMeetingsTouchesOnlyItsKeys) {
  Open(/*sync=*/false);  // durability is not what this measures
  constexpr int kMeetings = 100000;
  absl::Time first = Utc(2020, 1, 1);
  for (int i = 0; i < kMeetings; ++i) {
    // One meeting every 30 minutes: about 5.7 years of calendar.
    std::string process = i % 2 ? "processes/igc" : "processes/apc";
    ASSERT_THAT(Create(Timed(process, first + absl::Minutes(30 * i), absl::Hours(1))), IsOk());
  }
  v1::ListMeetingsRequest req;
  *req.mutable_filter() = Window(Utc(2023, 6, 1), Utc(2023, 6, 2));
  req.mutable_filter()->add_processes("processes/igc");
  req.set_page_size(1000);
  ListStats stats;
  auto resp = store_->ListMeetings(req, /*viewer=*/nullptr, &stats);
  ASSERT_THAT(resp, IsOk());
  EXPECT_EQ(resp->meetings_size(), 25);  // 24 starting that day, plus one from the evening before
  // The window reaches back the longest meeting (31 days) for meetings that
  // started earlier: 31 days × 24 igc meetings a day, not 100,000.
  EXPECT_LE(stats.index_keys, 24u * 33);
  std::printf("window of 1 day over %d meetings: %zu index keys, %zu meetings read\n", kMeetings,
              stats.index_keys, stats.meetings);
}

// ------------------------------------------------------------------ sync

TEST_F(EventsStoreTest, SyncReturnsEverythingThenExactlyWhatChanged) {
  for (int i = 0; i < 5; ++i)
    ASSERT_THAT(Create(Timed("processes/igc", Utc(2027, 1, 1 + i, 9), absl::Hours(1)), absl::StrCat("m", i)),
                IsOk());
  ASSERT_THAT(Create(Timed("processes/apc", Utc(2027, 1, 1, 9), absl::Hours(1)), "other"), IsOk());
  v1::SyncMeetingsRequest full;
  full.mutable_filter()->add_processes("processes/igc");
  full.set_page_size(2);
  std::vector<std::string> names;
  std::string sync_token;
  for (;;) {
    auto resp = store_->SyncMeetings(full);
    ASSERT_THAT(resp, IsOk());
    for (const auto& m : resp->meetings()) names.push_back(m.name());
    if (resp->next_page_token().empty()) {
      sync_token = resp->next_sync_token();
      break;
    }
    EXPECT_TRUE(resp->next_sync_token().empty());
    full.set_page_token(resp->next_page_token());
  }
  EXPECT_EQ(names.size(), 5u);
  ASSERT_FALSE(sync_token.empty());

  // Changes: one cancelled, one new, one in another process.
  v1::CancelMeetingRequest cancel;
  cancel.set_name("processes/igc/meetings/m1");
  cancel.set_reason("no funding");
  ASSERT_THAT(store_->CancelMeeting(kCtx, cancel), IsOk());
  ASSERT_THAT(Create(Timed("processes/igc", Utc(2027, 2, 1, 9), absl::Hours(1)), "new"), IsOk());
  ASSERT_THAT(Create(Timed("processes/apc", Utc(2027, 2, 1, 9), absl::Hours(1)), "elsewhere"), IsOk());

  v1::SyncMeetingsRequest inc;
  inc.mutable_filter()->add_processes("processes/igc");
  inc.set_sync_token(sync_token);
  auto delta = store_->SyncMeetings(inc);
  ASSERT_THAT(delta, IsOk());
  std::vector<std::string> changed;
  for (const auto& m : delta->meetings()) changed.push_back(m.name());
  EXPECT_EQ(changed, (std::vector<std::string>{"processes/igc/meetings/m1", "processes/igc/meetings/new"}));
  EXPECT_EQ(delta->meetings(0).status(), v1::CANCELLED);
  ASSERT_FALSE(delta->next_sync_token().empty());

  // Nothing since: an empty delta, and the token keeps working.
  inc.set_sync_token(delta->next_sync_token());
  auto none = store_->SyncMeetings(inc);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->meetings_size(), 0);
  EXPECT_EQ(none->next_sync_token(), delta->next_sync_token());
}

TEST_F(EventsStoreTest, IncrementalSyncNamesMeetingsThatLeftTheFilter) {
  // Joint IGC/APC meetings, synced by a client that follows APC.
  auto joint = [&](int day, const std::string& id) {
    v1::Meeting m = Timed("processes/igc", Utc(2027, 1, day, 9), absl::Hours(1));
    m.add_processes("processes/apc");
    return Create(m, id).status();
  };
  ASSERT_THAT(joint(1, "moved"), IsOk());
  ASSERT_THAT(joint(2, "stays"), IsOk());
  v1::SyncMeetingsRequest full;
  full.mutable_filter()->add_processes("processes/apc");
  auto start = store_->SyncMeetings(full);
  ASSERT_THAT(start, IsOk());
  ASSERT_EQ(start->meetings_size(), 2);

  auto igc_only = [&](const std::string& name) {
    v1::UpdateMeetingRequest up;
    up.mutable_meeting()->set_name(name);
    up.mutable_meeting()->add_processes("processes/igc");
    up.mutable_update_mask()->add_paths("processes");
    return store_->UpdateMeeting(kCtx, up).status();
  };
  ASSERT_THAT(igc_only("processes/igc/meetings/moved"), IsOk());
  // Created and taken out within the window: the client never had it.
  ASSERT_THAT(joint(3, "brief"), IsOk());
  ASSERT_THAT(igc_only("processes/igc/meetings/brief"), IsOk());
  v1::UpdateMeetingRequest retitle;
  retitle.mutable_meeting()->set_name("processes/igc/meetings/stays");
  retitle.mutable_meeting()->set_title("Renamed");
  retitle.mutable_update_mask()->add_paths("title");
  ASSERT_THAT(store_->UpdateMeeting(kCtx, retitle), IsOk());

  v1::SyncMeetingsRequest inc;
  inc.mutable_filter()->add_processes("processes/apc");
  inc.set_sync_token(start->next_sync_token());
  auto delta = store_->SyncMeetings(inc);
  ASSERT_THAT(delta, IsOk());
  ASSERT_EQ(delta->meetings_size(), 1);
  EXPECT_EQ(delta->meetings(0).title(), "Renamed");
  // "brief" came and went within the window: the client never had it.
  EXPECT_EQ(std::vector<std::string>(delta->removed().begin(), delta->removed().end()),
            std::vector<std::string>{"processes/igc/meetings/moved"});
}

TEST_F(EventsStoreTest, IncrementalSyncPagesThroughManyChanges) {
  v1::SyncMeetingsRequest full;
  auto start = store_->SyncMeetings(full);
  ASSERT_THAT(start, IsOk());
  for (int i = 0; i < 7; ++i)
    ASSERT_THAT(Create(Timed("processes/igc", Utc(2027, 1, 1 + i, 9), absl::Hours(1))), IsOk());
  v1::SyncMeetingsRequest inc;
  inc.set_sync_token(start->next_sync_token());
  inc.set_page_size(3);
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    auto resp = store_->SyncMeetings(inc);
    ASSERT_THAT(resp, IsOk());
    ++pages;
    for (const auto& m : resp->meetings())
      EXPECT_TRUE(seen.insert(m.name()).second) << "repeated " << m.name();
    if (resp->next_page_token().empty()) break;
    inc.set_page_token(resp->next_page_token());
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_GE(pages, 3);
}

TEST_F(EventsStoreTest, BadSyncTokensAreRefusedNamingTheField) {
  v1::SyncMeetingsRequest req;
  req.set_sync_token("garbage");
  EXPECT_THAT(store_->SyncMeetings(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sync_token: is malformed")));
  req.set_sync_token(rcp::resource::EncodeSyncToken("documents", 0));
  EXPECT_THAT(store_->SyncMeetings(req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sync_token: was issued by the documents service")));
}

TEST_F(EventsStoreTest, ExpiredSyncTokenAsksForAFullSync) {
  store_.reset();
  EventsOptions o;
  o.store.path = dir_.Sub("db");
  o.store.clock = &clock_;
  o.store.changelog_max_records = 3;
  auto s = EventsStore::Open(o);
  ASSERT_THAT(s, IsOk());
  store_ = std::move(*s);
  auto start = store_->SyncMeetings({});
  ASSERT_THAT(start, IsOk());
  for (int i = 0; i < 10; ++i)
    ASSERT_THAT(Create(Timed("processes/igc", Utc(2027, 1, 1 + i, 9), absl::Hours(1))), IsOk());
  ASSERT_THAT(store_->store()->TrimChangelog(), IsOk());
  v1::SyncMeetingsRequest inc;
  inc.set_sync_token(start->next_sync_token());
  auto expired = store_->SyncMeetings(inc);
  EXPECT_THAT(expired, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("full sync")));
  rcp::common::v1::ResyncRequired detail;
  EXPECT_TRUE(GetDetail(expired.status(), &detail));
}

TEST_F(EventsStoreTest, ExportRendersTheFilteredMeetings) {
  auto m = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1), "Plenary; day 1, Geneva"));
  ASSERT_THAT(m, IsOk());
  v1::ExportCalendarRequest req;
  auto cal = store_->ExportCalendar(req);
  ASSERT_THAT(cal, IsOk());
  EXPECT_EQ(cal->content_type(), "text/calendar; charset=utf-8");
  EXPECT_THAT(cal->body(), HasSubstr("BEGIN:VCALENDAR\r\n"));
  EXPECT_THAT(cal->body(), HasSubstr("SUMMARY:Plenary\\; day 1\\, Geneva\r\n"));
  EXPECT_THAT(cal->body(), HasSubstr("@test.secretariat"));
}

TEST_F(EventsStoreTest, MeetingsSurviveReopen) {
  auto m = Create(Timed("processes/igc", Utc(2027, 1, 1, 9), absl::Hours(1)));
  ASSERT_THAT(m, IsOk());
  Open();
  EXPECT_EQ(List({}), std::vector<std::string>{m->name()});
}

// ------------------------------------------------------------ viewers
//
// Hole 1 of issue 9: Lists, Syncs and Exports keep only what the caller may
// see before paging, so that neither a page's size nor its token tells of a
// meeting it may not see.

using audience::testing::kBali;
using audience::testing::kColombo;
using audience::testing::SeedRole;
using audience::testing::SeedViewer;
audience::Viewer Unhcr() { return SeedViewer(SeedRole::kObserver); }
audience::Viewer Indonesia() { return SeedViewer(SeedRole::kChair); }
audience::Viewer Thailand() { return SeedViewer(SeedRole::kMember); }
audience::Viewer ColomboOnlyIndonesia() {  // Indonesia's key limited to Colombo
  audience::Viewer v = Indonesia();
  v.add_process_limit(kColombo);
  return v;
}

v1::Meeting WithVisibility(v1::Meeting m, rcp::common::v1::Visibility visibility,
                           std::vector<std::string> parties = {}) {
  m.set_visibility(visibility);
  for (const auto& p : parties) m.add_restricted_parties(p);
  return m;
}

// A page: its names and token.
struct MeetingPage {
  std::vector<std::string> names;
  std::string token;
};

// Pages through with `next(token)`, checking that every page with a token
// is full and that the number of pages follows from what was returned.
std::vector<std::string> PageAll(int page_size,
                                 const std::function<absl::StatusOr<MeetingPage>(const std::string&)>& next,
                                 int* pages_out = nullptr) {
  std::vector<std::string> all;
  std::string token;
  int pages = 0;
  do {
    auto page = next(token);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    ++pages;
    if (!page->token.empty()) {
      EXPECT_EQ(page->names.size(), static_cast<size_t>(page_size)) << "a page with a token is full";
    }
    all.insert(all.end(), page->names.begin(), page->names.end());
    token = page->token;
  } while (!token.empty() && pages < 10000);
  EXPECT_EQ(static_cast<size_t>(pages), std::max<size_t>(1, (all.size() + page_size - 1) / page_size))
      << "the number of pages depends on what the caller sees only";
  if (pages_out != nullptr) *pages_out = pages;
  return all;
}

class EventsViewerTest : public EventsStoreTest {
 protected:
  // A List, Sync or Export request over `filter` at `page_size`.
  template <typename Request>
  static Request Paged(const v1::MeetingFilter& filter, int page_size, const std::string& token) {
    Request req;
    *req.mutable_filter() = filter;
    req.set_page_size(page_size);
    req.set_page_token(token);
    return req;
  }
  template <typename Response>
  static MeetingPage PageOf(const Response& resp) {
    MeetingPage page;
    for (const auto& m : resp.meetings()) page.names.push_back(m.name());
    page.token = resp.next_page_token();
    return page;
  }
  std::vector<std::string> ListFor(const audience::Viewer* viewer, const v1::MeetingFilter& filter,
                                   int page_size) {
    return PageAll(page_size, [&](const std::string& token) -> absl::StatusOr<MeetingPage> {
      RCP_ASSIGN_OR_RETURN(
          auto resp, store_->ListMeetings(Paged<v1::ListMeetingsRequest>(filter, page_size, token), viewer));
      return PageOf(resp);
    });
  }
  // A full sync: the names, and the sync token it ends with.
  std::vector<std::string> FullSyncFor(const audience::Viewer* viewer, const v1::MeetingFilter& filter,
                                       int page_size, std::string* sync_token) {
    return PageAll(page_size, [&](const std::string& token) -> absl::StatusOr<MeetingPage> {
      RCP_ASSIGN_OR_RETURN(
          auto resp, store_->SyncMeetings(Paged<v1::SyncMeetingsRequest>(filter, page_size, token), viewer));
      EXPECT_NE(resp.next_page_token().empty(), resp.next_sync_token().empty()) << "one token or the other";
      if (resp.next_page_token().empty()) *sync_token = resp.next_sync_token();
      return PageOf(resp);
    });
  }
  // An incremental sync, every page: changed meetings ("+name") and removed
  // ones ("-name") per page, in order, and the next sync token.
  std::vector<std::vector<std::string>> DeltaFor(const audience::Viewer* viewer, const v1::MeetingFilter& filter,
                                                 int page_size, const std::string& sync_token,
                                                 std::string* next_sync_token) {
    std::vector<std::vector<std::string>> pages;
    v1::SyncMeetingsRequest req;
    *req.mutable_filter() = filter;
    req.set_page_size(page_size);
    req.set_sync_token(sync_token);
    for (int i = 0; i < 10000; ++i) {
      auto resp = store_->SyncMeetings(req, viewer);
      EXPECT_THAT(resp, IsOk());
      if (!resp.ok()) break;
      std::vector<std::string> entries;
      for (const auto& m : resp->meetings()) entries.push_back("+" + m.name());
      for (const auto& name : resp->removed()) entries.push_back("-" + name);
      if (!resp->next_page_token().empty()) {
        EXPECT_EQ(entries.size(), static_cast<size_t>(page_size)) << "a page with a token is full";
        EXPECT_TRUE(resp->next_sync_token().empty());
      }
      pages.push_back(std::move(entries));
      if (resp->next_page_token().empty()) {
        EXPECT_FALSE(resp->next_sync_token().empty());
        *next_sync_token = resp->next_sync_token();
        break;
      }
      req.set_page_token(resp->next_page_token());
    }
    return pages;
  }
  std::string SyncTokenNow() {
    std::string token;
    FullSyncFor(nullptr, {}, 1000, &token);
    return token;
  }
  absl::Status Retitle(const std::string& name, const std::string& title) {
    v1::UpdateMeetingRequest up;
    up.mutable_meeting()->set_name(name);
    up.mutable_meeting()->set_title(title);
    up.mutable_update_mask()->add_paths("title");
    return store_->UpdateMeeting(kCtx, up).status();
  }
  absl::Status SetVisibility(const std::string& name, rcp::common::v1::Visibility visibility) {
    v1::UpdateMeetingRequest up;
    up.mutable_meeting()->set_name(name);
    up.mutable_meeting()->set_visibility(visibility);
    up.mutable_update_mask()->add_paths("visibility");
    up.mutable_update_mask()->add_paths("restricted_parties");
    return store_->UpdateMeeting(kCtx, up).status();
  }
};

// The reproduction of hole 1: UNHCR observes the Bali Process; between 23
// and 25 February 2027 Bali holds only a members' meeting and a restricted
// one. A page of one gives one empty page without a token, exactly as a
// window without meetings at all.
TEST_F(EventsViewerTest, AnObserverPagingAWindowOfHiddenMeetingsLearnsNothing) {
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 2, 23, 2), absl::Hours(8)), rcp::common::v1::MEMBERS),
                     "som-2027"),
              IsOk());
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 2, 24, 2), absl::Hours(4)),
                                    rcp::common::v1::RESTRICTED, {"parties/AUS", "parties/IDN"}),
                     "friends-2027"),
              IsOk());
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 4, 1, 2), absl::Hours(4)), "open-2027"), IsOk());
  audience::Viewer unhcr = Unhcr();
  auto first_page = [&](const v1::MeetingFilter& filter) {
    v1::ListMeetingsRequest req;
    *req.mutable_filter() = filter;
    req.set_page_size(1);
    return store_->ListMeetings(req, &unhcr);
  };
  v1::MeetingFilter february = Window(Utc(2027, 2, 23), Utc(2027, 2, 26));
  february.add_processes(kBali);
  v1::MeetingFilter march = Window(Utc(2027, 3, 1), Utc(2027, 3, 31));
  march.add_processes(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListMeetingsResponse hidden, first_page(february));
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListMeetingsResponse empty, first_page(march));
  EXPECT_EQ(hidden.meetings_size(), 0);
  EXPECT_TRUE(hidden.next_page_token().empty());
  EXPECT_EQ(empty.meetings_size(), 0);
  EXPECT_TRUE(empty.next_page_token().empty());
  EXPECT_EQ(hidden.next_page_token(), empty.next_page_token());
  EXPECT_THAT(ListFor(&unhcr, february, 1), ::testing::IsEmpty());
  // Indonesia, a member named by the restricted meeting, sees both.
  audience::Viewer indonesia = Indonesia();
  EXPECT_EQ(ListFor(&indonesia, february, 1),
            (std::vector<std::string>{"processes/bali-process/meetings/som-2027",
                                      "processes/bali-process/meetings/friends-2027"}));
  // Without a window, over every process: the one public meeting.
  EXPECT_EQ(ListFor(&unhcr, {}, 1), std::vector<std::string>{"processes/bali-process/meetings/open-2027"});
}

// Every viewer gets full pages of exactly the meetings it may see, in order,
// through both indexes (all processes, and per process with a joint
// meeting), at every page size.
TEST_F(EventsViewerTest, EveryViewerPagesThroughExactlyWhatItMaySee) {
  const rcp::common::v1::Visibility kVisibilities[] = {rcp::common::v1::PUBLIC, rcp::common::v1::MEMBERS,
                                                       rcp::common::v1::RESTRICTED, rcp::common::v1::RESTRICTED};
  for (int i = 0; i < 24; ++i) {
    v1::Meeting m = Timed(i % 3 == 2 ? kColombo : kBali, Utc(2027, 1, 1 + i, 9), absl::Hours(2));
    if (i % 5 == 4) m.add_processes(i % 3 == 2 ? kBali : kColombo);  // joint
    auto visibility = kVisibilities[i % 4];
    std::vector<std::string> parties;
    if (visibility == rcp::common::v1::RESTRICTED) {
      parties = i % 8 == 2 ? std::vector<std::string>{"parties/unhcr"} : std::vector<std::string>{"parties/AUS"};
    }
    ASSERT_THAT(Create(WithVisibility(m, visibility, parties), absl::StrCat("m", 100 + i)), IsOk());
  }
  audience::Viewer viewers[] = {Unhcr(), Indonesia(), Thailand(), ColomboOnlyIndonesia()};
  v1::MeetingFilter bali;
  bali.add_processes(kBali);
  v1::MeetingFilter bali_and_colombo = bali;
  bali_and_colombo.add_processes(kColombo);
  for (const auto& filter : {v1::MeetingFilter(), bali, bali_and_colombo}) {
    std::vector<std::string> everything = ListFor(nullptr, filter, 1000);
    ASSERT_FALSE(everything.empty());
    for (const auto& viewer : viewers) {
      std::vector<std::string> want;
      for (const auto& name : everything) {
        v1::GetMeetingRequest get;
        get.set_name(name);
        RCP_ASSERT_OK_AND_ASSIGN(v1::Meeting m, store_->GetMeeting(get));
        if (audience::MaySee(viewer, rcp::resource::Kind::kMeeting, m)) want.push_back(name);
      }
      if (&viewer != &viewers[1]) {  // Indonesia chairs Bali: it may miss none there
        ASSERT_LT(want.size(), everything.size()) << viewer.party() << " must miss some";
      }
      for (int page_size : {1, 2, 3, 7, 1000}) {
        EXPECT_EQ(ListFor(&viewer, filter, page_size), want)
            << viewer.party() << " page_size " << page_size << " processes " << filter.processes_size();
      }
    }
  }
  // Spot checks of the rule itself.
  audience::Viewer unhcr = Unhcr();
  std::vector<std::string> observer = ListFor(&unhcr, bali, 1000);
  EXPECT_EQ(std::count(observer.begin(), observer.end(), "processes/bali-process/meetings/m100"), 1);  // PUBLIC
  EXPECT_EQ(std::count(observer.begin(), observer.end(), "processes/bali-process/meetings/m101"), 0);  // MEMBERS
  audience::Viewer colombo_only = ColomboOnlyIndonesia();
  for (const auto& name : ListFor(&colombo_only, {}, 1000)) {
    v1::GetMeetingRequest get;
    get.set_name(name);
    RCP_ASSERT_OK_AND_ASSIGN(v1::Meeting m, store_->GetMeeting(get));
    EXPECT_NE(std::find(m.processes().begin(), m.processes().end(), kColombo), m.processes().end())
        << name << " is not Colombo's";
  }
}

// Hole 3 through the store: a key limited to Colombo lists neither a
// restricted Bali meeting that names its party nor Bali's public ones; a
// joint Bali + Colombo meeting is Colombo's too.
TEST_F(EventsViewerTest, AProcessLimitedKeyListsOnlyItsProcessesMeetings) {
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 2, 1, 2), absl::Hours(2)), rcp::common::v1::RESTRICTED,
                                    {"parties/IDN"}),
                     "names-idn"),
              IsOk());
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 2, 2, 2), absl::Hours(2)), "public"), IsOk());
  v1::Meeting joint = Timed(kBali, Utc(2027, 2, 3, 2), absl::Hours(2));
  joint.add_processes(kColombo);
  ASSERT_THAT(Create(WithVisibility(joint, rcp::common::v1::RESTRICTED, {"parties/IDN"}), "joint"), IsOk());
  audience::Viewer colombo_only = ColomboOnlyIndonesia();
  EXPECT_EQ(ListFor(&colombo_only, {}, 1), std::vector<std::string>{"processes/bali-process/meetings/joint"});
  audience::Viewer indonesia = Indonesia();
  EXPECT_EQ(ListFor(&indonesia, {}, 1).size(), 3u);
}

TEST_F(EventsViewerTest, ExportCountsVisibleMeetingsAgainstItsLimit) {
  store_.reset();
  EventsOptions o;
  o.store.path = dir_.Sub("db");
  o.store.clock = &clock_;
  o.max_export_meetings = 3;
  auto opened = EventsStore::Open(o);
  ASSERT_THAT(opened, IsOk());
  store_ = std::move(*opened);
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 3, 1 + i, 9), absl::Hours(1), "Closed session"),
                                      rcp::common::v1::MEMBERS)),
                IsOk());
  }
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 3, 10, 9), absl::Hours(1), "Open consultation")), IsOk());
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 3, 11, 9), absl::Hours(1), "Public briefing")), IsOk());
  audience::Viewer unhcr = Unhcr();
  v1::ExportCalendarRequest req;
  req.mutable_filter()->add_processes(kBali);
  // Seven match, two are the observer's: within the limit of three.
  RCP_ASSERT_OK_AND_ASSIGN(v1::ExportCalendarResponse cal, store_->ExportCalendar(req, &unhcr));
  EXPECT_THAT(cal.body(), HasSubstr("SUMMARY:Open consultation\r\n"));
  EXPECT_THAT(cal.body(), HasSubstr("SUMMARY:Public briefing\r\n"));
  EXPECT_THAT(cal.body(), ::testing::Not(HasSubstr("Closed session")));
  size_t events = 0;
  for (size_t at = cal.body().find("BEGIN:VEVENT"); at != std::string::npos;
       at = cal.body().find("BEGIN:VEVENT", at + 1)) {
    ++events;
  }
  EXPECT_EQ(events, 2u);
  // A member sees all seven: over the limit.
  audience::Viewer thailand = Thailand();
  EXPECT_THAT(store_->ExportCalendar(req, &thailand),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("more than 3")));
}

TEST_F(EventsViewerTest, FullSyncPagesOnlyThroughVisibleMeetings) {
  for (int i = 0; i < 9; ++i) {
    v1::Meeting m = Timed(kBali, Utc(2027, 1, 1 + i, 9), absl::Hours(1));
    ASSERT_THAT(Create(WithVisibility(m, i % 3 == 0 ? rcp::common::v1::PUBLIC : rcp::common::v1::MEMBERS),
                       absl::StrCat("s", i)),
                IsOk());
  }
  audience::Viewer unhcr = Unhcr();
  audience::Viewer thailand = Thailand();
  for (int page_size : {1, 2, 5}) {
    std::string token;
    EXPECT_EQ(FullSyncFor(&unhcr, {}, page_size, &token),
              (std::vector<std::string>{"processes/bali-process/meetings/s0", "processes/bali-process/meetings/s3",
                                        "processes/bali-process/meetings/s6"}));
    EXPECT_FALSE(token.empty());
    EXPECT_EQ(FullSyncFor(&thailand, {}, page_size, &token).size(), 9u);
  }
  // Nothing visible: one empty page with the sync token, no page token.
  audience::Viewer colombo_only = ColomboOnlyIndonesia();
  v1::SyncMeetingsRequest req;
  req.set_page_size(1);
  RCP_ASSERT_OK_AND_ASSIGN(v1::SyncMeetingsResponse none, store_->SyncMeetings(req, &colombo_only));
  EXPECT_EQ(none.meetings_size(), 0);
  EXPECT_TRUE(none.next_page_token().empty());
  EXPECT_FALSE(none.next_sync_token().empty());
}

// A page of changes the caller may not see would come back empty with a
// token: the sync reads on past them instead.
TEST_F(EventsViewerTest, IncrementalSyncReadsOnPastChangesTheCallerMayNotSee) {
  Open(/*sync=*/false);  // hundreds of writes; durability is not what this tests
  std::string token = SyncTokenNow();
  audience::Viewer unhcr = Unhcr();
  // More invisible changes than one read of the changelog holds.
  for (int i = 0; i < 300; ++i) {
    ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 1, 1, 9) + absl::Hours(i), absl::Hours(1)),
                                      rcp::common::v1::MEMBERS),
                       absl::StrCat("closed-", i)),
                IsOk());
  }
  std::string next;
  // Only invisible changes: one empty page with a sync token, as when
  // nothing changed at all.
  auto pages = DeltaFor(&unhcr, {}, 1, token, &next);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_TRUE(pages[0].empty());
  std::string unchanged;
  auto nothing = DeltaFor(&unhcr, {}, 1, next, &unchanged);
  ASSERT_EQ(nothing.size(), 1u);
  EXPECT_TRUE(nothing[0].empty());
  EXPECT_EQ(unchanged, next);

  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 6, 1, 9), absl::Hours(1)), "open-a"), IsOk());
  for (int i = 0; i < 300; ++i) ASSERT_THAT(Retitle(absl::StrCat(kBali, "/meetings/closed-", i), "x"), IsOk());
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 6, 2, 9), absl::Hours(1)), "open-b"), IsOk());
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 6, 3, 9), absl::Hours(1)), "open-c"), IsOk());
  pages = DeltaFor(&unhcr, {}, 2, token, &next);
  EXPECT_EQ(pages, (std::vector<std::vector<std::string>>{
                       {"+processes/bali-process/meetings/open-a", "+processes/bali-process/meetings/open-b"},
                       {"+processes/bali-process/meetings/open-c"}}));
  // A member pages through all 303 meetings (a closed one created in one
  // page and retitled in a later one is in both).
  audience::Viewer thailand = Thailand();
  std::set<std::string> names;
  for (const auto& page : DeltaFor(&thailand, {}, 100, token, &next)) names.insert(page.begin(), page.end());
  EXPECT_EQ(names.size(), 303u);
}

// `removed` names only meetings the caller had: they matched the filter
// and it could see them before, and now they do not match or it may not
// see them.
TEST_F(EventsViewerTest, IncrementalSyncRemovesOnlyMeetingsTheCallerHad) {
  v1::MeetingFilter filter;
  filter.add_processes(kBali);
  filter.add_kinds(v1::SENIOR_OFFICIALS_MEETING);
  auto at = [](int day) { return Utc(2027, 1, day, 9); };
  ASSERT_THAT(Create(Timed(kBali, at(1), absl::Hours(1)), "narrowed"), IsOk());
  ASSERT_THAT(Create(Timed(kBali, at(2), absl::Hours(1)), "public-leaves"), IsOk());
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, at(3), absl::Hours(1)), rcp::common::v1::MEMBERS),
                     "members-leaves"),
              IsOk());
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, at(4), absl::Hours(1)), rcp::common::v1::MEMBERS), "widened"),
              IsOk());
  audience::Viewer unhcr = Unhcr();
  audience::Viewer thailand = Thailand();
  std::string unhcr_token, thailand_token;
  EXPECT_EQ(FullSyncFor(&unhcr, filter, 10, &unhcr_token).size(), 2u);
  EXPECT_EQ(FullSyncFor(&thailand, filter, 10, &thailand_token).size(), 4u);

  auto leave_the_filter = [&](const std::string& id) {
    v1::UpdateMeetingRequest up;
    up.mutable_meeting()->set_name(absl::StrCat(kBali, "/meetings/", id));
    up.mutable_meeting()->set_kind(v1::WORKING_GROUP);
    up.mutable_update_mask()->add_paths("kind");
    return store_->UpdateMeeting(kCtx, up).status();
  };
  // Came and went within the sync: nobody had it.
  ASSERT_THAT(Create(Timed(kBali, at(5), absl::Hours(1)), "brief"), IsOk());
  ASSERT_THAT(leave_the_filter("brief"), IsOk());
  ASSERT_THAT(SetVisibility(absl::StrCat(kBali, "/meetings/narrowed"), rcp::common::v1::MEMBERS), IsOk());
  ASSERT_THAT(leave_the_filter("public-leaves"), IsOk());
  ASSERT_THAT(leave_the_filter("members-leaves"), IsOk());
  ASSERT_THAT(SetVisibility(absl::StrCat(kBali, "/meetings/widened"), rcp::common::v1::PUBLIC), IsOk());
  // Created hidden from the observer, then changed: it never had it.
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, at(6), absl::Hours(1)), rcp::common::v1::MEMBERS), "hidden"),
              IsOk());
  ASSERT_THAT(Retitle(absl::StrCat(kBali, "/meetings/hidden"), "Hidden, with agenda"), IsOk());

  auto named = [](std::vector<std::string> entries) {
    for (auto& e : entries) e = e.substr(0, 1) + "processes/bali-process/meetings/" + e.substr(1);
    return entries;
  };
  std::string next;
  EXPECT_EQ(DeltaFor(&unhcr, filter, 10, unhcr_token, &next),
            (std::vector<std::vector<std::string>>{named({"+widened", "-narrowed", "-public-leaves"})}));
  EXPECT_EQ(DeltaFor(&thailand, filter, 10, thailand_token, &next),
            (std::vector<std::vector<std::string>>{
                named({"+hidden", "+narrowed", "+widened", "-members-leaves", "-public-leaves"})}));
  // Page by page, in the order of the changes; a meeting changed twice is
  // one entry.
  EXPECT_EQ(DeltaFor(&unhcr, filter, 1, unhcr_token, &next),
            (std::vector<std::vector<std::string>>{named({"-narrowed"}), named({"-public-leaves"}),
                                                   named({"+widened"})}));
  EXPECT_EQ(DeltaFor(&thailand, filter, 1, thailand_token, &next),
            (std::vector<std::vector<std::string>>{named({"+narrowed"}), named({"-public-leaves"}),
                                                   named({"-members-leaves"}), named({"+widened"}),
                                                   named({"+hidden"})}));
  // Without a viewer, every meeting that left the filter is named.
  EXPECT_EQ(DeltaFor(nullptr, filter, 10, thailand_token, &next),
            (std::vector<std::vector<std::string>>{
                named({"+hidden", "+narrowed", "+widened", "-members-leaves", "-public-leaves"})}));
}

// Pages end where the next entry would not fit: an invisible change of a
// meeting already in the page, or one that adds no entry, rides along.
TEST_F(EventsViewerTest, IncrementalSyncPagesCountEntriesNotChanges) {
  std::string token = SyncTokenNow();
  audience::Viewer unhcr = Unhcr();
  ASSERT_THAT(Create(Timed(kBali, Utc(2027, 1, 1, 9), absl::Hours(1)), "a"), IsOk());
  ASSERT_THAT(Retitle(absl::StrCat(kBali, "/meetings/a"), "A, again"), IsOk());
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 1, 2, 9), absl::Hours(1)), rcp::common::v1::MEMBERS),
                     "b"),
              IsOk());
  ASSERT_THAT(Retitle(absl::StrCat(kBali, "/meetings/a"), "A, third"), IsOk());
  // b becomes visible: an entry, which does not fit a page of one.
  ASSERT_THAT(SetVisibility(absl::StrCat(kBali, "/meetings/b"), rcp::common::v1::PUBLIC), IsOk());
  ASSERT_THAT(Create(WithVisibility(Timed(kBali, Utc(2027, 1, 3, 9), absl::Hours(1)), rcp::common::v1::MEMBERS),
                     "c"),
              IsOk());
  std::string next;
  auto pages = DeltaFor(&unhcr, {}, 1, token, &next);
  EXPECT_EQ(pages, (std::vector<std::vector<std::string>>{{"+processes/bali-process/meetings/a"},
                                                          {"+processes/bali-process/meetings/b"}}));
  // The token of the last page is where the changelog ends: nothing more.
  std::string after;
  EXPECT_EQ(DeltaFor(&unhcr, {}, 1, next, &after), (std::vector<std::vector<std::string>>{{}}));
  EXPECT_EQ(after, next);
}

}  // namespace
}  // namespace rcp::events

namespace rcp::events {
namespace {

// ================================================================ mirrors

// A meeting of another deployment, applied as federation applies it: in the
// window index, the calendar export (with its origin's UID), and withdrawn
// with its last source.
TEST_F(EventsStoreTest, AMirroredMeetingIsListedExportedWithItsOriginsUidAndWithdrawn) {
  v1::Meeting m = Timed("processes/colombo-process", Utc(2027, 2, 10, 9), absl::Hours(8), "Labour ministers");
  m.set_name("processes/colombo-process/meetings/som-2027");
  m.set_sequence(3);
  rcp::federation::v1::ApplyMirrorsRequest apply;
  apply.set_source("federationPeers/colombo-process.rcp");
  apply.set_generation(1);
  auto* item = apply.add_items();
  item->mutable_envelope()->set_origin("colombo-process.rcp");
  item->mutable_envelope()->set_store("events");
  item->mutable_envelope()->set_epoch(1);
  item->mutable_envelope()->set_revision(12);
  item->mutable_item()->set_name(m.name());
  item->mutable_item()->set_kind("meeting");
  item->mutable_item()->mutable_value()->PackFrom(m);
  ASSERT_THAT(store_->mirrors()->Apply(apply), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Meeting own, Create(Timed("processes/bali-process", Utc(2027, 2, 11, 9), absl::Hours(2))));

  EXPECT_THAT(List(Window(Utc(2027, 2, 1), Utc(2027, 3, 1))), ::testing::ElementsAre(m.name(), own.name()));
  v1::MeetingFilter colombo;
  colombo.add_processes("processes/colombo-process");
  EXPECT_THAT(List(colombo), ::testing::ElementsAre(m.name()));
  v1::ExportCalendarRequest export_req;
  RCP_ASSERT_OK_AND_ASSIGN(v1::ExportCalendarResponse ics, store_->ExportCalendar(export_req));
  EXPECT_THAT(ics.body(), HasSubstr("UID:processes.colombo-process.meetings.som-2027@colombo-process.rcp"));
  EXPECT_THAT(ics.body(), HasSubstr(absl::StrCat("UID:", ical::MeetingUid(own.name(), "test.secretariat"))));
  EXPECT_THAT(ics.body(), HasSubstr("SEQUENCE:3"));

  rcp::federation::v1::WithdrawMirrorsRequest withdraw;
  withdraw.set_source("federationPeers/colombo-process.rcp");
  withdraw.add_withdrawals()->set_name(m.name());
  withdraw.mutable_withdrawals(0)->set_kind("meeting");
  ASSERT_THAT(store_->mirrors()->Withdraw(withdraw), IsOk());
  EXPECT_THAT(List(Window(Utc(2027, 2, 1), Utc(2027, 3, 1))), ::testing::ElementsAre(own.name()));
  v1::GetMeetingRequest get;
  get.set_name(m.name());
  EXPECT_THAT(store_->GetMeeting(get), StatusIs(absl::StatusCode::kNotFound, HasSubstr(m.name())));
}

}  // namespace
}  // namespace rcp::events
