// What this deployment sends a peer: its share rules
// (rcp.registry.v1.FederationPeer.share_rules), read here and nowhere
// else, over the shape of each item (its kind, processes and visibility,
// from common/audience's one rule).
//
//   a process, its memberships      travel with any rule covering the
//   and chair terms                 process, whatever its kinds, so that the
//                                   peer judges mirrors by the same register
//   focal points (contact details)  a rule covering the process at MEMBERS
//                                   or above, naming focal_point or no kind
//   meetings, documents             a rule covering one of their processes,
//                                   naming their kind or no kind, whose
//                                   max_visibility reaches theirs
//   organisations                   any rule at all (they are public)
//
// Relayed items (other deployments') follow the same rules, and besides go
// only where their origin allowed: a MEMBERS or RESTRICTED envelope only to
// the deployments it names. API keys, peers and uploads never travel.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_SHARE_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_SHARE_H_

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <vector>

#include "common/audience/audience.h"
#include "common/resource/kinds.h"
#include "rcp/federation/v1/federation.pb.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::gateway::federation {

using FederationPeer = rcp::registry::v1::FederationPeer;

// The parts of an item the rules look at.
struct Shape {
  resource::Kind kind;
  audience::Audience audience;
};

// Whether items of `kind` travel at all.
bool Travels(resource::Kind kind);

// The shape of `item`, a message of `kind` as its service stores it;
// nullopt for kinds that never travel.
std::optional<Shape> ShapeOf(resource::Kind kind, const google::protobuf::Message& item);
// The same from a change record's or stored item's kind name and packed
// value; nullopt when it never travels or does not unpack.
std::optional<Shape> ShapeOf(absl::string_view kind, absl::string_view name, const google::protobuf::Any& value);

// Whether `peer`'s rules share an item of `shape` (see above). A disabled
// peer is shared nothing.
bool Shares(const FederationPeer& peer, const Shape& shape);

// The deployments an own item of `shape` may reach, named in its envelope:
// none for a PUBLIC item (it may travel anywhere), otherwise every enabled
// peer of `peers` whose rules share it, by deployment id, sorted.
std::vector<std::string> RecipientsOf(const std::vector<FederationPeer>& peers, const Shape& shape);

// Whether another origin's item, in `envelope`, may go on to `peer`: its
// origin named the peer (unless the item is PUBLIC) and this deployment's
// rules share it with the peer too. Never back to its origin.
bool MayRelay(const FederationPeer& peer, const Shape& shape, const rcp::federation::v1::Envelope& envelope);

// The peer's deployment id: "federationPeers/colombo-process.rcp" →
// "colombo-process.rcp".
std::string PeerId(const FederationPeer& peer);

// A digest of the peer's rules, carried in its Pull cursor: when the rules
// change, its next pull is a snapshot, which withdraws what left the share
// and sends what entered it.
std::string RulesFingerprint(const FederationPeer& peer);

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_SHARE_H_
