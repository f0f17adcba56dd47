#include "tools/rcpctl/commands/meeting.h"

#include <memory>

#include "absl/strings/ascii.h"

namespace rcp::rcpctl {

namespace common = ::rcp::common::v1;
namespace events = ::rcp::events::v1;

grpc::Status MeetingCreate(Client& client, const Output& o, const MeetingCreateOptions& options) {
  events::CreateMeetingRequest req;
  req.set_meeting_id(options.id);
  events::Meeting* m = req.mutable_meeting();
  if (options.processes.empty()) return Invalid("--process: at least one is required");
  for (const auto& p : options.processes) m->add_processes(ProcessName(p));
  m->set_title(options.title);
  m->set_description(options.description);
  events::MeetingKind kind{};
  RCPCTL_RETURN_IF_ERROR(ParseFlag("--kind", options.kind, ParseEnum<events::MeetingKind>, &kind));
  m->set_kind(kind);
  m->set_time_zone(options.time_zone);
  if (options.all_day) {
    m->set_all_day(true);
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--start-date", options.start_date, ParseDate, m->mutable_start_date()));
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--end-date", options.end_date, ParseDate, m->mutable_end_date()));
  } else {
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--start", options.start, ParseTimestamp, m->mutable_start_time()));
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--end", options.end, ParseTimestamp, m->mutable_end_time()));
  }
  if (!options.city.empty()) m->mutable_venue()->set_city(options.city);
  if (!options.country.empty()) m->mutable_venue()->set_country(absl::AsciiStrToUpper(options.country));
  common::Visibility visibility{};
  RCPCTL_RETURN_IF_ERROR(
      ParseFlag("--visibility", options.visibility, ParseEnum<common::Visibility>, &visibility));
  m->set_visibility(visibility);
  for (const auto& p : options.restricted_parties) m->add_restricted_parties(PartyName(p));
  return CallAndPrint<events::Meeting>(
      client, o, [&](auto* c, auto* created) { return client.events().CreateMeeting(c, req, created); },
      MeetingDetails);
}

grpc::Status MeetingList(Client& client, const Output& o, const MeetingListOptions& options) {
  events::ListMeetingsRequest req;
  events::MeetingFilter* f = req.mutable_filter();
  for (const auto& p : options.processes) f->add_processes(ProcessName(p));
  if (!options.from.empty()) {
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--from", options.from, ParseTimestamp, f->mutable_start_time()));
  }
  if (!options.to.empty()) {
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--to", options.to, ParseTimestamp, f->mutable_end_time()));
  }
  for (const auto& s : options.statuses) {
    events::MeetingStatus status{};
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--status", s, ParseEnum<events::MeetingStatus>, &status));
    f->add_statuses(status);
  }
  return ListAndPrint<events::ListMeetingsResponse>(
      client, o, req, [&](auto* c, auto& r, auto* p) { return client.events().ListMeetings(c, r, p); },
      [](const auto& all) { return MeetingTable(Vector(all.meetings())); });
}

grpc::Status MeetingShow(Client& client, const Output& o, const std::string& meeting) {
  events::GetMeetingRequest req;
  req.set_name(UnderProcessName(meeting));
  return CallAndPrint<events::Meeting>(
      client, o, [&](auto* c, auto* m) { return client.events().GetMeeting(c, req, m); }, MeetingDetails);
}

grpc::Status MeetingConfirm(Client& client, const Output& o, const std::string& meeting) {
  events::ConfirmMeetingRequest req;
  req.set_name(UnderProcessName(meeting));
  return CallAndPrint<events::Meeting>(
      client, o, [&](auto* c, auto* m) { return client.events().ConfirmMeeting(c, req, m); }, MeetingDetails);
}

grpc::Status MeetingPostpone(Client& client, const Output& o, const MeetingPostponeOptions& options) {
  events::PostponeMeetingRequest req;
  req.set_name(UnderProcessName(options.meeting));
  if (!options.start.empty()) {
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--start", options.start, ParseTimestamp, req.mutable_start_time()));
  }
  if (!options.end.empty()) {
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--end", options.end, ParseTimestamp, req.mutable_end_time()));
  }
  if (!options.start_date.empty()) {
    RCPCTL_RETURN_IF_ERROR(
        ParseFlag("--start-date", options.start_date, ParseDate, req.mutable_start_date()));
  }
  if (!options.end_date.empty()) {
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--end-date", options.end_date, ParseDate, req.mutable_end_date()));
  }
  req.set_reason(options.reason);
  return CallAndPrint<events::Meeting>(
      client, o, [&](auto* c, auto* m) { return client.events().PostponeMeeting(c, req, m); },
      MeetingDetails);
}

grpc::Status MeetingCancel(Client& client, const Output& o, const std::string& meeting,
                           const std::string& reason) {
  if (reason.empty()) return Invalid("--reason: is required");
  events::CancelMeetingRequest req;
  req.set_name(UnderProcessName(meeting));
  req.set_reason(reason);
  return CallAndPrint<events::Meeting>(
      client, o, [&](auto* c, auto* m) { return client.events().CancelMeeting(c, req, m); }, MeetingDetails);
}

namespace {

// The positional argument of the commands that act on one meeting.
constexpr char kMeetingHelp[] = "processes/{p}/meetings/{m} (the processes/ prefix may be omitted)";

void RegisterCreate(Commands& commands, CLI::App* meeting) {
  auto o = std::make_shared<MeetingCreateOptions>();
  CLI::App* c = commands.Add(
      meeting, "create", "create a meeting",
      [o](Client& cl, const Output& out) { return MeetingCreate(cl, out, *o); },
      [o] {
        if (!o->all_day && (o->start.empty() || o->end.empty())) {
          throw CLI::ValidationError("--start/--end",
                                     "a timed meeting needs --start and --end (or use --all-day)");
        }
      });
  Repeated(c, "--process", o->processes, "process id (repeat for a joint meeting; the first owns it)")
      ->required();
  c->add_option("--id", o->id, "meeting id (slug); generated when omitted");
  c->add_option("--title", o->title, "title")->required();
  c->add_option("--kind", o->kind, "kind of meeting")->required()->check(EnumCheck<events::MeetingKind>());
  auto* start = c->add_option("--start", o->start, "start time, RFC 3339")->check(TimeCheck());
  auto* end = c->add_option("--end", o->end, "end time, RFC 3339")->check(TimeCheck());
  c->add_option("--tz", o->time_zone, "IANA time zone of the venue, e.g. Europe/Zurich")->required();
  auto* all_day = c->add_flag("--all-day", o->all_day, "an all-day meeting (give --start-date, --end-date)");
  auto* start_date = c->add_option("--start-date", o->start_date, "first day (all-day)")->check(DateCheck());
  auto* end_date =
      c->add_option("--end-date", o->end_date, "last day, inclusive (all-day)")->check(DateCheck());
  all_day->excludes(start)->excludes(end)->needs(start_date)->needs(end_date);
  start_date->needs(all_day);
  end_date->needs(all_day);
  c->add_option("--city", o->city, "venue city");
  c->add_option("--country", o->country, "venue country, ISO 3166-1 alpha-3")->check(CountryCheck());
  c->add_option("--visibility", o->visibility, "who may see it")
      ->check(EnumCheck<common::Visibility>())
      ->capture_default_str();
  Repeated(c, "--restricted-party", o->restricted_parties, "party that may see it (restricted; repeat)");
  c->add_option("--description", o->description, "description");
}

void RegisterList(Commands& commands, CLI::App* meeting) {
  auto o = std::make_shared<MeetingListOptions>();
  CLI::App* c = commands.Add(meeting, "list", "list meetings (all pages), by start time",
                             [o](Client& cl, const Output& out) { return MeetingList(cl, out, *o); });
  Repeated(c, "--process", o->processes, "process id (repeat)");
  c->add_option("--from", o->from, "meetings ending after, RFC 3339")->check(TimeCheck());
  c->add_option("--to", o->to, "meetings starting before, RFC 3339")->check(TimeCheck());
  Repeated(c, "--status", o->statuses, "status (repeat)")->check(EnumCheck<events::MeetingStatus>());
}

void RegisterPostpone(Commands& commands, CLI::App* meeting) {
  auto o = std::make_shared<MeetingPostponeOptions>();
  CLI::App* c =
      commands.Add(meeting, "postpone", "postpone a meeting, to new dates or to dates to be announced",
                   [o](Client& cl, const Output& out) { return MeetingPostpone(cl, out, *o); });
  c->add_option("meeting", o->meeting, "processes/{p}/meetings/{m}")->required();
  auto* start = c->add_option("--start", o->start, "new start time, RFC 3339")->check(TimeCheck());
  auto* end = c->add_option("--end", o->end, "new end time, RFC 3339")->check(TimeCheck());
  auto* start_date =
      c->add_option("--start-date", o->start_date, "new first day (all-day)")->check(DateCheck());
  auto* end_date = c->add_option("--end-date", o->end_date, "new last day (all-day)")->check(DateCheck());
  start->needs(end);
  end->needs(start);
  start_date->needs(end_date);
  end_date->needs(start_date);
  start->excludes(start_date);
  end->excludes(end_date);
  c->add_option("--reason", o->reason, "why (added to the description)");
}

}  // namespace

void RegisterMeetingCommands(Commands& commands) {
  CLI::App* meeting = commands.AddGroup("meeting", "the meeting calendar");
  RegisterCreate(commands, meeting);
  RegisterList(commands, meeting);

  commands.AddOnName(meeting, "show", "show one meeting", "meeting", kMeetingHelp, MeetingShow);
  commands.AddOnName(meeting, "confirm", "confirm a planned (or postponed, dated) meeting", "meeting",
                     kMeetingHelp, MeetingConfirm);
  RegisterPostpone(commands, meeting);

  auto reason = std::make_shared<std::string>();
  commands
      .AddOnName(meeting, "cancel", "cancel a meeting (final)", "meeting", kMeetingHelp,
                 [reason](Client& c, const Output& o, const std::string& name) {
                   return MeetingCancel(c, o, name, *reason);
                 })
      ->add_option("--reason", *reason, "why")
      ->required();
}

}  // namespace rcp::rcpctl
