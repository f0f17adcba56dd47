// rcpctl member list: the memberships of parties in processes.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_MEMBER_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_MEMBER_H_

#include <string>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

struct MemberListOptions {
  std::string process;  // empty: every process ("processes/-")
  std::string party;    // "IDN" or "parties/IDN"
  bool current = false;
};
grpc::Status MemberList(Client& client, const Output& output, const MemberListOptions& options);

void RegisterMemberCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_MEMBER_H_
