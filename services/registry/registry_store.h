// The registry's domain logic and persistence: processes, parties,
// memberships, chair terms, focal points, API keys, federation peers and the
// federation keyring over one storage::Store. No gRPC here: the service
// adapts these calls, tests and the seed loader call them directly.
//
// Every method validates its whole request before writing anything; bad
// input is INVALID_ARGUMENT naming the field and the rule, a missing
// resource NOT_FOUND naming it, a stale etag ABORTED, a duplicate id
// ALREADY_EXISTS. Creates are idempotent by request_id.
#ifndef RCP_SERVICES_REGISTRY_REGISTRY_STORE_H_
#define RCP_SERVICES_REGISTRY_REGISTRY_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/audience/audience.h"
#include "common/mirror/mirror_store.h"
#include "common/storage/store.h"
#include "rcp/registry/v1/registry.pb.h"
#include "services/registry/registry_options.h"

namespace rcp::registry {

// Lists keep only what `viewer` may see (audience::MaySee; API keys: those
// it may manage) before paging, so a page is full whenever more such items
// exist and carries a token only then. nullptr (an internal caller, the
// seed) lists everything.
//
// Thread-safe.
class RegistryStore {
 public:
  static absl::StatusOr<std::unique_ptr<RegistryStore>> Open(const RegistryOptions& options);

  storage::Store* store() { return store_.get(); }
  // Federation mirrors of register entries and of other deployments' heads.
  mirror::MirrorStore* mirrors() { return &mirrors_; }

  using Ctx = storage::WriteContext;
  using Transaction = storage::Transaction;

