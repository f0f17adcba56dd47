#include "tools/rcpctl/commands/whoami.h"

namespace rcp::rcpctl {

namespace gateway = ::rcp::gateway::v1;
namespace registry = ::rcp::registry::v1;

grpc::Status WhoAmI(Client& client, const Output& o) {
  registry::Principal principal;
  RCPCTL_RETURN_IF_ERROR(client.Unary(
      [&](auto* c) { return client.gateway().WhoAmI(c, gateway::WhoAmIRequest(), &principal); }));
  if (o.json) return PrintJson(o, principal);
  PrincipalDetails(principal).Print(*o.out);
  if (principal.rights_size() > 0) {
    *o.out << "\n";
    RightsTable(principal).Print(*o.out);
  }
  return grpc::Status::OK;
}

void RegisterWhoAmICommands(Commands& commands) {
  commands.Add(commands.app(), "whoami", "show your principal: party and rights per process", WhoAmI);
}

}  // namespace rcp::rcpctl
