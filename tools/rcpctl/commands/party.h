// rcpctl party list: the states and organizations.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_PARTY_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_PARTY_H_

#include <string>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

// type: "", "state" or "organization".
grpc::Status PartyList(Client& client, const Output& output, const std::string& type);

void RegisterPartyCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_PARTY_H_
