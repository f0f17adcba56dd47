// rcp.registry.v1.Registry over gRPC's callback API: each method runs the
// RegistryStore call on the service's pool (never on gRPC's threads) and
// converts its status; Watch streams the store's change feed. Lists are
// filtered for the viewer the call carries (audience::kViewerHeader).
#ifndef RCP_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
#define RCP_SERVICES_REGISTRY_REGISTRY_SERVICE_H_

#include "common/concurrency/thread_pool.h"
#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/registry/registry_store.h"

namespace rcp::registry {

class RegistryService final : public v1::Registry::CallbackService {
 public:
  // Neither is owned; both must outlive the service.
  RegistryService(RegistryStore* store, ThreadPool* pool) : store_(store), pool_(pool) {}

  grpc::ServerUnaryReactor* CreateProcess(grpc::CallbackServerContext* context,
                                          const v1::CreateProcessRequest* request,
                                          v1::Process* response) override;
  grpc::ServerUnaryReactor* GetProcess(grpc::CallbackServerContext* context,
                                       const v1::GetProcessRequest* request, v1::Process* response) override;
  grpc::ServerUnaryReactor* ListProcesses(grpc::CallbackServerContext* context,
                                          const v1::ListProcessesRequest* request,
                                          v1::ListProcessesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProcess(grpc::CallbackServerContext* context,
                                          const v1::UpdateProcessRequest* request,
                                          v1::Process* response) override;
  grpc::ServerUnaryReactor* CreateParty(grpc::CallbackServerContext* context,
                                        const v1::CreatePartyRequest* request, v1::Party* response) override;
  grpc::ServerUnaryReactor* GetParty(grpc::CallbackServerContext* context, const v1::GetPartyRequest* request,
                                     v1::Party* response) override;
  grpc::ServerUnaryReactor* ListParties(grpc::CallbackServerContext* context,
                                        const v1::ListPartiesRequest* request,
                                        v1::ListPartiesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateParty(grpc::CallbackServerContext* context,
                                        const v1::UpdatePartyRequest* request, v1::Party* response) override;
  grpc::ServerUnaryReactor* CreateMembership(grpc::CallbackServerContext* context,
                                             const v1::CreateMembershipRequest* request,
                                             v1::Membership* response) override;
  grpc::ServerUnaryReactor* GetMembership(grpc::CallbackServerContext* context,
                                          const v1::GetMembershipRequest* request,
                                          v1::Membership* response) override;
  grpc::ServerUnaryReactor* ListMemberships(grpc::CallbackServerContext* context,
                                            const v1::ListMembershipsRequest* request,
                                            v1::ListMembershipsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMembership(grpc::CallbackServerContext* context,
                                             const v1::UpdateMembershipRequest* request,
                                             v1::Membership* response) override;
  grpc::ServerUnaryReactor* CreateChairTerm(grpc::CallbackServerContext* context,
                                            const v1::CreateChairTermRequest* request,
                                            v1::ChairTerm* response) override;
  grpc::ServerUnaryReactor* GetChairTerm(grpc::CallbackServerContext* context,
                                         const v1::GetChairTermRequest* request,
                                         v1::ChairTerm* response) override;
  grpc::ServerUnaryReactor* ListChairTerms(grpc::CallbackServerContext* context,
                                           const v1::ListChairTermsRequest* request,
                                           v1::ListChairTermsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateChairTerm(grpc::CallbackServerContext* context,
                                            const v1::UpdateChairTermRequest* request,
                                            v1::ChairTerm* response) override;
  grpc::ServerUnaryReactor* CreateFocalPoint(grpc::CallbackServerContext* context,
                                             const v1::CreateFocalPointRequest* request,
                                             v1::FocalPoint* response) override;
  grpc::ServerUnaryReactor* GetFocalPoint(grpc::CallbackServerContext* context,
                                          const v1::GetFocalPointRequest* request,
                                          v1::FocalPoint* response) override;
  grpc::ServerUnaryReactor* ListFocalPoints(grpc::CallbackServerContext* context,
                                            const v1::ListFocalPointsRequest* request,
                                            v1::ListFocalPointsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateFocalPoint(grpc::CallbackServerContext* context,
                                             const v1::UpdateFocalPointRequest* request,
                                             v1::FocalPoint* response) override;
  grpc::ServerUnaryReactor* DeleteFocalPoint(grpc::CallbackServerContext* context,
                                             const v1::DeleteFocalPointRequest* request,
                                             v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::CreateApiKeyResponse* response) override;
  grpc::ServerUnaryReactor* GetApiKey(grpc::CallbackServerContext* context,
                                      const v1::GetApiKeyRequest* request, v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* context,
                                        const v1::ListApiKeysRequest* request,
                                        v1::ListApiKeysResponse* response) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* context,
                                         const v1::RevokeApiKeyRequest* request,
                                         v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* context,
                                         const v1::AuthenticateRequest* request,
                                         v1::Principal* response) override;
  grpc::ServerUnaryReactor* ResolveApiKey(grpc::CallbackServerContext* context,
                                          const v1::ResolveApiKeyRequest* request,
                                          v1::Principal* response) override;
  grpc::ServerUnaryReactor* CreateFederationPeer(grpc::CallbackServerContext* context,
                                                 const v1::CreateFederationPeerRequest* request,
                                                 v1::FederationPeer* response) override;
  grpc::ServerUnaryReactor* GetFederationPeer(grpc::CallbackServerContext* context,
                                              const v1::GetFederationPeerRequest* request,
                                              v1::FederationPeer* response) override;
  grpc::ServerUnaryReactor* ListFederationPeers(grpc::CallbackServerContext* context,
                                                const v1::ListFederationPeersRequest* request,
                                                v1::ListFederationPeersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateFederationPeer(grpc::CallbackServerContext* context,
                                                 const v1::UpdateFederationPeerRequest* request,
                                                 v1::FederationPeer* response) override;
  grpc::ServerUnaryReactor* DeleteFederationPeer(grpc::CallbackServerContext* context,
                                                 const v1::DeleteFederationPeerRequest* request,
                                                 v1::DeleteResponse* response) override;
  // Internal: besides the internal credential every method here requires,
  // these are absent from the gateway's policy table, so its door never
  // serves them.
  grpc::ServerUnaryReactor* GetKeyring(grpc::CallbackServerContext* context,
                                       const v1::GetKeyringRequest* request,
                                       rcp::federation::v1::Keyring* response) override;
  grpc::ServerUnaryReactor* UpdateKeyring(grpc::CallbackServerContext* context,
                                          const v1::UpdateKeyringRequest* request,
                                          rcp::federation::v1::Keyring* response) override;
  grpc::ServerUnaryReactor* GetPeerState(grpc::CallbackServerContext* context,
                                         const v1::GetPeerStateRequest* request,
                                         rcp::federation::v1::PeerState* response) override;
  grpc::ServerUnaryReactor* UpdatePeerState(grpc::CallbackServerContext* context,
                                            const v1::UpdatePeerStateRequest* request,
                                            rcp::federation::v1::PeerState* response) override;
  grpc::ServerUnaryReactor* ListPeerStates(grpc::CallbackServerContext* context,
                                           const v1::ListPeerStatesRequest* request,
                                           v1::ListPeerStatesResponse* response) override;
  grpc::ServerUnaryReactor* DeletePeerState(grpc::CallbackServerContext* context,
                                            const v1::DeletePeerStateRequest* request,
                                            v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* PutFederationHead(grpc::CallbackServerContext* context,
                                              const v1::PutFederationHeadRequest* request,
                                              rcp::federation::v1::Envelope* response) override;
  grpc::ServerUnaryReactor* ListFederationHeads(grpc::CallbackServerContext* context,
                                                const v1::ListFederationHeadsRequest* request,
                                                v1::ListFederationHeadsResponse* response) override;
  grpc::ServerUnaryReactor* CreateWebSession(grpc::CallbackServerContext* context,
                                             const v1::CreateWebSessionRequest* request,
                                             v1::CreateWebSessionResponse* response) override;
  grpc::ServerUnaryReactor* AuthenticateWebSession(grpc::CallbackServerContext* context,
                                                   const v1::AuthenticateWebSessionRequest* request,
                                                   v1::Principal* response) override;
  grpc::ServerUnaryReactor* DeleteWebSession(grpc::CallbackServerContext* context,
                                             const v1::DeleteWebSessionRequest* request,
                                             v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* DeleteWebSessions(grpc::CallbackServerContext* context,
                                              const v1::DeleteWebSessionsRequest* request,
                                              v1::DeleteWebSessionsResponse* response) override;

  grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) override;

 private:
  RegistryStore* store_;
  ThreadPool* pool_;
};

}  // namespace rcp::registry

#endif  // RCP_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
