#include "tools/rcpctl/commands/federation.h"

#include <memory>

namespace rcp::rcpctl {

namespace federation = ::rcp::federation::v1;

namespace {
grpc::Status PrintKeys(const Output& o, const federation::ServerKeys& keys) {
  if (o.json) return PrintJson(o, keys);
  *o.out << "Deployment: " << keys.deployment_id() << "\n\n";
  ServerKeyTable(keys).Print(*o.out);
  return grpc::Status::OK;
}
}  // namespace

grpc::Status FederationKeys(Client& client, const Output& o) {
  federation::ServerKeys keys;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) {
    return client.federation().GetServerKeys(c, federation::GetServerKeysRequest(), &keys);
  }));
  return PrintKeys(o, keys);
}

grpc::Status FederationRotateKey(Client& client, const Output& o, bool revoke) {
  federation::RotateKeyRequest req;
  req.set_revoke(revoke);
  federation::ServerKeys keys;
  RCPCTL_RETURN_IF_ERROR(
      client.Unary([&](auto* c) { return client.federation_admin().RotateKey(c, req, &keys); }));
  return PrintKeys(o, keys);
}

void RegisterFederationCommands(Commands& commands) {
  CLI::App* group = commands.AddGroup("federation", "this deployment among the secretariats' deployments");
  commands.Add(group, "keys", "show this deployment's signing keys (current and retired)", FederationKeys);
  auto revoke = std::make_shared<bool>(false);
  CLI::App* rotate = commands.Add(
      group, "rotate-key",
      "make a new signing key; the old one stops signing and keeps verifying what it signed (admins only)",
      [revoke](Client& c, const Output& o) { return FederationRotateKey(c, o, *revoke); });
  rotate->add_flag(
      "--revoke", *revoke,
      "the old key is compromised: nothing it signed verifies any more, and it vouches for nothing");
}

}  // namespace rcp::rcpctl
