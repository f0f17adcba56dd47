// What becomes of an entry a source sends: applied as a mirror, dropped
// (it is not for this deployment to keep), or refused (it must not be
// applied, and replication from that source stalls there until the cause
// is fixed: the checkpoint never passes it). In order:
//
//   its origin is this deployment             dropped: no loops
//   its signature does not verify             refused (trust.h)
//   its payload is not what it says           refused
//   its source is not taken that process      dropped: not taken from there
//   from (its homes and relays)
//   its process's pinned home is not its      refused
//   origin
//   MEMBERS or RESTRICTED, and its origin     refused: the relay overstepped
//   did not name this deployment              its origin's share
//   events or documents that depend on more   refused: the source broke the
//   of its origin's registry than the source  order it owes
//   has sent (registry_heads)
//   a state, or an organisation on the        dropped: the same party here
//   shared list
//
// Organisations of other deployments that are not on the shared list are
// renamed "parties/{slug}@{origin}" wherever an item names them, so that a
// Colombo "ngo-x" is never a local "ngo-x". The envelope is kept as it came.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_INBOUND_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_INBOUND_H_

#include <google/protobuf/message.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/resource/kinds.h"
#include "rcp/federation/v1/federation.pb.h"
#include "rcp/federation/v1/replica.pb.h"
#include "services/gateway/federation/peers.h"
#include "services/gateway/federation/trust.h"

namespace rcp::gateway::federation {

struct Admission {
  enum class Verdict { kApply, kDrop, kRefuse };
  Verdict verdict = Verdict::kDrop;
  // kApply: the service that keeps it, and what it applies.
  resource::Service service = resource::Service::kRegistry;
  fv1::MirrorItem mirror;
  // A head (kApply): kept by the registry for relays, not applied as an
  // item; its envelope is mirror.envelope, and what it says counts for
  // registry_heads and the origin's status.
  bool head = false;
  uint64_t head_registry = 0;
  google::protobuf::Timestamp head_time;
  google::protobuf::RepeatedPtrField<fv1::StorePosition> head_positions;
  // kDrop, kRefuse: why.
  absl::Status why;
};

// A withdrawal, as it applies here.
struct WithdrawalAdmission {
  bool apply = false;
  resource::Service service = resource::Service::kRegistry;
  fv1::Withdrawal withdrawal;
};

// The organisations on this deployment's shared list (Party.shared_identity),
// read from the registry at most every `refresh`. Thread-safe.
class SharedParties {
 public:
  SharedParties(upstream::Upstream* upstream, Clock* clock, absl::Duration refresh);
  std::set<std::string> Names();

 private:
  upstream::Upstream* upstream_;
  Clock* clock_;
  const absl::Duration refresh_;
  absl::Mutex mu_;
  std::set<std::string> names_ ABSL_GUARDED_BY(mu_);
  absl::Time read_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Renames, in `value` (any message), every party an item names (fields
// party, parties, *_party, *_parties, secretariat_host, and `name` of a
// party) that is another deployment's organisation: "parties/x" of
// `origin` becomes "parties/x@origin" unless it is a state, already
// qualified, or among `shared`; "parties/x@self" becomes "parties/x".
void RenameParties(google::protobuf::Message* value, absl::string_view origin, absl::string_view self,
                   const std::set<std::string>& shared);
// The same for one party name.
std::string RenameParty(absl::string_view party, absl::string_view origin, absl::string_view self,
                        const std::set<std::string>& shared);

// Thread-safe.
class Inbound {
 public:
  // None is owned.
  Inbound(PeerDirectory* peers, Trust* trust, SharedParties* shared);

  // Per entry of `response`, Trust::Verify's verdict on its envelope (OK
  // for a withdrawal, and for an envelope of this deployment's own, which
  // Admit drops): the checks run together, on every core.
  std::vector<SignatureVerdict> VerifyEnvelopes(const fv1::PullResponse& response);
  // `verified`: the envelope's verdict from VerifyEnvelopes. `registry_heads`: per
  // origin, the registry revision the source has sent of it (heads seen so
  // far, this entry's predecessors included).
  Admission Admit(const FederationPeer& source, const fv1::Envelope& envelope, const SignatureVerdict& verified,
                  const std::map<std::string, uint64_t>& registry_heads);
  WithdrawalAdmission AdmitWithdrawal(const FederationPeer& source, const fv1::Withdrawal& withdrawal);

 private:
  Admission AdmitHead(const fv1::Envelope& envelope);

  PeerDirectory* peers_;
  Trust* trust_;
  SharedParties* shared_;
};

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_INBOUND_H_
