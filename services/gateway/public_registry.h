// rcp.registry.v1.Registry as the gateway serves it (rules: policy.cc).
// Authenticate, ResolveApiKey and Watch are internal and not served.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_REGISTRY_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_REGISTRY_H_

#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/gateway/forward.h"

namespace rcp::gateway {

class PublicRegistry final : public rcp::registry::v1::Registry::CallbackService {
 public:
  explicit PublicRegistry(Deps deps) : f_(deps) {}

#define RCP_GATEWAY_METHOD(Method, Request, Response)                         \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,      \
                                   const rcp::registry::v1::Request* request, \
                                   rcp::registry::v1::Response* response) override;
  RCP_GATEWAY_METHOD(GetProcess, GetProcessRequest, Process)
  RCP_GATEWAY_METHOD(ListProcesses, ListProcessesRequest, ListProcessesResponse)
  RCP_GATEWAY_METHOD(GetParty, GetPartyRequest, Party)
  RCP_GATEWAY_METHOD(ListParties, ListPartiesRequest, ListPartiesResponse)
  RCP_GATEWAY_METHOD(GetMembership, GetMembershipRequest, Membership)
  RCP_GATEWAY_METHOD(ListMemberships, ListMembershipsRequest, ListMembershipsResponse)
  RCP_GATEWAY_METHOD(GetChairTerm, GetChairTermRequest, ChairTerm)
  RCP_GATEWAY_METHOD(ListChairTerms, ListChairTermsRequest, ListChairTermsResponse)
  RCP_GATEWAY_METHOD(GetFocalPoint, GetFocalPointRequest, FocalPoint)
  RCP_GATEWAY_METHOD(ListFocalPoints, ListFocalPointsRequest, ListFocalPointsResponse)
  RCP_GATEWAY_METHOD(CreateProcess, CreateProcessRequest, Process)
  RCP_GATEWAY_METHOD(UpdateProcess, UpdateProcessRequest, Process)
  RCP_GATEWAY_METHOD(CreateParty, CreatePartyRequest, Party)
  RCP_GATEWAY_METHOD(UpdateParty, UpdatePartyRequest, Party)
  RCP_GATEWAY_METHOD(CreateMembership, CreateMembershipRequest, Membership)
  RCP_GATEWAY_METHOD(UpdateMembership, UpdateMembershipRequest, Membership)
  RCP_GATEWAY_METHOD(CreateChairTerm, CreateChairTermRequest, ChairTerm)
  RCP_GATEWAY_METHOD(UpdateChairTerm, UpdateChairTermRequest, ChairTerm)
  RCP_GATEWAY_METHOD(CreateFocalPoint, CreateFocalPointRequest, FocalPoint)
  RCP_GATEWAY_METHOD(UpdateFocalPoint, UpdateFocalPointRequest, FocalPoint)
  RCP_GATEWAY_METHOD(DeleteFocalPoint, DeleteFocalPointRequest, DeleteResponse)
  RCP_GATEWAY_METHOD(CreateApiKey, CreateApiKeyRequest, CreateApiKeyResponse)
  RCP_GATEWAY_METHOD(GetApiKey, GetApiKeyRequest, ApiKey)
  RCP_GATEWAY_METHOD(ListApiKeys, ListApiKeysRequest, ListApiKeysResponse)
  RCP_GATEWAY_METHOD(RevokeApiKey, RevokeApiKeyRequest, ApiKey)
  RCP_GATEWAY_METHOD(CreateFederationPeer, CreateFederationPeerRequest, FederationPeer)
  RCP_GATEWAY_METHOD(GetFederationPeer, GetFederationPeerRequest, FederationPeer)
  RCP_GATEWAY_METHOD(ListFederationPeers, ListFederationPeersRequest, ListFederationPeersResponse)
  RCP_GATEWAY_METHOD(UpdateFederationPeer, UpdateFederationPeerRequest, FederationPeer)
  RCP_GATEWAY_METHOD(DeleteFederationPeer, DeleteFederationPeerRequest, DeleteResponse)
#undef RCP_GATEWAY_METHOD

 private:
  rcp::registry::v1::Registry::Stub* stub() { return f_.upstream()->registry(); }
  Forwarder f_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_REGISTRY_H_
