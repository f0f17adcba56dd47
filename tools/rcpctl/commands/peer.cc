#include "tools/rcpctl/commands/peer.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace rcp::rcpctl {

namespace registry = ::rcp::registry::v1;
namespace federation = ::rcp::federation::v1;

namespace {

std::string PeerName(const std::string& id_or_name) {
  return absl::StartsWith(id_or_name, "federationPeers/") ? id_or_name : "federationPeers/" + id_or_name;
}

// The status of `peer` among `all`; an empty one when it was never pulled.
federation::PeerStatus StatusOf(const federation::ListPeerStatusesResponse& all, const std::string& peer) {
  for (const auto& s : all.peers()) {
    if (s.peer() == peer) return s;
  }
  return federation::PeerStatus();
}

grpc::Status Statuses(Client& client, federation::ListPeerStatusesResponse* out) {
  return client.Unary([&](auto* c) {
    return client.federation_admin().ListPeerStatuses(c, federation::ListPeerStatusesRequest(), out);
  });
}

}  // namespace

grpc::Status ParseShareRule(const std::string& text, registry::ShareRule* rule) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('=', 1));
  std::string process = parts[0];
  if (process.empty()) return Invalid("--share: name a process, e.g. --share colombo-process=members");
  rule->set_process(process == "*" ? "processes/-" : ProcessName(process));
  rule->set_max_visibility(rcp::common::v1::PUBLIC);
  if (parts.size() == 2) {
    std::vector<std::string> vis_kinds = absl::StrSplit(parts[1], absl::MaxSplits(':', 1));
    rcp::common::v1::Visibility visibility{};
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--share", vis_kinds[0], ParseEnum<rcp::common::v1::Visibility>, &visibility));
    rule->set_max_visibility(visibility);
    if (vis_kinds.size() == 2) {
      for (absl::string_view kind : absl::StrSplit(vis_kinds[1], ',', absl::SkipEmpty())) {
        rule->add_kinds(std::string(absl::StripAsciiWhitespace(kind)));
      }
    }
  }
  return grpc::Status::OK;
}

grpc::Status PeerAdd(Client& client, const Output& o, const std::string& peer, const PeerOptions& options) {
  registry::CreateFederationPeerRequest req;
  req.set_peer_id(std::string(absl::StripPrefix(peer, "federationPeers/")));
  registry::FederationPeer* p = req.mutable_federation_peer();
  p->set_address(options.address);
  p->set_display_name(options.display_name);
  p->set_credential_fingerprint(options.fingerprint);
  p->set_enabled(!options.disabled);
  p->set_send_only(options.send_only);
  for (const auto& h : options.homes) p->add_home_processes(ProcessName(h));
  for (const auto& r : options.relays) p->add_relay_processes(ProcessName(r));
  for (const auto& s : options.shares) RCPCTL_RETURN_IF_ERROR(ParseShareRule(s, p->add_share_rules()));
  return CallAndPrint<registry::FederationPeer>(
      client, o, [&](auto* c, auto* out) { return client.registry().CreateFederationPeer(c, req, out); },
      [](const auto& created) { return PeerDetails(created, federation::PeerStatus()); });
}

grpc::Status PeerList(Client& client, const Output& o) {
  registry::ListFederationPeersResponse peers;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, registry::ListFederationPeersRequest(), &peers,
                                 [&](auto* c, auto& r, auto* p) { return client.registry().ListFederationPeers(c, r, p); }));
  federation::ListPeerStatusesResponse statuses;
  RCPCTL_RETURN_IF_ERROR(Statuses(client, &statuses));
  if (o.json) return PrintJson(o, peers);
  PeerTable(Vector(peers.federation_peers()), Vector(statuses.peers())).Print(*o.out);
  return grpc::Status::OK;
}

