// rcpctl: the command-line client of RCP Exchange. Command-line wiring only:
// flags are parsed (and their values validated) with CLI11 into the option
// structs of commands.h; the chosen command runs against the gateway.
//
// Exit codes: 0 ok, 2 usage, 3 not found, 4 permission denied or
// unauthenticated, 5 invalid argument / failed precondition / out of range /
// already exists, 6 unavailable / deadline exceeded, 7 data loss, 1 other.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "tools/rcpctl/client.h"
#include "tools/rcpctl/commands.h"
#include "tools/rcpctl/format.h"

namespace {

using namespace rcp::rcpctl;  // NOLINT

// ------------------------------------------------------------- validators

CLI::Validator TimeCheck() {
  return CLI::Validator(
      [](std::string& text) {
        google::protobuf::Timestamp t;
        std::string error;
        return ParseTimestamp(text, &t, &error) ? std::string() : error;
      },
      "RFC3339", "RFC3339");
}

CLI::Validator DateCheck() {
  return CLI::Validator(
      [](std::string& text) {
        rcp::common::v1::Date d;
        std::string error;
        return ParseDate(text, &d, &error) ? std::string() : error;
      },
      "YYYY-MM-DD", "DATE");
}

CLI::Validator DurationCheck() {
  return CLI::Validator(
      [](std::string& text) {
        absl::Duration d;
        std::string error;
        return ParseDuration(text, &d, &error) ? std::string() : error;
      },
      "DURATION", "DURATION");
}

template <typename E>
CLI::Validator EnumCheck() {
  const google::protobuf::EnumDescriptor* descriptor = google::protobuf::GetEnumDescriptor<E>();
  return CLI::Validator(
      [descriptor](std::string& text) {
        int value = 0;
        std::string error;
        return ParseEnum(descriptor, text, &value, &error) ? std::string() : error;
      },
      EnumChoices(descriptor), descriptor->name());
}

CLI::Validator CountryCheck() {
  return CLI::Validator(
      [](std::string& text) {
        bool ok = text.size() == 3;
        for (char c : text) ok = ok && std::isalpha(static_cast<unsigned char>(c));
        return ok ? std::string() : "\"" + text + "\" is not an ISO 3166-1 alpha-3 code (e.g. CHE)";
      },
      "ISO3", "ISO3");
}

// A repeatable flag: one value per occurrence (`--process a --process b`),
// so that it never swallows the positional arguments after it.
template <typename T>
CLI::Option* Repeated(CLI::App* app, const std::string& name, std::vector<T>& values, const std::string& help) {
  return app->add_option(name, values, help)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

std::string FailureMessage(const CLI::App* app, const CLI::Error& e) {
  return "rcpctl: usage: " + std::string(e.what()) + "\nRun with --help for more information.\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rcpctl: the command-line client of RCP Exchange.\n"
      "Talks to rcp-gatewayd; every call carries `authorization: Bearer <key>`.",
      "rcpctl"};
  app.require_subcommand(1);
  app.fallthrough();  // the global flags may also follow the command
  app.failure_message(FailureMessage);
  app.footer(
      "Exit codes: 0 ok, 1 other error, 2 usage, 3 not found, 4 permission denied/unauthenticated,\n"
      "5 invalid argument/failed precondition/out of range/already exists, 6 unavailable/deadline exceeded,\n"
      "7 data loss (checksum).");

  ConnectionOptions connection;
  app.add_option("--address", connection.address, "host:port of rcp-gatewayd")
      ->envname("RCP_ADDRESS")
      ->capture_default_str();
  app.add_option("--key", connection.key, "API key, rcp_<id>_<secret> (prefer RCP_KEY: command lines are visible to other users)")->envname("RCP_KEY");
  app.add_option("--ca_file,--ca-file", connection.ca_file, "PEM root certificate(s); given: TLS, else plaintext")
      ->envname("RCP_CA_FILE")
      ->check(CLI::ExistingFile);

  Output output;
  output.out = &std::cout;
  output.err = &std::cerr;
  output.progress = isatty(STDERR_FILENO) != 0;

  // Set by the callback of the command that was parsed.
  std::function<grpc::Status(Client&)> run;
  auto command = [&](CLI::App* parent, const std::string& name, const std::string& help) {
    CLI::App* c = parent->add_subcommand(name, help);
    c->add_flag("--json", output.json, "print JSON (protobuf's JSON mapping) instead of tables");
    return c;
  };
  auto group = [&](const std::string& name, const std::string& help) {
    CLI::App* g = app.add_subcommand(name, help);
    g->require_subcommand(1);
    return g;
  };

  // ------------------------------------------------------------- process
  CLI::App* process = group("process", "Regional Consultative Processes");
  command(process, "list", "list the processes")->callback([&] {
    run = [&](Client& c) { return ProcessList(c, output); };
  });
  std::string process_name;
  {
    CLI::App* c = command(process, "show", "show one process");
    c->add_option("process", process_name, "id or name: bali-process or processes/bali-process")->required();
    c->callback([&] { run = [&](Client& cl) { return ProcessShow(cl, output, process_name); }; });
  }

  // --------------------------------------------------------------- party
  CLI::App* party = group("party", "states and organizations");
  std::string party_type;
  {
    CLI::App* c = command(party, "list", "list the parties");
    c->add_option("--type", party_type, "state or organization")->check(EnumCheck<rcp::registry::v1::Party::Type>());
    c->callback([&] { run = [&](Client& cl) { return PartyList(cl, output, party_type); }; });
  }

  // -------------------------------------------------------------- member
  CLI::App* member = group("member", "memberships of parties in processes");
  MemberListOptions member_list;
  {
    CLI::App* c = command(member, "list", "list memberships (of every process unless --process)");
    c->add_option("--process", member_list.process, "process id or name");
    c->add_option("--party", member_list.party, "party code, e.g. IDN or iom");
    c->add_flag("--current", member_list.current, "only memberships that cover today");
    c->callback([&] { run = [&](Client& cl) { return MemberList(cl, output, member_list); }; });
  }

  // ------------------------------------------------------------- meeting
  CLI::App* meeting = group("meeting", "the meeting calendar");
  MeetingCreateOptions meeting_create;
  {
    CLI::App* c = command(meeting, "create", "create a meeting");
    Repeated(c, "--process", meeting_create.processes, "process id (repeat for a joint meeting; the first owns it)")
        ->required();
    c->add_option("--id", meeting_create.id, "meeting id (slug); generated when omitted");
    c->add_option("--title", meeting_create.title, "title")->required();
    c->add_option("--kind", meeting_create.kind, "kind of meeting")
        ->required()
        ->check(EnumCheck<rcp::events::v1::MeetingKind>());
    auto* start = c->add_option("--start", meeting_create.start, "start time, RFC 3339")->check(TimeCheck());
    auto* end = c->add_option("--end", meeting_create.end, "end time, RFC 3339")->check(TimeCheck());
    c->add_option("--tz", meeting_create.time_zone, "IANA time zone of the venue, e.g. Europe/Zurich")->required();
    auto* all_day = c->add_flag("--all-day", meeting_create.all_day, "an all-day meeting (give --start-date, --end-date)");
    auto* start_date = c->add_option("--start-date", meeting_create.start_date, "first day (all-day)")->check(DateCheck());
    auto* end_date = c->add_option("--end-date", meeting_create.end_date, "last day, inclusive (all-day)")->check(DateCheck());
    all_day->excludes(start)->excludes(end)->needs(start_date)->needs(end_date);
    start_date->needs(all_day);
    end_date->needs(all_day);
    c->add_option("--city", meeting_create.city, "venue city");
    c->add_option("--country", meeting_create.country, "venue country, ISO 3166-1 alpha-3")->check(CountryCheck());
    c->add_option("--visibility", meeting_create.visibility, "who may see it")
        ->check(EnumCheck<rcp::common::v1::Visibility>())
        ->capture_default_str();
    Repeated(c, "--restricted-party", meeting_create.restricted_parties, "party that may see it (restricted; repeat)");
    c->add_option("--description", meeting_create.description, "description");
    c->callback([&] {
      if (!meeting_create.all_day && (meeting_create.start.empty() || meeting_create.end.empty())) {
        throw CLI::ValidationError("--start/--end", "a timed meeting needs --start and --end (or use --all-day)");
      }
      run = [&](Client& cl) { return MeetingCreate(cl, output, meeting_create); };
    });
  }
  MeetingListOptions meeting_list;
  {
    CLI::App* c = command(meeting, "list", "list meetings (all pages), by start time");
    Repeated(c, "--process", meeting_list.processes, "process id (repeat)");
    c->add_option("--from", meeting_list.from, "meetings ending after, RFC 3339")->check(TimeCheck());
    c->add_option("--to", meeting_list.to, "meetings starting before, RFC 3339")->check(TimeCheck());
    Repeated(c, "--status", meeting_list.statuses, "status (repeat)")->check(EnumCheck<rcp::events::v1::MeetingStatus>());
    c->callback([&] { run = [&](Client& cl) { return MeetingList(cl, output, meeting_list); }; });
  }
  std::string meeting_name;
  auto meeting_arg = [&](CLI::App* c) {
    c->add_option("meeting", meeting_name, "processes/{p}/meetings/{m} (the processes/ prefix may be omitted)")
        ->required();
  };
  {
    CLI::App* c = command(meeting, "show", "show one meeting");
    meeting_arg(c);
    c->callback([&] { run = [&](Client& cl) { return MeetingShow(cl, output, meeting_name); }; });
  }
  {
    CLI::App* c = command(meeting, "confirm", "confirm a planned (or postponed, dated) meeting");
    meeting_arg(c);
    c->callback([&] { run = [&](Client& cl) { return MeetingConfirm(cl, output, meeting_name); }; });
  }
  MeetingPostponeOptions meeting_postpone;
  {
    CLI::App* c = command(meeting, "postpone", "postpone a meeting, to new dates or to dates to be announced");
    c->add_option("meeting", meeting_postpone.meeting, "processes/{p}/meetings/{m}")->required();
    auto* start = c->add_option("--start", meeting_postpone.start, "new start time, RFC 3339")->check(TimeCheck());
    auto* end = c->add_option("--end", meeting_postpone.end, "new end time, RFC 3339")->check(TimeCheck());
    auto* start_date =
        c->add_option("--start-date", meeting_postpone.start_date, "new first day (all-day)")->check(DateCheck());
    auto* end_date = c->add_option("--end-date", meeting_postpone.end_date, "new last day (all-day)")->check(DateCheck());
    start->needs(end);
    end->needs(start);
    start_date->needs(end_date);
    end_date->needs(start_date);
    start->excludes(start_date);
    end->excludes(end_date);
    c->add_option("--reason", meeting_postpone.reason, "why (added to the description)");
    c->callback([&] { run = [&](Client& cl) { return MeetingPostpone(cl, output, meeting_postpone); }; });
  }
  std::string cancel_reason;
  {
    CLI::App* c = command(meeting, "cancel", "cancel a meeting (final)");
    meeting_arg(c);
    c->add_option("--reason", cancel_reason, "why")->required();
    c->callback([&] { run = [&](Client& cl) { return MeetingCancel(cl, output, meeting_name, cancel_reason); }; });
  }

  // ----------------------------------------------------------------- doc
  CLI::App* doc = group("doc", "documents and their language versions");
  DocCreateOptions doc_create;
  {
    CLI::App* c = command(doc, "create", "create a document (then upload its languages)");
    c->add_option("--process", doc_create.process, "process id")->required();
    c->add_option("--id", doc_create.id, "document id (slug); generated when omitted");
    c->add_option("--symbol", doc_create.symbol, "symbol, e.g. BALI/SOM/2005/3")->required();
    c->add_option("--title", doc_create.title, "title")->required();
    c->add_option("--kind", doc_create.kind, "kind of document")
        ->required()
        ->check(EnumCheck<rcp::documents::v1::DocumentKind>());
    c->add_option("--meeting", doc_create.meeting, "the meeting it belongs to");
    c->add_option("--visibility", doc_create.visibility, "who may see it")
        ->check(EnumCheck<rcp::common::v1::Visibility>())
        ->capture_default_str();
    Repeated(c, "--restricted-party", doc_create.restricted_parties, "party that may see it (restricted; repeat)");
    Repeated(c, "--tag", doc_create.tags, "tag (repeat)");
    c->callback([&] { run = [&](Client& cl) { return DocCreate(cl, output, doc_create); }; });
  }
  DocListOptions doc_list;
  {
    CLI::App* c = command(doc, "list", "list documents (of every process unless --process)");
    c->add_option("--process", doc_list.process, "process id");
    c->add_option("--language", doc_list.language, "only documents with this language, e.g. fr");
    c->add_option("--kind", doc_list.kind, "kind of document")->check(EnumCheck<rcp::documents::v1::DocumentKind>());
    c->add_option("--tag", doc_list.tag, "only documents with this tag");
    c->add_option("--meeting", doc_list.meeting, "only documents of this meeting");
    c->callback([&] { run = [&](Client& cl) { return DocList(cl, output, doc_list); }; });
  }
  std::string doc_name;
  {
    CLI::App* c = command(doc, "show", "show a document and its languages");
    c->add_option("document", doc_name, "processes/{p}/documents/{d}")->required();
    c->callback([&] { run = [&](Client& cl) { return DocShow(cl, output, doc_name); }; });
  }
  DocUploadOptions doc_upload;
  {
    CLI::App* c = command(doc, "upload",
                          "upload a language version (streamed in 1 MiB chunks; a rerun resumes an interrupted upload)");
    c->add_option("document", doc_upload.document, "processes/{p}/documents/{d}")->required();
    c->add_option("file", doc_upload.file, "the file")->required();
    c->add_option("--language", doc_upload.language, "BCP 47 tag, e.g. en, fr, zh-Hans")->required();
    c->add_option("--media-type", doc_upload.media_type, "e.g. application/pdf (default: from the file name)");
    c->callback([&] { run = [&](Client& cl) { return DocUpload(cl, output, doc_upload); }; });
  }
  DocDownloadOptions doc_download;
  {
    CLI::App* c = command(doc, "download", "download a language version, verifying its SHA-256");
    c->add_option("document", doc_download.document, "processes/{p}/documents/{d}")->required();
    c->add_option("--language", doc_download.language, "BCP 47 tag (needed when it has several)");
    c->add_option("--version", doc_download.version, "version number (default: latest)")->check(CLI::PositiveNumber);
    auto* out = c->add_option("-o,--output", doc_download.output_file, "file to write (default: stdout)");
    c->add_flag("--resume", doc_download.resume, "continue a partial FILE from its size")->needs(out);
    c->callback([&] { run = [&](Client& cl) { return DocDownload(cl, output, doc_download); }; });
  }

  // ----------------------------------------------------------- subscribe
  SubscribeOptions subscribe;
  {
    CLI::App* c = command(&app, "subscribe",
                          "follow every change you may see, resuming from the saved cursor (Ctrl-C to stop)");
    Repeated(c, "--process", subscribe.processes, "process id (repeat); default: all you may see");
    Repeated(c, "--kind", subscribe.kinds, "entity kind (repeat); default: all")
        ->check(CLI::IsMember({"process", "party", "membership", "chair_term", "focal_point", "meeting", "document"}));
    c->add_option("--cursor-file", subscribe.cursor_file, "where the cursor is kept (default: " +
                                                              DefaultStateDir() + "/cursor)");
    c->add_flag("--from-now", subscribe.from_now, "ignore the saved cursor and start from now");
    c->callback([&] { run = [&](Client& cl) { return Subscribe(cl, output, subscribe); }; });
  }

  // ------------------------------------------------------------ calendar
  CLI::App* calendar = group("calendar", "the iCalendar feed");
  std::vector<std::string> calendar_processes;
  std::string calendar_output;
  {
    CLI::App* c = command(calendar, "export", "write the iCalendar (RFC 5545) of the meetings you may see");
    Repeated(c, "--process", calendar_processes, "process id (repeat); default: all");
    c->add_option("-o,--output", calendar_output, "file to write (default: stdout)");
    c->callback([&] { run = [&](Client& cl) { return CalendarExport(cl, output, calendar_processes, calendar_output); }; });
  }
  {
    CLI::App* c = command(calendar, "url", "print the secret URL of your calendar feed (for calendar apps)");
    Repeated(c, "--process", calendar_processes, "process id (repeat); default: all");
    c->callback([&] { run = [&](Client& cl) { return CalendarUrl(cl, output, calendar_processes); }; });
  }

  // ----------------------------------------------------------------- key
  CLI::App* key = group("key", "API keys");
  KeyCreateOptions key_create;
  {
    CLI::App* c = command(key, "create", "issue an API key (shown once)");
    c->add_option("--party", key_create.party, "the party the holder acts for, e.g. IDN")->required();
    c->add_option("--expires-in", key_create.expires_in, "lifetime, e.g. 30d, 12h, 2w")
        ->required()
        ->check(DurationCheck());
    Repeated(c, "--process", key_create.processes, "limit to this process (repeat)");
    Repeated(c, "--role", key_create.roles, "limit to this role (repeat)")->check(EnumCheck<rcp::registry::v1::Role>());
    c->add_flag("--admin", key_create.admin, "manages the registry of the whole deployment");
    c->add_option("--display-name", key_create.display_name, "e.g. \"Bali Process secretariat, Jakarta\"");
    c->callback([&] { run = [&](Client& cl) { return KeyCreate(cl, output, key_create); }; });
  }
  std::string key_name;
  {
    CLI::App* c = command(key, "revoke", "revoke an API key");
    c->add_option("key", key_name, "apiKeys/{id} or {id}")->required();
    c->callback([&] { run = [&](Client& cl) { return KeyRevoke(cl, output, key_name); }; });
  }
  std::string key_party;
  bool key_revoked = false;
  {
    CLI::App* c = command(key, "list", "list API keys");
    c->add_option("--party", key_party, "only this party's keys");
    c->add_flag("--include-revoked", key_revoked, "also revoked keys");
    c->callback([&] { run = [&](Client& cl) { return KeyList(cl, output, key_party, key_revoked); }; });
  }

  // -------------------------------------------------------------- whoami
  command(&app, "whoami", "show your principal: party and rights per process")->callback([&] {
    run = [&](Client& c) { return WhoAmI(c, output); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!run) {
    std::cerr << app.help();
    return kExitUsage;
  }

  std::unique_ptr<Client> client;
  grpc::Status status = Client::Connect(connection, &client);
  if (status.ok()) status = run(*client);
  if (!status.ok()) {
    std::cout.flush();
    std::cerr << FormatError(status) << std::endl;
    return ExitCodeFor(status);
  }
  return kExitOk;
}
