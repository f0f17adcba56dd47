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

#define RCP_REGISTRY_METHOD(Method, Request, Response)                                     \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, const Request* request, \
                                   Response* response) override;
  RCP_REGISTRY_METHOD(CreateProcess, v1::CreateProcessRequest, v1::Process)
  RCP_REGISTRY_METHOD(GetProcess, v1::GetProcessRequest, v1::Process)
  RCP_REGISTRY_METHOD(ListProcesses, v1::ListProcessesRequest, v1::ListProcessesResponse)
  RCP_REGISTRY_METHOD(UpdateProcess, v1::UpdateProcessRequest, v1::Process)
  RCP_REGISTRY_METHOD(CreateParty, v1::CreatePartyRequest, v1::Party)
  RCP_REGISTRY_METHOD(GetParty, v1::GetPartyRequest, v1::Party)
  RCP_REGISTRY_METHOD(ListParties, v1::ListPartiesRequest, v1::ListPartiesResponse)
  RCP_REGISTRY_METHOD(UpdateParty, v1::UpdatePartyRequest, v1::Party)
  RCP_REGISTRY_METHOD(CreateMembership, v1::CreateMembershipRequest, v1::Membership)
  RCP_REGISTRY_METHOD(GetMembership, v1::GetMembershipRequest, v1::Membership)
  RCP_REGISTRY_METHOD(ListMemberships, v1::ListMembershipsRequest, v1::ListMembershipsResponse)
  RCP_REGISTRY_METHOD(UpdateMembership, v1::UpdateMembershipRequest, v1::Membership)
  RCP_REGISTRY_METHOD(CreateChairTerm, v1::CreateChairTermRequest, v1::ChairTerm)
  RCP_REGISTRY_METHOD(GetChairTerm, v1::GetChairTermRequest, v1::ChairTerm)
  RCP_REGISTRY_METHOD(ListChairTerms, v1::ListChairTermsRequest, v1::ListChairTermsResponse)
  RCP_REGISTRY_METHOD(UpdateChairTerm, v1::UpdateChairTermRequest, v1::ChairTerm)
  RCP_REGISTRY_METHOD(CreateFocalPoint, v1::CreateFocalPointRequest, v1::FocalPoint)
  RCP_REGISTRY_METHOD(GetFocalPoint, v1::GetFocalPointRequest, v1::FocalPoint)
  RCP_REGISTRY_METHOD(ListFocalPoints, v1::ListFocalPointsRequest, v1::ListFocalPointsResponse)
  RCP_REGISTRY_METHOD(UpdateFocalPoint, v1::UpdateFocalPointRequest, v1::FocalPoint)
  RCP_REGISTRY_METHOD(DeleteFocalPoint, v1::DeleteFocalPointRequest, v1::DeleteResponse)
  RCP_REGISTRY_METHOD(CreateApiKey, v1::CreateApiKeyRequest, v1::CreateApiKeyResponse)
  RCP_REGISTRY_METHOD(GetApiKey, v1::GetApiKeyRequest, v1::ApiKey)
  RCP_REGISTRY_METHOD(ListApiKeys, v1::ListApiKeysRequest, v1::ListApiKeysResponse)
  RCP_REGISTRY_METHOD(RevokeApiKey, v1::RevokeApiKeyRequest, v1::ApiKey)
  RCP_REGISTRY_METHOD(Authenticate, v1::AuthenticateRequest, v1::Principal)
  RCP_REGISTRY_METHOD(ResolveApiKey, v1::ResolveApiKeyRequest, v1::Principal)
  RCP_REGISTRY_METHOD(CreateFederationPeer, v1::CreateFederationPeerRequest, v1::FederationPeer)
  RCP_REGISTRY_METHOD(GetFederationPeer, v1::GetFederationPeerRequest, v1::FederationPeer)
  RCP_REGISTRY_METHOD(ListFederationPeers, v1::ListFederationPeersRequest,
                      v1::ListFederationPeersResponse)
  RCP_REGISTRY_METHOD(UpdateFederationPeer, v1::UpdateFederationPeerRequest, v1::FederationPeer)
  RCP_REGISTRY_METHOD(DeleteFederationPeer, v1::DeleteFederationPeerRequest, v1::DeleteResponse)
#undef RCP_REGISTRY_METHOD

  grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) override;

 private:
  RegistryStore* store_;
  ThreadPool* pool_;
};

}  // namespace rcp::registry

#endif  // RCP_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
