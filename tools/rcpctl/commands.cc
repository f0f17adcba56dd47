#include "tools/rcpctl/commands.h"

#include <fstream>
#include <memory>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/io/file.h"
#include "tools/rcpctl/format.h"
#include "tools/rcpctl/transfer.h"

namespace rcp::rcpctl {

namespace common = ::rcp::common::v1;
namespace registry = ::rcp::registry::v1;
namespace events = ::rcp::events::v1;
namespace documents = ::rcp::documents::v1;
namespace gateway = ::rcp::gateway::v1;

namespace {

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// Pages through a List method, merging every page into *all (repeated
// fields append; the last page's revision wins).
template <typename Request, typename Response, typename Call>
grpc::Status ListAll(Client& client, Request request, Response* all, Call call) {
  all->Clear();
  while (true) {
    Response page;
    grpc::Status s = client.Unary([&](grpc::ClientContext* c) { return call(c, request, &page); });
    if (!s.ok()) return s;
    std::string next = page.next_page_token();
    all->MergeFrom(page);
    if (next.empty()) break;
    request.set_page_token(next);
  }
  all->clear_next_page_token();
  return grpc::Status::OK;
}

template <typename T>
std::vector<T> Vector(const google::protobuf::RepeatedPtrField<T>& items) {
  return std::vector<T>(items.begin(), items.end());
}

grpc::Status Json(const Output& o, const google::protobuf::Message& m) {
  *o.out << ToJson(m, true);
  return grpc::Status::OK;
}

// Parses a flag's value or returns INVALID_ARGUMENT naming the flag.
template <typename E>
grpc::Status EnumFlag(const std::string& flag, const std::string& text, E* out) {
  std::string error;
  if (!ParseEnum(text, out, &error)) return Invalid(absl::StrCat(flag, ": ", error));
  return grpc::Status::OK;
}
grpc::Status TimeFlag(const std::string& flag, const std::string& text, google::protobuf::Timestamp* out) {
  std::string error;
  if (!ParseTimestamp(text, out, &error)) return Invalid(absl::StrCat(flag, ": ", error));
  return grpc::Status::OK;
}
grpc::Status DateFlag(const std::string& flag, const std::string& text, common::Date* out) {
  std::string error;
  if (!ParseDate(text, out, &error)) return Invalid(absl::StrCat(flag, ": ", error));
  return grpc::Status::OK;
}

#define RCPCTL_RETURN_IF_ERROR(expr)      \
  do {                                    \
    grpc::Status rcpctl_status_ = (expr); \
    if (!rcpctl_status_.ok()) return rcpctl_status_; \
  } while (0)

// Progress bars (one per phase) and notices on stderr, without garbling a
// bar that is being drawn.
class Reporter {
 public:
  explicit Reporter(const Output& o) : o_(o) {}
  ~Reporter() { Done(); }

  ProgressFn Progress() {
    return [this](const std::string& phase, int64_t done, int64_t total) {
      if (!o_.progress) return;
      if (phase != phase_) {
        Done();
        phase_ = phase;
        bar_ = std::make_unique<ProgressBar>(o_.err, true, phase);
      }
      bar_->Update(done, total);
    };
  }
  NoticeFn Notice() {
    return [this](const std::string& message) {
      Done();  // ends the bar's line; the next update starts a new one
      *o_.err << "rcpctl: " << message << "\n" << std::flush;
    };
  }
  void Done() {
    if (bar_) bar_->Finish();
    bar_.reset();
    phase_.clear();
  }

