#include "tools/rcpctl/commands/member.h"

#include <memory>

namespace rcp::rcpctl {

namespace registry = ::rcp::registry::v1;

grpc::Status MemberList(Client& client, const Output& o, const MemberListOptions& options) {
  registry::ListMembershipsRequest req;
  req.set_parent(options.process.empty() ? "processes/-" : ProcessName(options.process));
  if (!options.party.empty()) req.set_party(PartyName(options.party));
  req.set_current_only(options.current);
  return ListAndPrint<registry::ListMembershipsResponse>(
      client, o, req, [&](auto* c, auto& r, auto* p) { return client.registry().ListMemberships(c, r, p); },
      [](const auto& all) { return MembershipTable(Vector(all.memberships())); });
}

void RegisterMemberCommands(Commands& commands) {
  CLI::App* member = commands.AddGroup("member", "memberships of parties in processes");
  auto list = std::make_shared<MemberListOptions>();
  CLI::App* c = commands.Add(member, "list", "list memberships (of every process unless --process)",
                             [list](Client& cl, const Output& o) { return MemberList(cl, o, *list); });
  c->add_option("--process", list->process, "process id or name");
  c->add_option("--party", list->party, "party code, e.g. IDN or iom");
  c->add_flag("--current", list->current, "only memberships that cover today");
}

}  // namespace rcp::rcpctl
