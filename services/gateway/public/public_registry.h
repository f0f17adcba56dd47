// rcp.registry.v1.Registry as the gateway serves it. Every method is
// forwarded through the policy table (access/policy.cc); Authenticate,
// ResolveApiKey and Watch are internal and not served.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_REGISTRY_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_REGISTRY_H_

#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway {

class PublicRegistry final : public rcp::registry::v1::Registry::CallbackService {
 public:
  explicit PublicRegistry(upstream::Deps deps) : f_(deps, rcp::registry::v1::Registry::service_full_name()) {}

  grpc::ServerUnaryReactor* CreateProcess(grpc::CallbackServerContext* context,
                                          const rcp::registry::v1::CreateProcessRequest* request,
                                          rcp::registry::v1::Process* response) override;
  grpc::ServerUnaryReactor* GetProcess(grpc::CallbackServerContext* context,
                                       const rcp::registry::v1::GetProcessRequest* request,
                                       rcp::registry::v1::Process* response) override;
  grpc::ServerUnaryReactor* ListProcesses(grpc::CallbackServerContext* context,
                                          const rcp::registry::v1::ListProcessesRequest* request,
                                          rcp::registry::v1::ListProcessesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProcess(grpc::CallbackServerContext* context,
                                          const rcp::registry::v1::UpdateProcessRequest* request,
                                          rcp::registry::v1::Process* response) override;
  grpc::ServerUnaryReactor* CreateParty(grpc::CallbackServerContext* context,
                                        const rcp::registry::v1::CreatePartyRequest* request,
                                        rcp::registry::v1::Party* response) override;
  grpc::ServerUnaryReactor* GetParty(grpc::CallbackServerContext* context,
                                     const rcp::registry::v1::GetPartyRequest* request,
                                     rcp::registry::v1::Party* response) override;
  grpc::ServerUnaryReactor* ListParties(grpc::CallbackServerContext* context,
                                        const rcp::registry::v1::ListPartiesRequest* request,
                                        rcp::registry::v1::ListPartiesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateParty(grpc::CallbackServerContext* context,
                                        const rcp::registry::v1::UpdatePartyRequest* request,
                                        rcp::registry::v1::Party* response) override;
  grpc::ServerUnaryReactor* CreateMembership(grpc::CallbackServerContext* context,
                                             const rcp::registry::v1::CreateMembershipRequest* request,
                                             rcp::registry::v1::Membership* response) override;
  grpc::ServerUnaryReactor* GetMembership(grpc::CallbackServerContext* context,
                                          const rcp::registry::v1::GetMembershipRequest* request,
                                          rcp::registry::v1::Membership* response) override;
  grpc::ServerUnaryReactor* ListMemberships(grpc::CallbackServerContext* context,
                                            const rcp::registry::v1::ListMembershipsRequest* request,
                                            rcp::registry::v1::ListMembershipsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMembership(grpc::CallbackServerContext* context,
                                             const rcp::registry::v1::UpdateMembershipRequest* request,
                                             rcp::registry::v1::Membership* response) override;
  grpc::ServerUnaryReactor* CreateChairTerm(grpc::CallbackServerContext* context,
                                            const rcp::registry::v1::CreateChairTermRequest* request,
                                            rcp::registry::v1::ChairTerm* response) override;
  grpc::ServerUnaryReactor* GetChairTerm(grpc::CallbackServerContext* context,
                                         const rcp::registry::v1::GetChairTermRequest* request,
                                         rcp::registry::v1::ChairTerm* response) override;
  grpc::ServerUnaryReactor* ListChairTerms(grpc::CallbackServerContext* context,
                                           const rcp::registry::v1::ListChairTermsRequest* request,
                                           rcp::registry::v1::ListChairTermsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateChairTerm(grpc::CallbackServerContext* context,
                                            const rcp::registry::v1::UpdateChairTermRequest* request,
                                            rcp::registry::v1::ChairTerm* response) override;
  grpc::ServerUnaryReactor* CreateFocalPoint(grpc::CallbackServerContext* context,
                                             const rcp::registry::v1::CreateFocalPointRequest* request,
                                             rcp::registry::v1::FocalPoint* response) override;
  grpc::ServerUnaryReactor* GetFocalPoint(grpc::CallbackServerContext* context,
                                          const rcp::registry::v1::GetFocalPointRequest* request,
                                          rcp::registry::v1::FocalPoint* response) override;
  grpc::ServerUnaryReactor* ListFocalPoints(grpc::CallbackServerContext* context,
                                            const rcp::registry::v1::ListFocalPointsRequest* request,
                                            rcp::registry::v1::ListFocalPointsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateFocalPoint(grpc::CallbackServerContext* context,
                                             const rcp::registry::v1::UpdateFocalPointRequest* request,
                                             rcp::registry::v1::FocalPoint* response) override;
  grpc::ServerUnaryReactor* DeleteFocalPoint(grpc::CallbackServerContext* context,
                                             const rcp::registry::v1::DeleteFocalPointRequest* request,
                                             rcp::registry::v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const rcp::registry::v1::CreateApiKeyRequest* request,
                                         rcp::registry::v1::CreateApiKeyResponse* response) override;
  grpc::ServerUnaryReactor* GetApiKey(grpc::CallbackServerContext* context,
                                      const rcp::registry::v1::GetApiKeyRequest* request,
                                      rcp::registry::v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* context,
                                        const rcp::registry::v1::ListApiKeysRequest* request,
                                        rcp::registry::v1::ListApiKeysResponse* response) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* context,
                                         const rcp::registry::v1::RevokeApiKeyRequest* request,
                                         rcp::registry::v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* CreateFederationPeer(
      grpc::CallbackServerContext* context, const rcp::registry::v1::CreateFederationPeerRequest* request,
      rcp::registry::v1::FederationPeer* response) override;
  grpc::ServerUnaryReactor* GetFederationPeer(grpc::CallbackServerContext* context,
                                              const rcp::registry::v1::GetFederationPeerRequest* request,
                                              rcp::registry::v1::FederationPeer* response) override;
  grpc::ServerUnaryReactor* ListFederationPeers(
      grpc::CallbackServerContext* context, const rcp::registry::v1::ListFederationPeersRequest* request,
      rcp::registry::v1::ListFederationPeersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateFederationPeer(
      grpc::CallbackServerContext* context, const rcp::registry::v1::UpdateFederationPeerRequest* request,
      rcp::registry::v1::FederationPeer* response) override;
  grpc::ServerUnaryReactor* DeleteFederationPeer(
      grpc::CallbackServerContext* context, const rcp::registry::v1::DeleteFederationPeerRequest* request,
      rcp::registry::v1::DeleteResponse* response) override;

 private:
  using Async = rcp::registry::v1::Registry::StubInterface::async_interface;
  Async* async() { return f_.deps().upstream->registry()->async(); }

  upstream::Forwarder f_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_REGISTRY_H_