 private:
  const Output& o_;
  std::string phase_;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace

// ---------------------------------------------------------------- registry

grpc::Status ProcessList(Client& client, const Output& o) {
  registry::ListProcessesResponse all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, registry::ListProcessesRequest(), &all, [&](auto* c, auto& r, auto* p) {
    return client.registry().ListProcesses(c, r, p);
  }));
  if (o.json) return Json(o, all);
  ProcessTable(Vector(all.processes())).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status ProcessShow(Client& client, const Output& o, const std::string& process) {
  registry::GetProcessRequest req;
  req.set_name(ProcessName(process));
  registry::Process p;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.registry().GetProcess(c, req, &p); }));
  if (o.json) return Json(o, p);
  ProcessDetails(p).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status PartyList(Client& client, const Output& o, const std::string& type) {
  registry::ListPartiesRequest req;
  if (!type.empty()) {
    registry::Party::Type t{};
    RCPCTL_RETURN_IF_ERROR(EnumFlag("--type", type, &t));
    req.set_type(t);
  }
  registry::ListPartiesResponse all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, req, &all, [&](auto* c, auto& r, auto* p) {
    return client.registry().ListParties(c, r, p);
  }));
  if (o.json) return Json(o, all);
  PartyTable(Vector(all.parties())).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status MemberList(Client& client, const Output& o, const MemberListOptions& options) {
  registry::ListMembershipsRequest req;
  req.set_parent(options.process.empty() ? "processes/-" : ProcessName(options.process));
  if (!options.party.empty()) req.set_party(PartyName(options.party));
  req.set_current_only(options.current);
  registry::ListMembershipsResponse all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, req, &all, [&](auto* c, auto& r, auto* p) {
    return client.registry().ListMemberships(c, r, p);
  }));
  if (o.json) return Json(o, all);
  MembershipTable(Vector(all.memberships())).Print(*o.out);
  return grpc::Status::OK;
}

// ------------------------------------------------------------------ events

namespace {

grpc::Status PrintMeeting(const Output& o, const events::Meeting& m) {
  if (o.json) return Json(o, m);
  MeetingDetails(m).Print(*o.out);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status MeetingCreate(Client& client, const Output& o, const MeetingCreateOptions& options) {
  events::CreateMeetingRequest req;
  req.set_meeting_id(options.id);
  events::Meeting* m = req.mutable_meeting();
  if (options.processes.empty()) return Invalid("--process: at least one is required");
  for (const auto& p : options.processes) m->add_processes(ProcessName(p));
  m->set_title(options.title);
  m->set_description(options.description);
  events::MeetingKind kind{};
  RCPCTL_RETURN_IF_ERROR(EnumFlag("--kind", options.kind, &kind));
  m->set_kind(kind);
  m->set_time_zone(options.time_zone);
  if (options.all_day) {
    m->set_all_day(true);
    RCPCTL_RETURN_IF_ERROR(DateFlag("--start-date", options.start_date, m->mutable_start_date()));
    RCPCTL_RETURN_IF_ERROR(DateFlag("--end-date", options.end_date, m->mutable_end_date()));
  } else {
    RCPCTL_RETURN_IF_ERROR(TimeFlag("--start", options.start, m->mutable_start_time()));
    RCPCTL_RETURN_IF_ERROR(TimeFlag("--end", options.end, m->mutable_end_time()));
  }
  if (!options.city.empty()) m->mutable_venue()->set_city(options.city);
  if (!options.country.empty()) m->mutable_venue()->set_country(absl::AsciiStrToUpper(options.country));
  common::Visibility visibility{};
  RCPCTL_RETURN_IF_ERROR(EnumFlag("--visibility", options.visibility, &visibility));
  m->set_visibility(visibility);
  for (const auto& p : options.restricted_parties) m->add_restricted_parties(PartyName(p));
  events::Meeting created;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.events().CreateMeeting(c, req, &created); }));
  return PrintMeeting(o, created);
}

grpc::Status MeetingList(Client& client, const Output& o, const MeetingListOptions& options) {
  events::ListMeetingsRequest req;
  events::MeetingFilter* f = req.mutable_filter();
  for (const auto& p : options.processes) f->add_processes(ProcessName(p));
  if (!options.from.empty()) RCPCTL_RETURN_IF_ERROR(TimeFlag("--from", options.from, f->mutable_start_time()));
  if (!options.to.empty()) RCPCTL_RETURN_IF_ERROR(TimeFlag("--to", options.to, f->mutable_end_time()));
  for (const auto& s : options.statuses) {
    events::MeetingStatus status{};
    RCPCTL_RETURN_IF_ERROR(EnumFlag("--status", s, &status));
    f->add_statuses(status);
  }
  events::ListMeetingsResponse all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, req, &all, [&](auto* c, auto& r, auto* p) {
    return client.events().ListMeetings(c, r, p);
  }));
  if (o.json) return Json(o, all);
  MeetingTable(Vector(all.meetings())).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status MeetingShow(Client& client, const Output& o, const std::string& meeting) {
  events::GetMeetingRequest req;
  req.set_name(UnderProcessName(meeting));
  events::Meeting m;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.events().GetMeeting(c, req, &m); }));
  return PrintMeeting(o, m);
}

