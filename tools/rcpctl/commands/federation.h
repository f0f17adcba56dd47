// rcpctl federation: this deployment's identity among the secretariats'
// deployments — its signing keys, and their rotation.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_FEDERATION_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_FEDERATION_H_

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

grpc::Status FederationKeys(Client& client, const Output& output);
grpc::Status FederationRotateKey(Client& client, const Output& output, bool revoke);

void RegisterFederationCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_FEDERATION_H_
