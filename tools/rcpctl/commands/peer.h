// rcpctl peer: the deployments this one federates with (administrators
// only) — what is shared with each, which processes each is the home of,
// which it relays, and how replication from each stands.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_PEER_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_PEER_H_

#include <string>
#include <vector>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

struct PeerOptions {
  std::string address;
  std::string display_name;
  std::string fingerprint;
  std::vector<std::string> homes;   // processes it is the home of
  std::vector<std::string> relays;  // processes of other homes taken from it
  // PROCESS[=VISIBILITY[:KIND,…]]: what is shared with it.
  std::vector<std::string> shares;
  bool disabled = false;
  bool send_only = false;
};

// "colombo-process=members:meeting,document" → the rule; "*" is every
// process; the visibility defaults to public. INVALID_ARGUMENT naming
// --share otherwise.
grpc::Status ParseShareRule(const std::string& text, rcp::registry::v1::ShareRule* rule);

grpc::Status PeerAdd(Client& client, const Output& output, const std::string& peer, const PeerOptions& options);
grpc::Status PeerList(Client& client, const Output& output);
grpc::Status PeerShow(Client& client, const Output& output, const std::string& peer);
// Replaces what is shared with the peer by `shares` (none: nothing).
grpc::Status PeerShare(Client& client, const Output& output, const std::string& peer,
                       const std::vector<std::string>& shares);
grpc::Status PeerRemove(Client& client, const Output& output, const std::string& peer);

void RegisterPeerCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_PEER_H_
