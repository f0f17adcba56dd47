// rcpctl process list|show: the Regional Consultative Processes.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_PROCESS_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_PROCESS_H_

#include <string>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

grpc::Status ProcessList(Client& client, const Output& output);
// "bali-process" or "processes/bali-process".
grpc::Status ProcessShow(Client& client, const Output& output, const std::string& process);

void RegisterProcessCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_PROCESS_H_
