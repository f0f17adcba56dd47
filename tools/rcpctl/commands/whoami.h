// rcpctl whoami: the caller's principal, its party and rights per process.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_WHOAMI_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_WHOAMI_H_

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

grpc::Status WhoAmI(Client& client, const Output& output);

void RegisterWhoAmICommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_WHOAMI_H_
