// rcpctl key create|revoke|list: API keys.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_KEY_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_KEY_H_

#include <string>
#include <vector>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

struct KeyCreateOptions {
  std::string party;
  std::string expires_in;  // "30d", "12h", …
  std::vector<std::string> processes;
  std::vector<std::string> roles;  // secretariat|member|observer
  bool admin = false;
  std::string display_name;
};
// Prints the key (shown once) and a reminder on output.err to store it.
grpc::Status KeyCreate(Client& client, const Output& output, const KeyCreateOptions& options);
grpc::Status KeyRevoke(Client& client, const Output& output, const std::string& key);
grpc::Status KeyList(Client& client, const Output& output, const std::string& party, bool include_revoked);

void RegisterKeyCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_KEY_H_
