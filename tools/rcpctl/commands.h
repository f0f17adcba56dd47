// The rcpctl commands, one function each, independent of the command line:
// main.cc parses flags into these option structs and calls them. Each
// returns the gRPC status of the command; main prints FormatError(status)
// and exits with ExitCodeFor(status).
//
// Flag values arrive as text; they are parsed here (main also validates them
// while parsing the command line, so these errors are a second line).
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tools/rcpctl/client.h"

namespace rcp::rcpctl {

struct Output {
  std::ostream* out = nullptr;  // results (tables, details, JSON, content)
  std::ostream* err = nullptr;  // notices, warnings, progress bars
  bool json = false;            // JSON on `out` instead of tables
  bool progress = false;        // progress bars on `err` (a terminal)
};

// ---------------------------------------------------------------- registry

grpc::Status ProcessList(Client& client, const Output& output);
// "bali-process" or "processes/bali-process".
grpc::Status ProcessShow(Client& client, const Output& output, const std::string& process);
// type: "", "state" or "organization".
grpc::Status PartyList(Client& client, const Output& output, const std::string& type);

struct MemberListOptions {
  std::string process;  // empty: every process ("processes/-")
  std::string party;    // "IDN" or "parties/IDN"
  bool current = false;
};
grpc::Status MemberList(Client& client, const Output& output, const MemberListOptions& options);

// ------------------------------------------------------------------ events

struct MeetingCreateOptions {
  std::vector<std::string> processes;  // the first owns the meeting's name
  std::string id;                      // optional slug
  std::string title;
  std::string kind;                    // e.g. "senior-officials-meeting"
  std::string start, end;              // RFC 3339 (timed meetings)
  std::string time_zone;               // IANA
  bool all_day = false;
  std::string start_date, end_date;    // YYYY-MM-DD (all-day meetings)
  std::string city, country;           // venue
  std::string visibility = "members";
  std::vector<std::string> restricted_parties;
  std::string description;
};
grpc::Status MeetingCreate(Client& client, const Output& output, const MeetingCreateOptions& options);

struct MeetingListOptions {
  std::vector<std::string> processes;
  std::string from, to;  // RFC 3339; meetings overlapping [from, to)
  std::vector<std::string> statuses;
};
// Pages through every match.
grpc::Status MeetingList(Client& client, const Output& output, const MeetingListOptions& options);
grpc::Status MeetingShow(Client& client, const Output& output, const std::string& meeting);
grpc::Status MeetingConfirm(Client& client, const Output& output, const std::string& meeting);

struct MeetingPostponeOptions {
  std::string meeting;
  std::string start, end;            // new times; all empty: dates to be announced
  std::string start_date, end_date;  // new dates of an all-day meeting
  std::string reason;
};
grpc::Status MeetingPostpone(Client& client, const Output& output, const MeetingPostponeOptions& options);
grpc::Status MeetingCancel(Client& client, const Output& output, const std::string& meeting,
                           const std::string& reason);

// --------------------------------------------------------------- documents

struct DocCreateOptions {
  std::string process;
  std::string id;  // optional slug
  std::string symbol;
  std::string title;
  std::string kind;  // e.g. "plan-of-action"
  std::string meeting;
  std::string visibility = "members";
  std::vector<std::string> restricted_parties;
  std::vector<std::string> tags;
};
grpc::Status DocCreate(Client& client, const Output& output, const DocCreateOptions& options);

struct DocListOptions {
  std::string process;  // empty: every process
  std::string language;
  std::string kind;
  std::string tag;
  std::string meeting;
};
grpc::Status DocList(Client& client, const Output& output, const DocListOptions& options);
grpc::Status DocShow(Client& client, const Output& output, const std::string& document);

struct DocUploadOptions {
  std::string document;
  std::string file;
  std::string language;
  std::string media_type;  // empty: from the file name
  std::string state_dir;   // empty: DefaultStateDir()
};
grpc::Status DocUpload(Client& client, const Output& output, const DocUploadOptions& options);

struct DocDownloadOptions {
  std::string document;
  std::string language;
  int64_t version = 0;
  std::string output_file;  // empty: the content goes to output.out
  bool resume = false;
};
grpc::Status DocDownload(Client& client, const Output& output, const DocDownloadOptions& options);

// ------------------------------------------------------------------ gateway

struct SubscribeOptions {
  std::vector<std::string> processes;
  std::vector<std::string> kinds;
  std::string cursor_file;  // empty: <DefaultStateDir()>/cursor
  bool from_now = false;    // ignore the saved cursor
  // Reconnects after UNAVAILABLE (or a stream the server ended) before
  // giving up; < 0: forever.
  int max_reconnects = -1;
  std::chrono::milliseconds initial_backoff = std::chrono::seconds(1);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(30);
  // Checked after each message; true ends the command with OK (tests).
  std::function<bool()> stop;
};
// Runs until stopped, killed, or an error that reconnecting cannot fix.
// FAILED_PRECONDITION (resync required) comes back with a message saying
// what to do.
grpc::Status Subscribe(Client& client, const Output& output, const SubscribeOptions& options);

grpc::Status CalendarExport(Client& client, const Output& output, const std::vector<std::string>& processes,
                            const std::string& output_file);
grpc::Status CalendarUrl(Client& client, const Output& output, const std::vector<std::string>& processes);

struct KeyCreateOptions {
  std::string party;
  std::string expires_in;  // "30d", "12h", …
  std::vector<std::string> processes;
  std::vector<std::string> roles;  // secretariat|member|observer
  bool admin = false;
  std::string display_name;
};
grpc::Status KeyCreate(Client& client, const Output& output, const KeyCreateOptions& options);
grpc::Status KeyRevoke(Client& client, const Output& output, const std::string& key);
grpc::Status KeyList(Client& client, const Output& output, const std::string& party, bool include_revoked);

grpc::Status WhoAmI(Client& client, const Output& output);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_H_
