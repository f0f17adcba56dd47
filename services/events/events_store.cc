#include "services/events/events_store.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/entity/entity.h"
#include "common/ical/ical.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"

namespace rcp::events {
namespace {

using google::protobuf::util::TimeUtil;
using rcp::common::v1::Visibility;
using storage::Transaction;
namespace res = rcp::resource;

constexpr entity::Kind kMeeting{"meetings", "meeting"};
// (start, name) for every meeting: the order of Lists over all processes.
constexpr char kByStartCf[] = "meetings_by_start";
// (process, start, name) for every process of every meeting.
constexpr char kByProcessCf[] = "meetings_by_process";

constexpr int kMaxProcesses = 20;
constexpr int kMaxInvited = 300;
constexpr int kMaxAgenda = 100;
constexpr int kMaxDocuments = 100;
constexpr char kService[] = "events";

// Order-preserving key of an instant: microseconds since the epoch, offset
// so that negative times sort before positive ones.
std::string StartKey(absl::Time t) {
  int64_t micros = absl::ToUnixMicros(t);
  return coding::EncodeUint64(static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63));
}

std::string OrderKey(const v1::Meeting& m) { return StartKey(FromTimestamp(m.start_time())) + m.name(); }

std::string ProcessKeyPrefix(absl::string_view process) { return absl::StrCat(process, "\n"); }

const char* StatusName(v1::MeetingStatus s) { return v1::MeetingStatus_Name(s).c_str(); }

// ---------------------------------------------------------------- validation

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view field, const std::string& name) {
  absl::TimeZone tz;
  if (name.empty()) return InvalidField(field, "is required, e.g. Europe/Zurich or Asia/Jakarta");
  if (name.size() > 64 || !absl::LoadTimeZone(name, &tz)) {
    return InvalidField(
        field, absl::StrCat("'", name.substr(0, 64), "' is not an IANA time zone known to this system"));
  }
  return tz;
}