grpc::Status MeetingConfirm(Client& client, const Output& o, const std::string& meeting) {
  events::ConfirmMeetingRequest req;
  req.set_name(UnderProcessName(meeting));
  events::Meeting m;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.events().ConfirmMeeting(c, req, &m); }));
  return PrintMeeting(o, m);
}

grpc::Status MeetingPostpone(Client& client, const Output& o, const MeetingPostponeOptions& options) {
  events::PostponeMeetingRequest req;
  req.set_name(UnderProcessName(options.meeting));
  if (!options.start.empty()) RCPCTL_RETURN_IF_ERROR(TimeFlag("--start", options.start, req.mutable_start_time()));
  if (!options.end.empty()) RCPCTL_RETURN_IF_ERROR(TimeFlag("--end", options.end, req.mutable_end_time()));
  if (!options.start_date.empty()) {
    RCPCTL_RETURN_IF_ERROR(DateFlag("--start-date", options.start_date, req.mutable_start_date()));
  }
  if (!options.end_date.empty()) {
    RCPCTL_RETURN_IF_ERROR(DateFlag("--end-date", options.end_date, req.mutable_end_date()));
  }
  req.set_reason(options.reason);
  events::Meeting m;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.events().PostponeMeeting(c, req, &m); }));
  return PrintMeeting(o, m);
}

grpc::Status MeetingCancel(Client& client, const Output& o, const std::string& meeting, const std::string& reason) {
  if (reason.empty()) return Invalid("--reason: is required");
  events::CancelMeetingRequest req;
  req.set_name(UnderProcessName(meeting));
  req.set_reason(reason);
  events::Meeting m;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.events().CancelMeeting(c, req, &m); }));
  return PrintMeeting(o, m);
}

// --------------------------------------------------------------- documents

namespace {

grpc::Status PrintDocument(const Output& o, const documents::Document& d) {
  if (o.json) return Json(o, d);
  DocumentDetails(d).Print(*o.out);
  if (d.languages_size() > 0) {
    *o.out << "\n";
    LanguageTable(d).Print(*o.out);
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status DocCreate(Client& client, const Output& o, const DocCreateOptions& options) {
  documents::CreateDocumentRequest req;
  req.set_parent(ProcessName(options.process));
  req.set_document_id(options.id);
  documents::Document* d = req.mutable_document();
  d->set_symbol(options.symbol);
  d->set_title(options.title);
  documents::DocumentKind kind{};
  RCPCTL_RETURN_IF_ERROR(EnumFlag("--kind", options.kind, &kind));
  d->set_kind(kind);
  if (!options.meeting.empty()) d->set_meeting(UnderProcessName(options.meeting));
  common::Visibility visibility{};
  RCPCTL_RETURN_IF_ERROR(EnumFlag("--visibility", options.visibility, &visibility));
  d->set_visibility(visibility);
  for (const auto& p : options.restricted_parties) d->add_restricted_parties(PartyName(p));
  for (const auto& t : options.tags) d->add_tags(t);
  documents::Document created;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.documents().CreateDocument(c, req, &created); }));
  return PrintDocument(o, created);
}

grpc::Status DocList(Client& client, const Output& o, const DocListOptions& options) {
  documents::ListDocumentsRequest req;
  req.set_parent(options.process.empty() ? "processes/-" : ProcessName(options.process));
  req.set_language(options.language);
  req.set_tag(options.tag);
  if (!options.meeting.empty()) req.set_meeting(UnderProcessName(options.meeting));
  if (!options.kind.empty()) {
    documents::DocumentKind kind{};
    RCPCTL_RETURN_IF_ERROR(EnumFlag("--kind", options.kind, &kind));
    req.set_kind(kind);
  }
  documents::ListDocumentsResponse all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, req, &all, [&](auto* c, auto& r, auto* p) {
    return client.documents().ListDocuments(c, r, p);
  }));
  if (o.json) return Json(o, all);
  DocumentTable(Vector(all.documents())).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status DocShow(Client& client, const Output& o, const std::string& document) {
  documents::GetDocumentRequest req;
  req.set_name(UnderProcessName(document));
  documents::Document d;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.documents().GetDocument(c, req, &d); }));
  return PrintDocument(o, d);
}

