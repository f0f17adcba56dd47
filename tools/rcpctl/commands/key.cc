#include "tools/rcpctl/commands/key.h"

#include <memory>

#include "absl/time/clock.h"

namespace rcp::rcpctl {

namespace registry = ::rcp::registry::v1;

grpc::Status KeyCreate(Client& client, const Output& o, const KeyCreateOptions& options) {
  registry::CreateApiKeyRequest req;
  registry::ApiKey* key = req.mutable_api_key();
  key->set_party(PartyName(options.party));
  key->set_display_name(options.display_name);
  for (const auto& p : options.processes) key->add_processes(ProcessName(p));
  for (const auto& r : options.roles) {
    registry::Role role{};
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--role", r, ParseEnum<registry::Role>, &role));
    key->add_roles(role);
  }
  key->set_admin(options.admin);
  absl::Duration ttl;
  RCPCTL_RETURN_IF_ERROR(ParseFlag("--expires-in", options.expires_in, ParseDuration, &ttl));
  absl::Time expire = absl::Now() + ttl;
  key->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(expire));
  registry::CreateApiKeyResponse response;
  RCPCTL_RETURN_IF_ERROR(
      client.Unary([&](auto* c) { return client.registry().CreateApiKey(c, req, &response); }));
  if (o.json) {
    *o.out << ToJson(response, true);
  } else {
    ApiKeyDetails(response.api_key()).Print(*o.out);
    *o.out << "\nKey: " << response.key() << "\n";
  }
  *o.err << "rcpctl: store this key now: it is shown only once, and the registry keeps only a hash of it.\n"
         << std::flush;
  return grpc::Status::OK;
}

grpc::Status KeyRevoke(Client& client, const Output& o, const std::string& key) {
  registry::RevokeApiKeyRequest req;
  req.set_name(ApiKeyName(key));
  return CallAndPrint<registry::ApiKey>(
      client, o, [&](auto* c, auto* revoked) { return client.registry().RevokeApiKey(c, req, revoked); },
      ApiKeyDetails);
}

grpc::Status KeyList(Client& client, const Output& o, const std::string& party, bool include_revoked) {
  registry::ListApiKeysRequest req;
  if (!party.empty()) req.set_party(PartyName(party));
  req.set_include_revoked(include_revoked);
  return ListAndPrint<registry::ListApiKeysResponse>(
      client, o, req, [&](auto* c, auto& r, auto* p) { return client.registry().ListApiKeys(c, r, p); },
      [](const auto& all) { return ApiKeyTable(Vector(all.api_keys())); });
}

void RegisterKeyCommands(Commands& commands) {
  CLI::App* key = commands.AddGroup("key", "API keys");

  auto create = std::make_shared<KeyCreateOptions>();
  CLI::App* c = commands.Add(key, "create", "issue an API key (shown once)",
                             [create](Client& cl, const Output& o) { return KeyCreate(cl, o, *create); });
  c->add_option("--party", create->party, "the party the holder acts for, e.g. IDN")->required();
  c->add_option("--expires-in", create->expires_in, "lifetime, e.g. 30d, 12h, 2w")
      ->required()
      ->check(DurationCheck());
  Repeated(c, "--process", create->processes, "limit to this process (repeat)");
  Repeated(c, "--role", create->roles, "limit to this role (repeat)")->check(EnumCheck<registry::Role>());
  c->add_flag("--admin", create->admin,
              "administers the registry: the whole deployment's, or only that of the --process limits");
  c->add_option("--display-name", create->display_name, "e.g. \"Bali Process secretariat, Jakarta\"");

  commands.AddOnName(key, "revoke", "revoke an API key", "key", "apiKeys/{id} or {id}", KeyRevoke);

  auto party = std::make_shared<std::string>();
  auto revoked = std::make_shared<bool>(false);
  CLI::App* l = commands.Add(key, "list", "list API keys", [party, revoked](Client& cl, const Output& o) {
    return KeyList(cl, o, *party, *revoked);
  });
  l->add_option("--party", *party, "only this party's keys");
  l->add_flag("--include-revoked", *revoked, "also revoked keys");
}

}  // namespace rcp::rcpctl
