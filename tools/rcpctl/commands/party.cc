#include "tools/rcpctl/commands/party.h"

#include <memory>

namespace rcp::rcpctl {

namespace registry = ::rcp::registry::v1;

grpc::Status PartyList(Client& client, const Output& o, const std::string& type) {
  registry::ListPartiesRequest req;
  if (!type.empty()) {
    registry::Party::Type t{};
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--type", type, ParseEnum<registry::Party::Type>, &t));
    req.set_type(t);
  }
  return ListAndPrint<registry::ListPartiesResponse>(
      client, o, req, [&](auto* c, auto& r, auto* p) { return client.registry().ListParties(c, r, p); },
      [](const auto& all) { return PartyTable(Vector(all.parties())); });
}

void RegisterPartyCommands(Commands& commands) {
  CLI::App* party = commands.AddGroup("party", "states and organizations");
  auto type = std::make_shared<std::string>();
  commands
      .Add(party, "list", "list the parties",
           [type](Client& c, const Output& o) { return PartyList(c, o, *type); })
      ->add_option("--type", *type, "state or organization")
      ->check(EnumCheck<registry::Party::Type>());
}

}  // namespace rcp::rcpctl
