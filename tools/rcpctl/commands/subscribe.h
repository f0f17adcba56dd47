// rcpctl subscribe: follows every change the caller may see, from a cursor
// kept in a file, reconnecting after interruptions.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_SUBSCRIBE_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_SUBSCRIBE_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

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

void RegisterSubscribeCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_SUBSCRIBE_H_
