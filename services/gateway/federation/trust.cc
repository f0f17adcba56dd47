#include "services/gateway/federation/trust.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/status/status.h"
#include "rcp/federation/v1/federation.grpc.pb.h"

namespace rcp::gateway::federation {
namespace {
// An origin's keys are fetched again on an unknown key id at most this
// often: a flood of envelopes with made-up ids costs it one fetch.
constexpr absl::Duration kRefetchInterval = absl::Seconds(5);
constexpr absl::Duration kFetchDeadline = absl::Seconds(10);
}  // namespace

absl::Status CheckWithinKeyLife(const fv1::ServerKey& key, const fv1::Envelope& envelope) {
  for (const auto& p : key.signed_through()) {
    if (p.store() != envelope.store()) continue;
    bool later = envelope.epoch() != p.epoch() && envelope.store() != "head" ? envelope.epoch() > p.epoch()
                                                                             : envelope.revision() > p.revision();
    if (later) {
      return absl::UnauthenticatedError(absl::StrCat("key_id: ", key.key_id(), " of ", envelope.origin(),
                                                     " was retired at revision ", p.revision(), " of its ",
                                                     p.store(), " store and signs nothing after it"));
    }
  }
  return absl::OkStatus();
}

Trust::Trust(PeerDirectory* peers, PeerChannels* channels, Clock* clock)
    : peers_(peers),
      channels_(channels),
      clock_(clock),
      // The caller's thread takes a share too.
      verifiers_(std::make_unique<ThreadPool>(std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1))) {}

absl::StatusOr<fv1::ServerKeys> Trust::Fetch(const FederationPeer& origin) {
  RCP_ASSIGN_OR_RETURN(auto channel, channels_->ChannelTo(origin));
  auto stub = fv1::Federation::NewStub(channel);
  grpc::ClientContext context;
  channels_->Prepare(&context, kFetchDeadline);
  fv1::ServerKeys keys;
  grpc::Status s = stub->GetServerKeys(&context, fv1::GetServerKeysRequest(), &keys);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot fetch the keys of ", PeerId(origin), " from ",
                                               origin.address(), ": ", s.error_message()));
  }
  if (keys.deployment_id() != PeerId(origin)) {
    return absl::UnauthenticatedError(absl::StrCat("the keys fetched from ", origin.address(), " are ",
                                                   keys.deployment_id(), "'s, not ", PeerId(origin), "'s"));
  }
  RCP_RETURN_IF_ERROR(VerifyKeyChain(keys));
  return keys;
}

absl::StatusOr<fv1::ServerKeys> Trust::KeysOf(const std::string& origin, bool refetch) {
  std::optional<FederationPeer> peer = peers_->Find(origin);
  if (!peer.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "origin: ", origin, " is no deployment known here: add it as a peer (with its address, or its keys pinned)"));
  }
  if (peer->pinned_keys_size() > 0) {
    fv1::ServerKeys pinned;
    pinned.set_deployment_id(origin);
    for (const auto& k : peer->pinned_keys()) *pinned.add_keys() = k;
    return pinned;
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = known_.find(origin);
    if (it != known_.end() && (!refetch || clock_->Now() - it->second.fetched < kRefetchInterval)) {
      return it->second.keys;
    }
  }
  RCP_ASSIGN_OR_RETURN(fv1::ServerKeys keys, Fetch(*peer));
  absl::MutexLock lock(&mu_);
  known_[origin] = Known{keys, clock_->Now()};
  return keys;
}

SignatureVerdict Trust::Verify(const fv1::Envelope& envelope) {
  if (envelope.origin().empty()) return {InvalidField("origin", "is required")};
  absl::Status verified;
  for (bool refetch : {false, true}) {
    absl::StatusOr<fv1::ServerKeys> keys = KeysOf(envelope.origin(), refetch);
    if (!keys.ok()) return {keys.status()};
    verified = VerifyEnvelope(*keys, envelope);
    if (verified.ok()) {
      for (int i = 0; i < keys->keys_size(); ++i) {
        const fv1::ServerKey& k = keys->keys(i);
        // The published keys list the current one first.
        if (k.key_id() == envelope.key_id()) return {CheckWithinKeyLife(k, envelope), i == 0};
      }
    }
    // Only an unknown key is worth asking the origin about again (it may
    // have rotated since its keys were fetched).
    if (!absl::IsNotFound(verified)) return {verified};
  }
  return {verified};
}

std::vector<SignatureVerdict> Trust::VerifyEach(const std::vector<const fv1::Envelope*>& envelopes) {
  std::vector<SignatureVerdict> verdicts(envelopes.size());
  size_t shares = std::min(envelopes.size(), static_cast<size_t>(verifiers_->size()) + 1);
  if (shares == 0) return verdicts;
  auto verify_share = [&](size_t share) {
    for (size_t i = share; i < envelopes.size(); i += shares) verdicts[i] = Verify(*envelopes[i]);
  };
  absl::BlockingCounter others(static_cast<int>(shares - 1));
  for (size_t share = 1; share < shares; ++share) {
    verifiers_->Schedule([&, share] {
      verify_share(share);
      others.DecrementCount();
    });
  }
  verify_share(0);
  others.Wait();
  return verdicts;
}

}  // namespace rcp::gateway::federation