grpc::Status DocUpload(Client& client, const Output& o, const DocUploadOptions& options) {
  if (options.language.empty()) return Invalid("--language: is required");
  Reporter reporter(o);
  UploadOptions u;
  u.document = UnderProcessName(options.document);
  u.language = options.language;
  u.media_type = options.media_type;
  u.path = options.file;
  u.state_dir = options.state_dir.empty() ? DefaultStateDir() : options.state_dir;
  u.progress = reporter.Progress();
  u.notice = reporter.Notice();
  UploadResult result;
  grpc::Status s = Upload(client, u, &result);
  reporter.Done();
  if (!s.ok()) return s;
  if (o.json) return Json(o, result.version);
  ContentVersionDetails(result.version).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status DocDownload(Client& client, const Output& o, const DocDownloadOptions& options) {
  if (options.resume && options.output_file.empty()) return Invalid("--resume: needs -o FILE");
  Reporter reporter(o);
  DownloadOptions d;
  d.document = UnderProcessName(options.document);
  d.language = options.language;
  d.version = options.version;
  d.output_path = options.output_file;
  d.out = o.out;
  d.resume = options.resume;
  d.progress = reporter.Progress();
  d.notice = reporter.Notice();
  DownloadResult result;
  grpc::Status s = Download(client, d, &result);
  reporter.Done();
  if (!s.ok() || options.output_file.empty()) return s;
  if (o.json) return Json(o, result.version);
  *o.out << "Saved " << result.version.name() << " to " << options.output_file << " ("
         << FormatBytes(result.version.size_bytes()) << ", SHA-256 " << result.version.sha256() << " verified)\n";
  return grpc::Status::OK;
}

// ------------------------------------------------------------------ gateway

namespace {

std::string Trimmed(const std::string& text) { return std::string(absl::StripAsciiWhitespace(text)); }

}  // namespace

grpc::Status Subscribe(Client& client, const Output& o, const SubscribeOptions& options) {
  const std::string cursor_file =
      options.cursor_file.empty() ? DefaultStateDir() + "/cursor" : options.cursor_file;
  std::string cursor;
  if (!options.from_now) {
    absl::StatusOr<std::string> saved = io::ReadFile(cursor_file);
    if (saved.ok()) cursor = Trimmed(*saved);
  }
  if (!cursor.empty()) *o.err << "rcpctl: resuming from the cursor saved in " << cursor_file << "\n" << std::flush;

  std::chrono::milliseconds delay = options.initial_backoff;
  int reconnects = 0;
  while (true) {
    grpc::ClientContext context;
    client.PrepareStream(&context);
    // After a reconnect, wait for the gateway to be back rather than fail
    // fast into gRPC's channel backoff.
    if (reconnects > 0) context.set_wait_for_ready(true);
    gateway::SubscribeRequest req;
    for (const auto& p : options.processes) req.add_processes(ProcessName(p));
    for (const auto& k : options.kinds) req.add_kinds(k);
    req.set_cursor(cursor);
    auto reader = client.gateway().Subscribe(&context, req);
    gateway::SubscribeResponse response;
    while (reader->Read(&response)) {
      for (const auto& event : response.events()) {
        if (o.json) {
          *o.out << ToJson(event, false) << "\n";
        } else {
          *o.out << EventLine(event) << "\n";
        }
      }
      o.out->flush();
      if (!response.cursor().empty() && response.cursor() != cursor) {
        cursor = response.cursor();
        grpc::Status saved = WriteFileAtomically(cursor_file, cursor + "\n");
        if (!saved.ok()) {
          context.TryCancel();
          reader->Finish();
          return saved;
        }
      }
      delay = options.initial_backoff;  // connected and delivering
      if (options.stop && options.stop()) {
        context.TryCancel();
        reader->Finish();
        return grpc::Status::OK;
      }
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat("resync required: the cursor saved in ", cursor_file,
                       " is older than the services keep (", status.error_message(),
                       "). List what you follow again (e.g. `rcpctl meeting list`), then subscribe with --from-now."));
    }
    if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
    if (options.max_reconnects >= 0 && reconnects >= options.max_reconnects) {
      return status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway ended the subscription") : status;
    }
    ++reconnects;
    *o.err << "rcpctl: subscription interrupted ("
           << (status.ok() ? std::string("ended by the gateway") : status.error_message()) << "); reconnecting in "
           << static_cast<double>(delay.count()) / 1000.0 << "s" << (cursor.empty() ? "" : " from the saved cursor")
           << "\n"
           << std::flush;
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, options.max_backoff);
  }
}