absl::Status ValidatePartyList(absl::string_view field,
                               const google::protobuf::RepeatedPtrField<std::string>& parties, int max) {
  if (parties.size() > max) {
    return InvalidField(field, absl::StrCat("must have at most ", max, " parties; got ", parties.size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < parties.size(); ++i) {
    RCP_RETURN_IF_ERROR(res::PartyId(absl::StrCat(field, "[", i, "]"), parties[i]).status());
    if (!seen.insert(parties[i]).second) {
      return InvalidField(absl::StrCat(field, "[", i, "]"), absl::StrCat(parties[i], " is listed twice"));
    }
  }
  return absl::OkStatus();
}

// Fills start_time/end_time of an all-day meeting from its dates (local
// midnights in its zone; the end is the midnight after the last day).
absl::Status ResolveAllDay(v1::Meeting* m, const absl::TimeZone& tz, absl::string_view prefix) {
  if (!IsSet(m->start_date()))
    return InvalidField(absl::StrCat(prefix, "start_date"), "is required for an all-day meeting");
  if (!IsSet(m->end_date()))
    return InvalidField(absl::StrCat(prefix, "end_date"), "is required for an all-day meeting");
  RCP_RETURN_IF_ERROR(ValidateDate(absl::StrCat(prefix, "start_date"), m->start_date()));
  RCP_RETURN_IF_ERROR(ValidateDate(absl::StrCat(prefix, "end_date"), m->end_date()));
  absl::CivilDay first(m->start_date().year(), m->start_date().month(), m->start_date().day());
  absl::CivilDay last(m->end_date().year(), m->end_date().month(), m->end_date().day());
  if (last < first) return InvalidField(absl::StrCat(prefix, "end_date"), "must not be before start_date");
  *m->mutable_start_time() = ToTimestamp(absl::FromCivil(first, tz));
  *m->mutable_end_time() = ToTimestamp(absl::FromCivil(last + 1, tz));
  return absl::OkStatus();
}

absl::Status ValidateTimes(v1::Meeting* m, absl::Duration max_length, absl::string_view prefix) {
  RCP_ASSIGN_OR_RETURN(absl::TimeZone tz, LoadZone(absl::StrCat(prefix, "time_zone"), m->time_zone()));
  if (m->all_day()) {
    RCP_RETURN_IF_ERROR(ResolveAllDay(m, tz, prefix));
  } else {
    m->clear_start_date();
    m->clear_end_date();
    if (!m->has_start_time()) return InvalidField(absl::StrCat(prefix, "start_time"), "is required");
    if (!m->has_end_time()) return InvalidField(absl::StrCat(prefix, "end_time"), "is required");
    if (!IsValidTimestamp(m->start_time()) || m->start_time().seconds() < 0) {
      return InvalidField(absl::StrCat(prefix, "start_time"), "is not a valid time after 1970");
    }
    if (!IsValidTimestamp(m->end_time())) {
      return InvalidField(absl::StrCat(prefix, "end_time"), "is not a valid time");
    }
  }
  absl::Time start = FromTimestamp(m->start_time()), end = FromTimestamp(m->end_time());
  if (end <= start) return InvalidField(absl::StrCat(prefix, "end_time"), "must be after start_time");
  if (end - start > max_length) {
    return InvalidField(
        absl::StrCat(prefix, "end_time"),
        absl::StrCat("a meeting lasts at most ", absl::ToInt64Hours(max_length) / 24, " days"));
  }
  return absl::OkStatus();
}

// Everything about a meeting a client sets, checked whole.
absl::Status ValidateMeeting(v1::Meeting* m, absl::Duration max_length) {
  if (m->processes_size() == 0) return InvalidField("meeting.processes", "must name at least one process");
  if (m->processes_size() > kMaxProcesses) {
    return InvalidField("meeting.processes", absl::StrCat("must have at most ", kMaxProcesses, " processes"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < m->processes_size(); ++i) {
    std::string field = absl::StrCat("meeting.processes[", i, "]");
    RCP_RETURN_IF_ERROR(res::ProcessId(field, m->processes(i)).status());
    if (!seen.insert(m->processes(i)).second) return InvalidField(field, "is listed twice");
  }
  RCP_RETURN_IF_ERROR(res::ValidateText("meeting.title", m->title(), 1, 300));
  RCP_RETURN_IF_ERROR(res::ValidateText("meeting.description", m->description(), 0, 20000, true));
  if (m->kind() == v1::MEETING_KIND_UNSPECIFIED || !v1::MeetingKind_IsValid(m->kind())) {
    return InvalidField("meeting.kind",
                        "is required: MINISTERIAL_CONFERENCE, SENIOR_OFFICIALS_MEETING, "
                        "TECHNICAL_WORKSHOP, WORKING_GROUP, SIDE_MEETING or INTER_RCP_MEETING");
  }
  RCP_RETURN_IF_ERROR(ValidateTimes(m, max_length, "meeting."));
  const auto& venue = m->venue();
  RCP_RETURN_IF_ERROR(res::ValidateText("meeting.venue.name", venue.name(), 0, 200));
  RCP_RETURN_IF_ERROR(res::ValidateText("meeting.venue.city", venue.city(), 0, 100));
  if (!venue.country().empty())
    RCP_RETURN_IF_ERROR(res::ValidateCountry("meeting.venue.country", venue.country()));
  if (!venue.host_party().empty()) {
    RCP_RETURN_IF_ERROR(res::PartyId("meeting.venue.host_party", venue.host_party()).status());
  }
  if (!m->chair_party().empty())
    RCP_RETURN_IF_ERROR(res::PartyId("meeting.chair_party", m->chair_party()).status());
  RCP_RETURN_IF_ERROR(ValidatePartyList("meeting.invited_parties", m->invited_parties(), kMaxInvited));
  if (m->agenda_items_size() > kMaxAgenda) {
    return InvalidField("meeting.agenda_items", absl::StrCat("must have at most ", kMaxAgenda, " items"));
  }
  for (int i = 0; i < m->agenda_items_size(); ++i) {
    RCP_RETURN_IF_ERROR(res::ValidateText(absl::StrCat("meeting.agenda_items[", i, "].title"),
                                          m->agenda_items(i).title(), 1, 300));
    RCP_RETURN_IF_ERROR(res::ValidateText(absl::StrCat("meeting.agenda_items[", i, "].description"),
                                          m->agenda_items(i).description(), 0, 5000, true));
  }
  if (m->documents_size() > kMaxDocuments) {
    return InvalidField("meeting.documents", absl::StrCat("must have at most ", kMaxDocuments, " documents"));
  }
  for (int i = 0; i < m->documents_size(); ++i) {
    RCP_RETURN_IF_ERROR(
        res::ParseName(absl::StrCat("meeting.documents[", i, "]"), m->documents(i), "processes/*/documents/*")
            .status());
  }
  if (m->visibility() == Visibility::VISIBILITY_UNSPECIFIED ||
      !rcp::common::v1::Visibility_IsValid(m->visibility())) {
    return InvalidField("meeting.visibility", "is required: PUBLIC, MEMBERS or RESTRICTED");
  }
  if (m->visibility() == Visibility::RESTRICTED) {
    if (m->restricted_parties_size() == 0) {
      return InvalidField("meeting.restricted_parties",
                          "must name at least one party when visibility is RESTRICTED");
    }
    RCP_RETURN_IF_ERROR(
        ValidatePartyList("meeting.restricted_parties", m->restricted_parties(), kMaxInvited));
  } else if (m->restricted_parties_size() > 0) {
    return InvalidField("meeting.restricted_parties", "is only for visibility RESTRICTED");
  }
  return absl::OkStatus();
}

absl::Status ValidateFilter(const v1::MeetingFilter& f) {
  if (f.processes_size() > kMaxProcesses) {
    return InvalidField("filter.processes", absl::StrCat("must have at most ", kMaxProcesses, " processes"));
  }
  for (int i = 0; i < f.processes_size(); ++i) {
    RCP_RETURN_IF_ERROR(res::ProcessId(absl::StrCat("filter.processes[", i, "]"), f.processes(i)).status());
  }
  if (f.has_start_time() && !IsValidTimestamp(f.start_time())) {
    return InvalidField("filter.start_time", "is not a valid time");
  }
  if (f.has_end_time() && !IsValidTimestamp(f.end_time())) {
    return InvalidField("filter.end_time", "is not a valid time");
  }
  if (f.has_start_time() && f.has_end_time() &&
      FromTimestamp(f.end_time()) <= FromTimestamp(f.start_time())) {
    return InvalidField("filter.end_time", "must be after filter.start_time");
  }
  for (int i = 0; i < f.statuses_size(); ++i) {
    if (f.statuses(i) == v1::MEETING_STATUS_UNSPECIFIED || !v1::MeetingStatus_IsValid(f.statuses(i))) {
      return InvalidField(absl::StrCat("filter.statuses[", i, "]"), "is not a meeting status");
    }
  }
  for (int i = 0; i < f.kinds_size(); ++i) {
    if (f.kinds(i) == v1::MEETING_KIND_UNSPECIFIED || !v1::MeetingKind_IsValid(f.kinds(i))) {
      return InvalidField(absl::StrCat("filter.kinds[", i, "]"), "is not a meeting kind");
    }
  }
  return absl::OkStatus();
}

bool Matches(const v1::MeetingFilter& f, const v1::Meeting& m, bool apply_statuses = true) {
  if (f.processes_size() > 0) {
    bool any = false;
    for (const auto& p : f.processes()) {
      any = any || std::find(m.processes().begin(), m.processes().end(), p) != m.processes().end();
    }
    if (!any) return false;
  }
  if (apply_statuses && f.statuses_size() > 0 &&
      std::find(f.statuses().begin(), f.statuses().end(), m.status()) == f.statuses().end()) {
    return false;
  }
  if (f.kinds_size() > 0 && std::find(f.kinds().begin(), f.kinds().end(), m.kind()) == f.kinds().end()) {
    return false;
  }
  if (f.has_start_time() && FromTimestamp(m.end_time()) <= FromTimestamp(f.start_time())) return false;
  if (f.has_end_time() && FromTimestamp(m.start_time()) >= FromTimestamp(f.end_time())) return false;
  return true;
}

// Index entries of a meeting.
void PutIndex(Transaction& txn, const v1::Meeting& m) {
  std::string order = OrderKey(m);
  txn.Put(kByStartCf, order, "");
  for (const auto& p : m.processes()) txn.Put(kByProcessCf, ProcessKeyPrefix(p) + order, "");
}
void DeleteIndex(Transaction& txn, const v1::Meeting& m) {
  std::string order = OrderKey(m);
  txn.Delete(kByStartCf, order);
  for (const auto& p : m.processes()) txn.Delete(kByProcessCf, ProcessKeyPrefix(p) + order);
}

absl::Status BadTransition(absl::string_view action, v1::MeetingStatus from,
                           std::initializer_list<v1::MeetingStatus> allowed) {
  std::vector<std::string> names;
  for (auto s : allowed) names.push_back(StatusName(s));
  return absl::FailedPreconditionError(absl::StrCat("status: cannot ", action, " a meeting that is ",
                                                    StatusName(from), "; allowed from ",
                                                    absl::StrJoin(names, " or ")));
}

bool In(v1::MeetingStatus s, std::initializer_list<v1::MeetingStatus> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// New dates given to Postpone/Reschedule, applied to `m`; `any` tells
// whether any were given.
template <typename Request>
absl::Status ApplyNewDates(const Request& req, v1::Meeting* m, absl::Duration max_length, bool* any) {
  *any = req.has_start_time() || req.has_end_time() || IsSet(req.start_date()) || IsSet(req.end_date());
  if (!*any) return absl::OkStatus();
  if (m->all_day()) {
    if (req.has_start_time() || req.has_end_time()) {
      return InvalidField("start_time", "an all-day meeting takes start_date and end_date");
    }
    *m->mutable_start_date() = req.start_date();
    *m->mutable_end_date() = req.end_date();
  } else {
    if (IsSet(req.start_date()) || IsSet(req.end_date())) {
      return InvalidField("start_date", "a timed meeting takes start_time and end_time");
    }
    *m->mutable_start_time() = req.start_time();
    *m->mutable_end_time() = req.end_time();
  }
  return ValidateTimes(m, max_length, "");
}

}  // namespace

namespace {
// Federation mirrors meetings of other deployments, with their indexes.
mirror::MirrorOptions MirrorKinds() {
  mirror::KindSpec meeting;
  meeting.kind = kMeeting.name;
  meeting.cf = kMeeting.cf;
  meeting.prototype = &v1::Meeting::default_instance();
  meeting.write_beside = [](Transaction& txn, const google::protobuf::Message* before,
                            const google::protobuf::Message* after, const rcp::federation::v1::Item*) {
    if (before != nullptr) DeleteIndex(txn, static_cast<const v1::Meeting&>(*before));
    if (after != nullptr) PutIndex(txn, static_cast<const v1::Meeting&>(*after));
    return absl::OkStatus();
  };
  return mirror::MirrorOptions{"events", {meeting}};
}
}  // namespace

EventsStore::EventsStore(const EventsOptions& options, std::unique_ptr<storage::Store> store)
    : options_(options), store_(std::move(store)), mirrors_(store_.get(), MirrorKinds()) {}

absl::StatusOr<std::unique_ptr<EventsStore>> EventsStore::Open(const EventsOptions& options) {
  storage::StoreOptions so = options.store;
  so.store_name = "events";
  so.column_families = {kMeeting.cf, kByStartCf, kByProcessCf};
  for (const auto& cf : mirror::MirrorStore::ColumnFamilies()) so.column_families.push_back(cf);
  RCP_ASSIGN_OR_RETURN(auto store, storage::Store::Open(so));
  return std::unique_ptr<EventsStore>(new EventsStore(options, std::move(store)));
}

absl::StatusOr<v1::Meeting> EventsStore::CreateMeeting(const Ctx& ctx, const v1::CreateMeetingRequest& req) {
  if (!req.meeting_id().empty())
    RCP_RETURN_IF_ERROR(res::ValidateSlug("meeting_id", req.meeting_id(), 1, 63));
  v1::Meeting m = req.meeting();
  RCP_RETURN_IF_ERROR(ValidateMeeting(&m, options_.max_meeting_length));
  std::string id = req.meeting_id().empty() ? crypto::RandomToken(8) : req.meeting_id();
  m.set_name(absl::StrCat(m.processes(0), "/meetings/", id));
  m.set_status(v1::PLANNED);
  m.set_dates_to_be_announced(false);
  m.clear_cancel_reason();
  m.set_sequence(0);
  m.set_creator(ctx.principal);
  m.set_updater(ctx.principal);
  m.clear_etag();
  return entity::Create<v1::Meeting>(
      store_.get(), ctx, kMeeting, req, req.request_id(), {m.name()},
      [&](Transaction&) -> absl::StatusOr<v1::Meeting> { return m; },
      [](Transaction& txn, const v1::Meeting& stored) { PutIndex(txn, stored); });
}

absl::StatusOr<v1::Meeting> EventsStore::GetMeeting(const v1::GetMeetingRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "processes/*/meetings/*").status());
  return entity::Get<v1::Meeting>(store_.get(), kMeeting, req.name());
}

namespace {
// Every change of a meeting: new sequence, who, and the index when the
// start or the processes moved.
void Touch(Transaction& txn, const v1::Meeting& current, v1::Meeting* next, const std::string& principal) {
  next->set_sequence(current.sequence() + 1);
  next->set_updater(principal);
  if (OrderKey(current) != OrderKey(*next) ||
      !std::equal(current.processes().begin(), current.processes().end(), next->processes().begin(),
                  next->processes().end())) {
    DeleteIndex(txn, current);
    PutIndex(txn, *next);
  }
}
}  // namespace

absl::StatusOr<v1::Meeting> EventsStore::UpdateMeeting(const Ctx& ctx, const v1::UpdateMeetingRequest& req) {
  RCP_RETURN_IF_ERROR(
      res::ParseName("meeting.name", req.meeting().name(), "processes/*/meetings/*").status());
  RCP_RETURN_IF_ERROR(res::ValidateUpdateMask(
      req.update_mask(), {"title", "description", "kind", "start_time", "end_time", "time_zone", "all_day",
                          "start_date", "end_date", "venue", "chair_party", "invited_parties", "agenda_items",
                          "documents", "visibility", "restricted_parties", "processes"}));
  static const std::set<std::string> kAfterHeld = {"description", "agenda_items", "documents"};
  static const std::set<std::string> kDates = {"start_time", "end_time",   "time_zone",
                                               "all_day",    "start_date", "end_date"};
  return entity::Update<v1::Meeting>(
      store_.get(), ctx, kMeeting, req.meeting(), req.update_mask(), {},
      [&](Transaction& txn, const v1::Meeting& current, v1::Meeting* merged) -> absl::Status {
        for (const auto& path : req.update_mask().paths()) {
          if (current.status() == v1::CANCELLED) {
            return absl::FailedPreconditionError("status: a CANCELLED meeting cannot be changed");
          }
          if (current.status() == v1::HELD && !kAfterHeld.count(path)) {
            return absl::FailedPreconditionError(
                absl::StrCat("update_mask: '", path,
                             "' cannot change once the meeting is HELD; only description, "
                             "agenda_items and documents can"));
          }
          if (current.status() == v1::POSTPONED && kDates.count(path)) {
            return absl::FailedPreconditionError(absl::StrCat(
                "update_mask: '", path, "' of a POSTPONED meeting changes through RescheduleMeeting"));
          }
          if (path == "processes" && merged->processes_size() > 0 &&
              merged->processes(0) != current.processes(0)) {
            return InvalidField(
                "meeting.processes",
                absl::StrCat("the first process owns the meeting's name and stays ", current.processes(0)));
          }
        }
        RCP_RETURN_IF_ERROR(ValidateMeeting(merged, options_.max_meeting_length));
        Touch(txn, current, merged, ctx.principal);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Meeting> EventsStore::ConfirmMeeting(const Ctx& ctx,
                                                        const v1::ConfirmMeetingRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "processes/*/meetings/*").status());
  return entity::Mutate<v1::Meeting>(
      store_.get(), ctx, kMeeting, req.name(), req.etag(), {},
      [&](Transaction& txn, const v1::Meeting& current, v1::Meeting* next) -> absl::Status {
        if (!In(current.status(), {v1::PLANNED, v1::POSTPONED})) {
          return BadTransition("confirm", current.status(), {v1::PLANNED, v1::POSTPONED});
        }
        if (current.dates_to_be_announced()) {
          return absl::FailedPreconditionError(
              "status: cannot confirm a POSTPONED meeting whose new dates are to be announced; "
              "reschedule it with dates first");
        }
        next->set_status(v1::CONFIRMED);
        Touch(txn, current, next, ctx.principal);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Meeting> EventsStore::PostponeMeeting(const Ctx& ctx,
                                                         const v1::PostponeMeetingRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "processes/*/meetings/*").status());
  RCP_RETURN_IF_ERROR(res::ValidateText("reason", req.reason(), 0, 1000));
  return entity::Mutate<v1::Meeting>(
      store_.get(), ctx, kMeeting, req.name(), req.etag(), {},
      [&](Transaction& txn, const v1::Meeting& current, v1::Meeting* next) -> absl::Status {
        if (!In(current.status(), {v1::PLANNED, v1::CONFIRMED})) {
          return BadTransition("postpone", current.status(), {v1::PLANNED, v1::CONFIRMED});
        }
        bool new_dates;
        RCP_RETURN_IF_ERROR(ApplyNewDates(req, next, options_.max_meeting_length, &new_dates));
        next->set_dates_to_be_announced(!new_dates);
        next->set_status(v1::POSTPONED);
        if (!req.reason().empty()) {
          next->set_description(absl::StrCat(next->description(), next->description().empty() ? "" : "\n\n",
                                             "Postponed: ", req.reason()));
          RCP_RETURN_IF_ERROR(res::ValidateText("reason", next->description(), 0, 20000, true));
        }
        Touch(txn, current, next, ctx.principal);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Meeting> EventsStore::RescheduleMeeting(const Ctx& ctx,
                                                           const v1::RescheduleMeetingRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "processes/*/meetings/*").status());
  return entity::Mutate<v1::Meeting>(
      store_.get(), ctx, kMeeting, req.name(), req.etag(), {},
      [&](Transaction& txn, const v1::Meeting& current, v1::Meeting* next) -> absl::Status {
        if (current.status() != v1::POSTPONED) {
          return BadTransition("reschedule", current.status(), {v1::POSTPONED});
        }
        bool new_dates;
        RCP_RETURN_IF_ERROR(ApplyNewDates(req, next, options_.max_meeting_length, &new_dates));
        if (!new_dates) {
          return InvalidField(current.all_day() ? "start_date" : "start_time",
                              "the new dates are required to reschedule");
        }
        next->set_dates_to_be_announced(false);
        next->set_status(v1::PLANNED);
        Touch(txn, current, next, ctx.principal);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Meeting> EventsStore::CancelMeeting(const Ctx& ctx, const v1::CancelMeetingRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "processes/*/meetings/*").status());
  RCP_RETURN_IF_ERROR(res::ValidateText("reason", req.reason(), 1, 1000));
  return entity::Mutate<v1::Meeting>(
      store_.get(), ctx, kMeeting, req.name(), req.etag(), {},
      [&](Transaction& txn, const v1::Meeting& current, v1::Meeting* next) -> absl::Status {
        if (!In(current.status(), {v1::PLANNED, v1::CONFIRMED, v1::POSTPONED})) {
          return BadTransition("cancel", current.status(), {v1::PLANNED, v1::CONFIRMED, v1::POSTPONED});
        }
        next->set_status(v1::CANCELLED);
        next->set_cancel_reason(req.reason());
        Touch(txn, current, next, ctx.principal);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Meeting> EventsStore::MarkMeetingHeld(const Ctx& ctx,
                                                         const v1::MarkMeetingHeldRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "processes/*/meetings/*").status());
  return entity::Mutate<v1::Meeting>(
      store_.get(), ctx, kMeeting, req.name(), req.etag(), {},
      [&](Transaction& txn, const v1::Meeting& current, v1::Meeting* next) -> absl::Status {
        if (current.status() != v1::CONFIRMED) {
          return BadTransition("mark as held", current.status(), {v1::CONFIRMED});
        }
        if (FromTimestamp(current.start_time()) > txn.now()) {
          return absl::FailedPreconditionError(
              absl::StrCat("status: cannot mark as held a meeting that starts in the future (",
                           absl::FormatTime(FromTimestamp(current.start_time())), ")"));
        }
        next->set_status(v1::HELD);
        Touch(txn, current, next, ctx.principal);
        return absl::OkStatus();
      });
}

absl::Status EventsStore::Scan(const storage::ReadView& view, const v1::MeetingFilter& filter,
                               const audience::Viewer* viewer, const std::string& after, size_t limit,
                               std::vector<std::pair<std::string, v1::Meeting>>* out, ListStats* stats) {
  // A meeting that started up to max_meeting_length before the window may
  // still overlap it: that bounds how far back the index is read.
  std::string from = filter.has_start_time()
                         ? StartKey(FromTimestamp(filter.start_time()) - options_.max_meeting_length)
                         : std::string();
  std::string to = filter.has_end_time() ? StartKey(FromTimestamp(filter.end_time())) : std::string();
  if (!after.empty() && after >= from) from = after + std::string(1, '\0');

  // Per index (one, or one per process), the first `limit` matches after
  // `after`; merged by order key, a joint meeting counted once.
  std::map<std::string, v1::Meeting> merged;
  absl::Status error;
  auto scan = [&](const char* cf, const std::string& prefix) -> absl::Status {
    size_t found = 0;
    std::string limit_key = to.empty() ? coding::PrefixSuccessor(prefix) : prefix + to;
    return view.Scan(cf, prefix + from, limit_key, [&](absl::string_view key, absl::string_view) {
      if (stats) ++stats->index_keys;
      std::string order(key.substr(prefix.size()));
      std::string name = order.substr(8);
      v1::Meeting m;
      absl::Status s = view.Get(kMeeting.cf, name, &m);
      if (stats) ++stats->meetings;
      if (!s.ok()) {
        error =
            absl::DataLossError(absl::StrCat("index names ", name, " which cannot be read: ", s.message()));
        return false;
      }
      if (!Matches(filter, m) || !audience::VisibleTo(viewer, res::Kind::kMeeting, m)) return true;
      merged.emplace(std::move(order), std::move(m));
      return ++found < limit;
    });
  };
  if (filter.processes_size() == 0) {
    RCP_RETURN_IF_ERROR(scan(kByStartCf, ""));
  } else {
    for (const auto& p : filter.processes()) RCP_RETURN_IF_ERROR(scan(kByProcessCf, ProcessKeyPrefix(p)));
  }
  RCP_RETURN_IF_ERROR(error);
  for (auto& [order, m] : merged) {
    if (out->size() >= limit) break;
    out->emplace_back(order, std::move(m));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListMeetingsResponse> EventsStore::ListMeetings(const v1::ListMeetingsRequest& req,
                                                                   const audience::Viewer* viewer) {
  return ListMeetings(req, viewer, nullptr);
}

absl::StatusOr<v1::ListMeetingsResponse> EventsStore::ListMeetings(const v1::ListMeetingsRequest& req,
                                                                   const audience::Viewer* viewer,
                                                                   ListStats* stats) {
  RCP_RETURN_IF_ERROR(ValidateFilter(req.filter()));
  RCP_ASSIGN_OR_RETURN(int size, res::ResolvePageSize(req.page_size()));
  std::string fingerprint = entity::QueryFingerprint(req);
  RCP_ASSIGN_OR_RETURN(std::string after, res::DecodePageToken(req.page_token(), fingerprint));
  auto view = store_->Read();
  std::vector<std::pair<std::string, v1::Meeting>> found;
  RCP_RETURN_IF_ERROR(Scan(*view, req.filter(), viewer, after, static_cast<size_t>(size) + 1, &found, stats));
  v1::ListMeetingsResponse resp;
  for (size_t i = 0; i < found.size() && i < static_cast<size_t>(size); ++i) {
    *resp.add_meetings() = std::move(found[i].second);
  }
  if (found.size() > static_cast<size_t>(size)) {
    resp.set_next_page_token(res::EncodePageToken(fingerprint, found[size - 1].first));
  }
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::SyncMeetingsResponse> EventsStore::SyncMeetings(const v1::SyncMeetingsRequest& req,
                                                                   const audience::Viewer* viewer) {
  RCP_RETURN_IF_ERROR(ValidateFilter(req.filter()));
  if (req.filter().has_start_time() || req.filter().has_end_time()) {
    return InvalidField("filter.start_time", "a sync covers all dates; leave the window unset");
  }
  RCP_ASSIGN_OR_RETURN(int size, res::ResolvePageSize(req.page_size(), 250, 1000));
  std::string fingerprint = entity::QueryFingerprint(req);
  RCP_ASSIGN_OR_RETURN(std::string position, res::DecodePageToken(req.page_token(), fingerprint));
  v1::SyncMeetingsResponse resp;

  if (req.sync_token().empty()) {
    // Full sync: every matching meeting by name. The revision of the first
    // page's snapshot rides in the page token, so the final sync token
    // resumes from before anything this pass may have missed.
    auto view = store_->Read();
    uint64_t since = view->revision();
    std::string after;
    if (!position.empty()) {
      auto rev = coding::DecodeUint64(absl::string_view(position).substr(0, 8));
      if (!rev.has_value()) return InvalidField("page_token", "is malformed");
      since = *rev;
      after = position.substr(8);
    }
    std::string last;
    bool more = false;
    absl::Status parse;
    RCP_RETURN_IF_ERROR(view->Scan(kMeeting.cf, after.empty() ? "" : after + std::string(1, '\0'), "",
                                   [&](absl::string_view key, absl::string_view value) {
                                     v1::Meeting m;
                                     if (!m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                       parse = absl::DataLossError(absl::StrCat("unreadable ", key));
                                       return false;
                                     }
                                     if (!Matches(req.filter(), m) ||
                                         !audience::VisibleTo(viewer, res::Kind::kMeeting, m)) {
                                       return true;
                                     }
                                     if (resp.meetings_size() == size) {
                                       more = true;
                                       return false;
                                     }
                                     last = std::string(key);
                                     *resp.add_meetings() = std::move(m);
                                     return true;
                                   }));
    RCP_RETURN_IF_ERROR(parse);
    if (more) {
      resp.set_next_page_token(res::EncodePageToken(fingerprint, coding::EncodeUint64(since) + last));
    } else {
      resp.set_next_sync_token(res::EncodeSyncToken(kService, since));
    }
    return resp;
  }

  // Incremental: the meetings changed since the token (or since the last
  // page of this sync), latest state each, cancelled ones included so that
  // calendars remove them.
  RCP_ASSIGN_OR_RETURN(uint64_t since, res::DecodeSyncToken(req.sync_token(), kService));
  if (!position.empty()) {
    auto rev = coding::DecodeUint64(position);
    if (!rev.has_value() || *rev < since) return InvalidField("page_token", "is malformed");
    since = *rev;
  }
  // What the caller's copy holds: matching meetings of any status (a
  // cancelled one stays, marked) that it may see.
  auto held = [&](const v1::Meeting& m) {
    return Matches(req.filter(), m, /*apply_statuses=*/false) &&
           audience::VisibleTo(viewer, res::Kind::kMeeting, m);
  };
  // Per meeting changed within this page: whether the caller held it at the
  // page's start, and its latest state while the caller holds it now. It is
  // an entry of the page (a meeting, or a removed name) when either holds.
  struct Changed {
    bool had = false;
    std::optional<v1::Meeting> now;
    bool counts() const { return had || now.has_value(); }
  };
  std::map<std::string, Changed> page;
  size_t entries = 0;
  // Everything up to `through` is in this page.
  uint64_t through = since;
  bool full = false;
  // Changes the caller may not see add no entry, so the page reads on past
  // them: an empty page with a token would tell that they exist.
  const size_t batch = std::max<size_t>(static_cast<size_t>(size), 256);
  while (!full) {
    std::vector<rcp::common::v1::Change> changes;
    uint64_t complete_through = 0;
    RCP_RETURN_IF_ERROR(ReadChangesSince(through, batch, &changes, &complete_through));
    for (const auto& c : changes) {
      if (c.kind() != kMeeting.name) {
        through = c.revision();
        continue;
      }
      v1::Meeting m;
      if (!c.value().UnpackTo(&m)) return absl::DataLossError("a change record holds no meeting");
      auto it = page.find(c.name());
      bool had = false;
      if (it != page.end()) {
        had = it->second.had;
      } else if (c.has_previous_value()) {
        v1::Meeting before;
        if (!c.previous_value().UnpackTo(&before)) {
          return absl::DataLossError("a change record holds no meeting");
        }
        had = held(before);
      }
      bool holds = held(m);
      size_t next = entries - (it != page.end() && it->second.counts() ? 1 : 0) + (had || holds ? 1 : 0);
      if (next > static_cast<size_t>(size)) {
        full = true;  // another entry follows: it opens the next page
        break;
      }
      Changed& entry = page[c.name()];
      entry.had = had;
      if (holds) {
        entry.now = std::move(m);
      } else {
        entry.now.reset();
      }
      entries = next;
      through = c.revision();
    }
    if (full) break;
    through = std::max(through, complete_through);
    if (changes.size() < batch) break;  // the changelog's end
  }
  for (auto& [name, entry] : page) {
    if (entry.now.has_value()) {
      *resp.add_meetings() = std::move(*entry.now);
    } else if (entry.had) {
      resp.add_removed(name);  // it left the filter or the caller's view
    }
  }
  if (full) {
    resp.set_next_page_token(res::EncodePageToken(fingerprint, coding::EncodeUint64(through)));
  } else {
    resp.set_next_sync_token(res::EncodeSyncToken(kService, through));
  }
  return resp;
}

absl::Status EventsStore::ReadChangesSince(uint64_t since, size_t max,
                                           std::vector<rcp::common::v1::Change>* out, uint64_t* through) {
  absl::Status read = store_->ReadChanges(since, max, out, through);
  if (absl::IsFailedPrecondition(read)) {
    absl::Status expired = absl::FailedPreconditionError(
        "sync_token: has expired (the changes since it are no longer kept); sync again without a "
        "sync_token for a full sync");
    rcp::common::v1::ResyncRequired detail;
    GetDetail(read, &detail);
    AttachDetail(expired, detail);
    return expired;
  }
  if (absl::IsOutOfRange(read)) {
    return InvalidField("sync_token",
                        "is from the future of this store (was the store replaced?); "
                        "sync again without a sync_token");
  }
  return read;
}

absl::StatusOr<v1::ExportCalendarResponse> EventsStore::ExportCalendar(const v1::ExportCalendarRequest& req,
                                                                       const audience::Viewer* viewer) {
  RCP_RETURN_IF_ERROR(ValidateFilter(req.filter()));
  RCP_RETURN_IF_ERROR(res::ValidateText("calendar_name", req.calendar_name(), 0, 200));
  auto view = store_->Read();
  std::vector<std::pair<std::string, v1::Meeting>> found;
  size_t limit = static_cast<size_t>(options_.max_export_meetings);
  RCP_RETURN_IF_ERROR(Scan(*view, req.filter(), viewer, "", limit + 1, &found, nullptr));
  if (found.size() > limit) {
    return absl::OutOfRangeError(absl::StrCat("filter: matches more than ", limit,
                                              " meetings; narrow it (processes, start_time/end_time)"));
  }
  std::vector<v1::Meeting> meetings;
  meetings.reserve(found.size());
  for (auto& [order, m] : found) meetings.push_back(std::move(m));
  ical::IcalOptions calendar;
  calendar.deployment_id = options_.deployment_id;
  for (const auto& m : meetings) {
    absl::StatusOr<rcp::federation::v1::MirrorState> state = mirrors_.StateOf(m.name());
    if (state.ok()) calendar.origins[m.name()] = state->envelope().origin();
  }
  if (!req.calendar_name().empty()) calendar.calendar_name = req.calendar_name();
  calendar.now = store_->options().clock->Now();
  v1::ExportCalendarResponse resp;
  resp.set_content_type("text/calendar; charset=utf-8");
  resp.set_body(ical::RenderCalendar(meetings, calendar));
  return resp;
}

}  // namespace rcp::events
