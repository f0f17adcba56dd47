// Whose signature an envelope carries, and whether to believe it. An
// origin's keys are trusted only when pinned by an administrator (its
// peer entry's pinned_keys) or fetched from the origin itself, over its
// peer endpoint (mTLS: its certificate names it), never because a relay
// passed them on. Fetched keys must form a chain (each new key signed by its
// predecessor) and name the origin.
//
// An envelope is refused when its key is unknown (after fetching the
// origin's keys once more), revoked, or retired before the envelope's
// revision (a retired key signs nothing after the positions it published),
// and when its signature does not verify.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_TRUST_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_TRUST_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/concurrency/thread_pool.h"
#include "common/time/clock.h"
#include "services/gateway/federation/peers.h"
#include "services/gateway/federation/signing.h"

namespace rcp::gateway::federation {

// What Trust finds of an envelope: whether to believe it, and whether it is
// signed with its origin's current key (only such a re-sign, after a
// rotation, replaces the envelope a mirror holds).
struct SignatureVerdict {
  absl::Status status;
  bool current_key = false;
};

// Thread-safe.
class Trust {
 public:
  // None is owned.
  Trust(PeerDirectory* peers, PeerChannels* channels, Clock* clock);

  // status OK when `envelope` is its origin's, by the rules above;
  // otherwise the error names the field and why (VerifyEnvelope's statuses).
  SignatureVerdict Verify(const fv1::Envelope& envelope);
  // Verify of each, in order. Ed25519 verification is what bounds a
  // catch-up (about 10,000 a second per core), so the checks run on every
  // core while the caller waits.
  std::vector<SignatureVerdict> VerifyEach(const std::vector<const fv1::Envelope*>& envelopes);

  // The keys of `origin` as trusted now: pinned, or fetched (again when
  // `refetch`, at most every few seconds).
  absl::StatusOr<fv1::ServerKeys> KeysOf(const std::string& origin, bool refetch);

 private:
  absl::StatusOr<fv1::ServerKeys> Fetch(const FederationPeer& origin);

  PeerDirectory* peers_;
  PeerChannels* channels_;
  Clock* clock_;
  absl::Mutex mu_;
  struct Known {
    fv1::ServerKeys keys;
    absl::Time fetched;
  };
  std::map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ThreadPool> verifiers_;
};

// The signed_through check alone: UNAUTHENTICATED when `key` is retired and
// `envelope` is of a later revision of its store than the key signed.
absl::Status CheckWithinKeyLife(const fv1::ServerKey& key, const fv1::Envelope& envelope);

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_TRUST_H_