grpc::Status CalendarExport(Client& client, const Output& o, const std::vector<std::string>& processes,
                            const std::string& output_file) {
  events::ExportCalendarRequest req;
  for (const auto& p : processes) req.mutable_filter()->add_processes(ProcessName(p));
  events::ExportCalendarResponse response;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.events().ExportCalendar(c, req, &response); }));
  if (output_file.empty()) {
    *o.out << response.body();
    o.out->flush();
    return grpc::Status::OK;
  }
  std::ofstream file(output_file, std::ios::binary | std::ios::trunc);
  file << response.body();
  file.close();
  if (!file) return grpc::Status(grpc::StatusCode::UNKNOWN, absl::StrCat("cannot write ", output_file));
  if (o.json) {
    response.clear_body();
    return Json(o, response);
  }
  *o.out << "Saved the calendar to " << output_file << " (" << FormatBytes(static_cast<int64_t>(response.body().size()))
         << ")\n";
  return grpc::Status::OK;
}

grpc::Status CalendarUrl(Client& client, const Output& o, const std::vector<std::string>& processes) {
  gateway::GetCalendarUrlRequest req;
  for (const auto& p : processes) req.add_processes(ProcessName(p));
  gateway::CalendarUrl url;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.gateway().GetCalendarUrl(c, req, &url); }));
  if (o.json) return Json(o, url);
  *o.out << url.url() << "\n";
  return grpc::Status::OK;
}

grpc::Status KeyCreate(Client& client, const Output& o, const KeyCreateOptions& options) {
  registry::CreateApiKeyRequest req;
  registry::ApiKey* key = req.mutable_api_key();
  key->set_party(PartyName(options.party));
  key->set_display_name(options.display_name);
  for (const auto& p : options.processes) key->add_processes(ProcessName(p));
  for (const auto& r : options.roles) {
    registry::Role role{};
    RCPCTL_RETURN_IF_ERROR(EnumFlag("--role", r, &role));
    key->add_roles(role);
  }
  key->set_admin(options.admin);
  absl::Duration ttl;
  std::string error;
  if (!ParseDuration(options.expires_in, &ttl, &error)) return Invalid(absl::StrCat("--expires-in: ", error));
  absl::Time expire = absl::Now() + ttl;
  key->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(expire));
  registry::CreateApiKeyResponse response;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.registry().CreateApiKey(c, req, &response); }));
  if (o.json) {
    *o.out << ToJson(response, true);
  } else {
    ApiKeyDetails(response.api_key()).Print(*o.out);
    *o.out << "\nKey: " << response.key() << "\n";
  }
  *o.err << "rcpctl: store this key now: it is shown only once, and the registry keeps only a hash of it.\n"
         << std::flush;
  return grpc::Status::OK;
}

grpc::Status KeyRevoke(Client& client, const Output& o, const std::string& key) {
  registry::RevokeApiKeyRequest req;
  req.set_name(ApiKeyName(key));
  registry::ApiKey revoked;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.registry().RevokeApiKey(c, req, &revoked); }));
  if (o.json) return Json(o, revoked);
  ApiKeyDetails(revoked).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status KeyList(Client& client, const Output& o, const std::string& party, bool include_revoked) {
  registry::ListApiKeysRequest req;
  if (!party.empty()) req.set_party(PartyName(party));
  req.set_include_revoked(include_revoked);
  registry::ListApiKeysResponse all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, req, &all, [&](auto* c, auto& r, auto* p) {
    return client.registry().ListApiKeys(c, r, p);
  }));
  if (o.json) return Json(o, all);
  ApiKeyTable(Vector(all.api_keys())).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status WhoAmI(Client& client, const Output& o) {
  registry::Principal principal;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) {
    return client.gateway().WhoAmI(c, gateway::WhoAmIRequest(), &principal);
  }));
  if (o.json) return Json(o, principal);
  PrincipalDetails(principal).Print(*o.out);
  if (principal.rights_size() > 0) {
    *o.out << "\n";
    RightsTable(principal).Print(*o.out);
  }
  return grpc::Status::OK;
}

}  // namespace rcp::rcpctl