grpc::Status PeerShow(Client& client, const Output& o, const std::string& peer) {
  registry::GetFederationPeerRequest req;
  req.set_name(PeerName(peer));
  registry::FederationPeer p;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.registry().GetFederationPeer(c, req, &p); }));
  federation::ListPeerStatusesResponse statuses;
  RCPCTL_RETURN_IF_ERROR(Statuses(client, &statuses));
  federation::PeerStatus status = StatusOf(statuses, p.name());
  if (o.json) {
    RCPCTL_RETURN_IF_ERROR(PrintJson(o, p));
    return PrintJson(o, status);
  }
  PeerDetails(p, status).Print(*o.out);
  if (status.origins_size() > 0) {
    *o.out << "\n";
    OriginTable(status).Print(*o.out);
  }
  return grpc::Status::OK;
}

grpc::Status PeerShare(Client& client, const Output& o, const std::string& peer, const std::vector<std::string>& shares) {
  registry::UpdateFederationPeerRequest req;
  req.mutable_federation_peer()->set_name(PeerName(peer));
  for (const auto& s : shares) RCPCTL_RETURN_IF_ERROR(ParseShareRule(s, req.mutable_federation_peer()->add_share_rules()));
  req.mutable_update_mask()->add_paths("share_rules");
  return CallAndPrint<registry::FederationPeer>(
      client, o, [&](auto* c, auto* out) { return client.registry().UpdateFederationPeer(c, req, out); },
      [](const auto& updated) { return PeerDetails(updated, federation::PeerStatus()); });
}

grpc::Status PeerRemove(Client& client, const Output& o, const std::string& peer) {
  registry::DeleteFederationPeerRequest req;
  req.set_name(PeerName(peer));
  registry::DeleteResponse resp;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.registry().DeleteFederationPeer(c, req, &resp); }));
  if (o.json) return PrintJson(o, resp);
  *o.out << "Removed " << req.name() << ": nothing is shared with it any more, and what it gave goes.\n";
  return grpc::Status::OK;
}

void RegisterPeerCommands(Commands& commands) {
  CLI::App* group = commands.AddGroup("peer", "the deployments this one federates with (administrators only)");
  const std::string share_help =
      "what is shared with it, PROCESS[=VISIBILITY[:KIND,...]]: e.g. colombo-process=members or "
      "'*=public:meeting,document' (repeatable; visibility public, members or restricted; default public)";

  auto add = std::make_shared<PeerOptions>();
  CLI::App* add_cmd = commands.AddOnName(
      group, "add", "add a peer: where to pull from, what it is the home of, what to share with it", "peer",
      "its deployment id, e.g. colombo-process.rcp",
      [add](Client& c, const Output& o, const std::string& peer) { return PeerAdd(c, o, peer, *add); });
  add_cmd->add_option("--address", add->address, "host:port of its peer endpoint (omit for keys only)");
  add_cmd->add_option("--display-name", add->display_name, "e.g. 'Colombo Process secretariat'");
  add_cmd->add_option("--fingerprint", add->fingerprint, "SHA-256 (hex) of its certificate, pinned");
  Repeated(add_cmd, "--home", add->homes, "a process it is the home of (repeatable)");
  Repeated(add_cmd, "--relay", add->relays, "a process of another home to take from it (repeatable)");
  Repeated(add_cmd, "--share", add->shares, share_help);
  add_cmd->add_flag("--disabled", add->disabled, "add it without pulling from it or sharing with it yet");
  add_cmd->add_flag("--send-only", add->send_only,
                    "share with it (it pulls from here) without pulling from it");

  commands.Add(group, "list", "list the peers and how replication from each stands", PeerList);
  commands.AddOnName(group, "show", "show a peer, its share rules and its status", "peer",
                     "deployment id or federationPeers/<id>", PeerShow);

  auto shares = std::make_shared<std::vector<std::string>>();
  CLI::App* share_cmd = commands.AddOnName(
      group, "share",
      "replace what is shared with a peer (narrowing withdraws what it may no longer hold; none: nothing)", "peer",
      "deployment id or federationPeers/<id>",
      [shares](Client& c, const Output& o, const std::string& peer) { return PeerShare(c, o, peer, *shares); });
  Repeated(share_cmd, "--share", *shares, share_help);

  commands.AddOnName(group, "remove", "remove a peer: nothing is shared with it, and its mirrors here go", "peer",
                     "deployment id or federationPeers/<id>", PeerRemove);
}

}  // namespace rcp::rcpctl
