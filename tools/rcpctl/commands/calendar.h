// rcpctl calendar export|url: the iCalendar feed of the meetings the caller
// may see.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_CALENDAR_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_CALENDAR_H_

#include <string>
#include <vector>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

// output_file empty: the calendar goes to output.out.
grpc::Status CalendarExport(Client& client, const Output& output, const std::vector<std::string>& processes,
                            const std::string& output_file);
grpc::Status CalendarUrl(Client& client, const Output& output, const std::vector<std::string>& processes);

void RegisterCalendarCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_CALENDAR_H_