  absl::StatusOr<v1::Process> CreateProcess(const Ctx& ctx, const v1::CreateProcessRequest& req);
  absl::StatusOr<v1::Process> GetProcess(const v1::GetProcessRequest& req);
  absl::StatusOr<v1::ListProcessesResponse> ListProcesses(const v1::ListProcessesRequest& req,
                                                          const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::Process> UpdateProcess(const Ctx& ctx, const v1::UpdateProcessRequest& req);

  absl::StatusOr<v1::Party> CreateParty(const Ctx& ctx, const v1::CreatePartyRequest& req);
  absl::StatusOr<v1::Party> GetParty(const v1::GetPartyRequest& req);
  absl::StatusOr<v1::ListPartiesResponse> ListParties(const v1::ListPartiesRequest& req,
                                                      const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::Party> UpdateParty(const Ctx& ctx, const v1::UpdatePartyRequest& req);

  absl::StatusOr<v1::Membership> CreateMembership(const Ctx& ctx, const v1::CreateMembershipRequest& req);
  absl::StatusOr<v1::Membership> GetMembership(const v1::GetMembershipRequest& req);
  absl::StatusOr<v1::ListMembershipsResponse> ListMemberships(const v1::ListMembershipsRequest& req,
                                                              const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::Membership> UpdateMembership(const Ctx& ctx, const v1::UpdateMembershipRequest& req);

  absl::StatusOr<v1::ChairTerm> CreateChairTerm(const Ctx& ctx, const v1::CreateChairTermRequest& req);
  absl::StatusOr<v1::ChairTerm> GetChairTerm(const v1::GetChairTermRequest& req);
  absl::StatusOr<v1::ListChairTermsResponse> ListChairTerms(const v1::ListChairTermsRequest& req,
                                                            const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::ChairTerm> UpdateChairTerm(const Ctx& ctx, const v1::UpdateChairTermRequest& req);

  absl::StatusOr<v1::FocalPoint> CreateFocalPoint(const Ctx& ctx, const v1::CreateFocalPointRequest& req);
  absl::StatusOr<v1::FocalPoint> GetFocalPoint(const v1::GetFocalPointRequest& req);
  absl::StatusOr<v1::ListFocalPointsResponse> ListFocalPoints(const v1::ListFocalPointsRequest& req,
                                                              const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::FocalPoint> UpdateFocalPoint(const Ctx& ctx, const v1::UpdateFocalPointRequest& req);
  absl::Status DeleteFocalPoint(const Ctx& ctx, const v1::DeleteFocalPointRequest& req);

  // The secret is in the response only. A retry with the same request_id is
  // ALREADY_EXISTS (the secret cannot be shown twice).
  absl::StatusOr<v1::CreateApiKeyResponse> CreateApiKey(const Ctx& ctx, const v1::CreateApiKeyRequest& req);
  absl::StatusOr<v1::ApiKey> GetApiKey(const v1::GetApiKeyRequest& req);
  absl::StatusOr<v1::ListApiKeysResponse> ListApiKeys(const v1::ListApiKeysRequest& req,
                                                      const audience::Viewer* viewer = nullptr);
  // Idempotent: revoking a revoked key returns it unchanged.
  absl::StatusOr<v1::ApiKey> RevokeApiKey(const Ctx& ctx, const v1::RevokeApiKeyRequest& req);
  // UNAUTHENTICATED for a malformed, unknown, wrong, expired or revoked key.
  absl::StatusOr<v1::Principal> Authenticate(const v1::AuthenticateRequest& req);
  // The principal of a key by name, without its secret (the gateway signs
  // calendar URLs itself): UNAUTHENTICATED when unknown, revoked or expired.
  absl::StatusOr<v1::Principal> ResolveApiKey(const v1::ResolveApiKeyRequest& req);

  absl::StatusOr<v1::FederationPeer> CreateFederationPeer(const Ctx& ctx,
                                                          const v1::CreateFederationPeerRequest& req);
  absl::StatusOr<v1::FederationPeer> GetFederationPeer(const v1::GetFederationPeerRequest& req);
  absl::StatusOr<v1::ListFederationPeersResponse> ListFederationPeers(
      const v1::ListFederationPeersRequest& req, const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::FederationPeer> UpdateFederationPeer(const Ctx& ctx,
                                                          const v1::UpdateFederationPeerRequest& req);
  absl::Status DeleteFederationPeer(const Ctx& ctx, const v1::DeleteFederationPeerRequest& req);

  // The deployment's federation keyring, kept for its gateways (internal:
  // never served at the public door). One row, and never in the change
  // feed: a keyring update takes no revision, so Watch, ReadChanges and
  // revision() do not move with it.
  //
  // The stored keyring, or an empty one with etag "" before the first
  // UpdateKeyring.
  absl::StatusOr<federation::v1::Keyring> GetKeyring(const v1::GetKeyringRequest& req);
  // Compare-and-set: replaces the keyring only while `req.etag()` equals the
  // stored etag ("" when none is stored); otherwise ABORTED ("keyring:
  // changed since etag …; read it again") and nothing is written. Of updates
  // racing with the same etag exactly one wins. The answer carries a new
  // etag, different on every update even of an identical keyring, and
  // update_time from the store's clock; the request's own etag and
  // update_time are ignored. Synced before it returns, like every write.
  //
  // INVALID_ARGUMENT naming the field, nothing written, unless: 1..1000
  // entries; each key_id "ed25519:" and 16 lowercase hex digits, unique in
  // the keyring; public_key 32 bytes; sealed_private_key 28..1000 bytes
  // (12-byte nonce, ciphertext, 16-byte tag); entries[0] (the current key)
  // neither expired nor revoked; every later (retired) entry has an
  // expire_time; predecessor_key_id, when set, a key id with a 64-byte
  // predecessor_signature, and no signature without it.
  absl::StatusOr<federation::v1::Keyring> UpdateKeyring(const Ctx& ctx, const v1::UpdateKeyringRequest& req);

  // Where replication from each peer stands, kept for the gateways
  // (internal), one row per peer outside the change feed, with the
  // keyring's compare-and-set: UpdatePeerState replaces a state only while
  // `req.etag()` equals the stored one ("" when none is stored), ABORTED
  // otherwise; every update gets a fresh etag and update_time. A state
  // outlives its peer until the gateways delete it (after purging what the
  // peer gave). GetPeerState of a peer never pulled from is empty (etag "").
  absl::StatusOr<federation::v1::PeerState> GetPeerState(const v1::GetPeerStateRequest& req);
  absl::StatusOr<federation::v1::PeerState> UpdatePeerState(const Ctx& ctx, const v1::UpdatePeerStateRequest& req);
  absl::StatusOr<v1::ListPeerStatesResponse> ListPeerStates(const v1::ListPeerStatesRequest& req);
  absl::Status DeletePeerState(const Ctx& ctx, const v1::DeletePeerStateRequest& req);

  // Other deployments' newest heads, kept for the gateways to relay
  // (internal, outside the change feed). INVALID_ARGUMENT naming the field
  // for a head without an origin or of another payload type.
  absl::StatusOr<federation::v1::Envelope> PutFederationHead(const Ctx& ctx, const v1::PutFederationHeadRequest& req);
  absl::StatusOr<v1::ListFederationHeadsResponse> ListFederationHeads(const v1::ListFederationHeadsRequest& req);

  // The portal's sign-in sessions (see registry.proto), outside the change
  // feed, by the SHA-256 of their ids. A key holds at most
  // kMaxWebSessionsPerKey: opening another ends its oldest, and ended ones
  // are swept then. INVALID_ARGUMENT naming the field for a malformed id
  // or a lifetime out of range.
  static constexpr int kMaxWebSessionsPerKey = 50;
  absl::StatusOr<v1::CreateWebSessionResponse> CreateWebSession(const Ctx& ctx,
                                                                const v1::CreateWebSessionRequest& req);
  absl::StatusOr<v1::Principal> AuthenticateWebSession(const Ctx& ctx, const v1::AuthenticateWebSessionRequest& req);
  absl::Status DeleteWebSession(const Ctx& ctx, const v1::DeleteWebSessionRequest& req);
  absl::StatusOr<v1::DeleteWebSessionsResponse> DeleteWebSessions(const Ctx& ctx,
                                                                  const v1::DeleteWebSessionsRequest& req);

 private:
  RegistryStore(const RegistryOptions& options, std::unique_ptr<storage::Store> store);
  // Builds the by-party index of memberships once, for databases made
  // before it existed.
  static absl::Status IndexMembershipsByParty(storage::Store* store);
  // The rights of a valid (not revoked, not expired) key, as of now.
  absl::StatusOr<v1::Principal> PrincipalOf(const storage::ReadView& view, const v1::ApiKey& key);
  // The stored key of a presented one that is valid (right secret, not
  // revoked, not expired); UNAUTHENTICATED otherwise.
  absl::StatusOr<v1::ApiKey> ValidKey(const storage::ReadView& view, const std::string& key);
  // Stages the deletion of every session of `api_key`; their number. Under
  // the web sessions' lock.
  absl::StatusOr<int> DeleteSessionsOf(Transaction& txn, const std::string& api_key);

  // A peer's home pins must name no process of this deployment and none
  // pinned to another peer (FAILED_PRECONDITION naming the field). Run
  // under kHomePinsLock.
  absl::Status CheckHomePins(storage::Transaction& txn, const v1::FederationPeer& peer);
  // The deployment id of the peer `process` is pinned to; "" when none.
  static absl::StatusOr<std::string> PinnedHome(const storage::ReadView& view, absl::string_view process);

  RegistryOptions options_;
  std::unique_ptr<storage::Store> store_;
  mirror::MirrorStore mirrors_;
};

}  // namespace rcp::registry

#endif  // RCP_SERVICES_REGISTRY_REGISTRY_STORE_H_
