#include "services/gateway/public/public_registry.h"

namespace rcp::gateway {

namespace reg = ::rcp::registry::v1;

grpc::ServerUnaryReactor* PublicRegistry::CreateProcess(grpc::CallbackServerContext* context,
                                                        const reg::CreateProcessRequest* request,
                                                        reg::Process* response) {
  return f_.Unary("CreateProcess", context, request, response, async(), &Async::CreateProcess);
}

grpc::ServerUnaryReactor* PublicRegistry::GetProcess(grpc::CallbackServerContext* context,
                                                     const reg::GetProcessRequest* request,
                                                     reg::Process* response) {
  return f_.Unary("GetProcess", context, request, response, async(), &Async::GetProcess);
}

grpc::ServerUnaryReactor* PublicRegistry::ListProcesses(grpc::CallbackServerContext* context,
                                                        const reg::ListProcessesRequest* request,
                                                        reg::ListProcessesResponse* response) {
  return f_.Unary("ListProcesses", context, request, response, async(), &Async::ListProcesses);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateProcess(grpc::CallbackServerContext* context,
                                                        const reg::UpdateProcessRequest* request,
                                                        reg::Process* response) {
  return f_.Unary("UpdateProcess", context, request, response, async(), &Async::UpdateProcess);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateParty(grpc::CallbackServerContext* context,
                                                      const reg::CreatePartyRequest* request,
                                                      reg::Party* response) {
  return f_.Unary("CreateParty", context, request, response, async(), &Async::CreateParty);
}

grpc::ServerUnaryReactor* PublicRegistry::GetParty(grpc::CallbackServerContext* context,
                                                   const reg::GetPartyRequest* request, reg::Party* response) {
  return f_.Unary("GetParty", context, request, response, async(), &Async::GetParty);
}

grpc::ServerUnaryReactor* PublicRegistry::ListParties(grpc::CallbackServerContext* context,
                                                      const reg::ListPartiesRequest* request,
                                                      reg::ListPartiesResponse* response) {
  return f_.Unary("ListParties", context, request, response, async(), &Async::ListParties);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateParty(grpc::CallbackServerContext* context,
                                                      const reg::UpdatePartyRequest* request,
                                                      reg::Party* response) {
  return f_.Unary("UpdateParty", context, request, response, async(), &Async::UpdateParty);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateMembership(grpc::CallbackServerContext* context,
                                                           const reg::CreateMembershipRequest* request,
                                                           reg::Membership* response) {
  return f_.Unary("CreateMembership", context, request, response, async(), &Async::CreateMembership);
}

grpc::ServerUnaryReactor* PublicRegistry::GetMembership(grpc::CallbackServerContext* context,
                                                        const reg::GetMembershipRequest* request,
                                                        reg::Membership* response) {
  return f_.Unary("GetMembership", context, request, response, async(), &Async::GetMembership);
}

grpc::ServerUnaryReactor* PublicRegistry::ListMemberships(grpc::CallbackServerContext* context,
                                                          const reg::ListMembershipsRequest* request,
                                                          reg::ListMembershipsResponse* response) {
  return f_.Unary("ListMemberships", context, request, response, async(), &Async::ListMemberships);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateMembership(grpc::CallbackServerContext* context,
                                                           const reg::UpdateMembershipRequest* request,
                                                           reg::Membership* response) {
  return f_.Unary("UpdateMembership", context, request, response, async(), &Async::UpdateMembership);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateChairTerm(grpc::CallbackServerContext* context,
                                                          const reg::CreateChairTermRequest* request,
                                                          reg::ChairTerm* response) {
  return f_.Unary("CreateChairTerm", context, request, response, async(), &Async::CreateChairTerm);
}

grpc::ServerUnaryReactor* PublicRegistry::GetChairTerm(grpc::CallbackServerContext* context,
                                                       const reg::GetChairTermRequest* request,
                                                       reg::ChairTerm* response) {
  return f_.Unary("GetChairTerm", context, request, response, async(), &Async::GetChairTerm);
}

grpc::ServerUnaryReactor* PublicRegistry::ListChairTerms(grpc::CallbackServerContext* context,
                                                         const reg::ListChairTermsRequest* request,
                                                         reg::ListChairTermsResponse* response) {
  return f_.Unary("ListChairTerms", context, request, response, async(), &Async::ListChairTerms);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateChairTerm(grpc::CallbackServerContext* context,
                                                          const reg::UpdateChairTermRequest* request,
                                                          reg::ChairTerm* response) {
  return f_.Unary("UpdateChairTerm", context, request, response, async(), &Async::UpdateChairTerm);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateFocalPoint(grpc::CallbackServerContext* context,
                                                           const reg::CreateFocalPointRequest* request,
                                                           reg::FocalPoint* response) {
  return f_.Unary("CreateFocalPoint", context, request, response, async(), &Async::CreateFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::GetFocalPoint(grpc::CallbackServerContext* context,
                                                        const reg::GetFocalPointRequest* request,
                                                        reg::FocalPoint* response) {
  return f_.Unary("GetFocalPoint", context, request, response, async(), &Async::GetFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::ListFocalPoints(grpc::CallbackServerContext* context,
                                                          const reg::ListFocalPointsRequest* request,
                                                          reg::ListFocalPointsResponse* response) {
  return f_.Unary("ListFocalPoints", context, request, response, async(), &Async::ListFocalPoints);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateFocalPoint(grpc::CallbackServerContext* context,
                                                           const reg::UpdateFocalPointRequest* request,
                                                           reg::FocalPoint* response) {
  return f_.Unary("UpdateFocalPoint", context, request, response, async(), &Async::UpdateFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::DeleteFocalPoint(grpc::CallbackServerContext* context,
                                                           const reg::DeleteFocalPointRequest* request,
                                                           reg::DeleteResponse* response) {
  return f_.Unary("DeleteFocalPoint", context, request, response, async(), &Async::DeleteFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateApiKey(grpc::CallbackServerContext* context,
                                                       const reg::CreateApiKeyRequest* request,
                                                       reg::CreateApiKeyResponse* response) {
  return f_.Unary("CreateApiKey", context, request, response, async(), &Async::CreateApiKey);
}

grpc::ServerUnaryReactor* PublicRegistry::GetApiKey(grpc::CallbackServerContext* context,
                                                    const reg::GetApiKeyRequest* request,
                                                    reg::ApiKey* response) {
  return f_.Unary("GetApiKey", context, request, response, async(), &Async::GetApiKey);
}

grpc::ServerUnaryReactor* PublicRegistry::ListApiKeys(grpc::CallbackServerContext* context,
                                                      const reg::ListApiKeysRequest* request,
                                                      reg::ListApiKeysResponse* response) {
  return f_.Unary("ListApiKeys", context, request, response, async(), &Async::ListApiKeys);
}

grpc::ServerUnaryReactor* PublicRegistry::RevokeApiKey(grpc::CallbackServerContext* context,
                                                       const reg::RevokeApiKeyRequest* request,
                                                       reg::ApiKey* response) {
  return f_.Unary("RevokeApiKey", context, request, response, async(), &Async::RevokeApiKey);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateFederationPeer(grpc::CallbackServerContext* context,
                                                               const reg::CreateFederationPeerRequest* request,
                                                               reg::FederationPeer* response) {
  return f_.Unary("CreateFederationPeer", context, request, response, async(), &Async::CreateFederationPeer);
}

grpc::ServerUnaryReactor* PublicRegistry::GetFederationPeer(grpc::CallbackServerContext* context,
                                                            const reg::GetFederationPeerRequest* request,
                                                            reg::FederationPeer* response) {
  return f_.Unary("GetFederationPeer", context, request, response, async(), &Async::GetFederationPeer);
}

grpc::ServerUnaryReactor* PublicRegistry::ListFederationPeers(grpc::CallbackServerContext* context,
                                                              const reg::ListFederationPeersRequest* request,
                                                              reg::ListFederationPeersResponse* response) {
  return f_.Unary("ListFederationPeers", context, request, response, async(), &Async::ListFederationPeers);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateFederationPeer(grpc::CallbackServerContext* context,
                                                               const reg::UpdateFederationPeerRequest* request,
                                                               reg::FederationPeer* response) {
  return f_.Unary("UpdateFederationPeer", context, request, response, async(), &Async::UpdateFederationPeer);
}

grpc::ServerUnaryReactor* PublicRegistry::DeleteFederationPeer(grpc::CallbackServerContext* context,
                                                               const reg::DeleteFederationPeerRequest* request,
                                                               reg::DeleteResponse* response) {
  return f_.Unary("DeleteFederationPeer", context, request, response, async(), &Async::DeleteFederationPeer);
}

}  // namespace rcp::gateway
