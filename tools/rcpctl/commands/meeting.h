// rcpctl meeting create|list|show|confirm|postpone|cancel: the meeting
// calendar.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_MEETING_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_MEETING_H_

#include <string>
#include <vector>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

struct MeetingCreateOptions {
  std::vector<std::string> processes;  // the first owns the meeting's name
  std::string id;                      // optional slug
  std::string title;
  std::string kind;        // e.g. "senior-officials-meeting"
  std::string start, end;  // RFC 3339 (timed meetings)
  std::string time_zone;   // IANA
  bool all_day = false;
  std::string start_date, end_date;  // YYYY-MM-DD (all-day meetings)
  std::string city, country;         // venue
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

void RegisterMeetingCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_MEETING_H_
