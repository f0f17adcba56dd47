#include "services/gateway/public/public_registry.h"

namespace rcp::gateway {

namespace v1 = ::rcp::registry::v1;

grpc::ServerUnaryReactor* PublicRegistry::CreateProcess(grpc::CallbackServerContext* context,
                                                        const v1::CreateProcessRequest* request,
                                                        v1::Process* response) {
  return f_.Unary("CreateProcess", context, request, response, async(), &Async::CreateProcess);
}

grpc::ServerUnaryReactor* PublicRegistry::GetProcess(grpc::CallbackServerContext* context,
                                                     const v1::GetProcessRequest* request,
                                                     v1::Process* response) {
  return f_.Unary("GetProcess", context, request, response, async(), &Async::GetProcess);
}

grpc::ServerUnaryReactor* PublicRegistry::ListProcesses(grpc::CallbackServerContext* context,
                                                        const v1::ListProcessesRequest* request,
                                                        v1::ListProcessesResponse* response) {
  return f_.Unary("ListProcesses", context, request, response, async(), &Async::ListProcesses);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateProcess(grpc::CallbackServerContext* context,
                                                        const v1::UpdateProcessRequest* request,
                                                        v1::Process* response) {
  return f_.Unary("UpdateProcess", context, request, response, async(), &Async::UpdateProcess);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateParty(grpc::CallbackServerContext* context,
                                                      const v1::CreatePartyRequest* request,
                                                      v1::Party* response) {
  return f_.Unary("CreateParty", context, request, response, async(), &Async::CreateParty);
}

grpc::ServerUnaryReactor* PublicRegistry::GetParty(grpc::CallbackServerContext* context,
                                                   const v1::GetPartyRequest* request, v1::Party* response) {
  return f_.Unary("GetParty", context, request, response, async(), &Async::GetParty);
}

grpc::ServerUnaryReactor* PublicRegistry::ListParties(grpc::CallbackServerContext* context,
                                                      const v1::ListPartiesRequest* request,
                                                      v1::ListPartiesResponse* response) {
  return f_.Unary("ListParties", context, request, response, async(), &Async::ListParties);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateParty(grpc::CallbackServerContext* context,
                                                      const v1::UpdatePartyRequest* request,
                                                      v1::Party* response) {
  return f_.Unary("UpdateParty", context, request, response, async(), &Async::UpdateParty);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateMembership(grpc::CallbackServerContext* context,
                                                           const v1::CreateMembershipRequest* request,
                                                           v1::Membership* response) {
  return f_.Unary("CreateMembership", context, request, response, async(), &Async::CreateMembership);
}

grpc::ServerUnaryReactor* PublicRegistry::GetMembership(grpc::CallbackServerContext* context,
                                                        const v1::GetMembershipRequest* request,
                                                        v1::Membership* response) {
  return f_.Unary("GetMembership", context, request, response, async(), &Async::GetMembership);
}

grpc::ServerUnaryReactor* PublicRegistry::ListMemberships(grpc::CallbackServerContext* context,
                                                          const v1::ListMembershipsRequest* request,
                                                          v1::ListMembershipsResponse* response) {
  return f_.Unary("ListMemberships", context, request, response, async(), &Async::ListMemberships);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateMembership(grpc::CallbackServerContext* context,
                                                           const v1::UpdateMembershipRequest* request,
                                                           v1::Membership* response) {
  return f_.Unary("UpdateMembership", context, request, response, async(), &Async::UpdateMembership);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateChairTerm(grpc::CallbackServerContext* context,
                                                          const v1::CreateChairTermRequest* request,
                                                          v1::ChairTerm* response) {
  return f_.Unary("CreateChairTerm", context, request, response, async(), &Async::CreateChairTerm);
}

grpc::ServerUnaryReactor* PublicRegistry::GetChairTerm(grpc::CallbackServerContext* context,
                                                       const v1::GetChairTermRequest* request,
                                                       v1::ChairTerm* response) {
  return f_.Unary("GetChairTerm", context, request, response, async(), &Async::GetChairTerm);
}

grpc::ServerUnaryReactor* PublicRegistry::ListChairTerms(grpc::CallbackServerContext* context,
                                                         const v1::ListChairTermsRequest* request,
                                                         v1::ListChairTermsResponse* response) {
  return f_.Unary("ListChairTerms", context, request, response, async(), &Async::ListChairTerms);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateChairTerm(grpc::CallbackServerContext* context,
                                                          const v1::UpdateChairTermRequest* request,
                                                          v1::ChairTerm* response) {
  return f_.Unary("UpdateChairTerm", context, request, response, async(), &Async::UpdateChairTerm);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateFocalPoint(grpc::CallbackServerContext* context,
                                                           const v1::CreateFocalPointRequest* request,
                                                           v1::FocalPoint* response) {
  return f_.Unary("CreateFocalPoint", context, request, response, async(), &Async::CreateFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::GetFocalPoint(grpc::CallbackServerContext* context,
                                                        const v1::GetFocalPointRequest* request,
                                                        v1::FocalPoint* response) {
  return f_.Unary("GetFocalPoint", context, request, response, async(), &Async::GetFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::ListFocalPoints(grpc::CallbackServerContext* context,
                                                          const v1::ListFocalPointsRequest* request,
                                                          v1::ListFocalPointsResponse* response) {
  return f_.Unary("ListFocalPoints", context, request, response, async(), &Async::ListFocalPoints);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateFocalPoint(grpc::CallbackServerContext* context,
                                                           const v1::UpdateFocalPointRequest* request,
                                                           v1::FocalPoint* response) {
  return f_.Unary("UpdateFocalPoint", context, request, response, async(), &Async::UpdateFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::DeleteFocalPoint(grpc::CallbackServerContext* context,
                                                           const v1::DeleteFocalPointRequest* request,
                                                           v1::DeleteResponse* response) {
  return f_.Unary("DeleteFocalPoint", context, request, response, async(), &Async::DeleteFocalPoint);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateApiKey(grpc::CallbackServerContext* context,
                                                       const v1::CreateApiKeyRequest* request,
                                                       v1::CreateApiKeyResponse* response) {
  return f_.Unary("CreateApiKey", context, request, response, async(), &Async::CreateApiKey);
}

grpc::ServerUnaryReactor* PublicRegistry::GetApiKey(grpc::CallbackServerContext* context,
                                                    const v1::GetApiKeyRequest* request,
                                                    v1::ApiKey* response) {
  return f_.Unary("GetApiKey", context, request, response, async(), &Async::GetApiKey);
}

grpc::ServerUnaryReactor* PublicRegistry::ListApiKeys(grpc::CallbackServerContext* context,
                                                      const v1::ListApiKeysRequest* request,
                                                      v1::ListApiKeysResponse* response) {
  return f_.Unary("ListApiKeys", context, request, response, async(), &Async::ListApiKeys);
}

grpc::ServerUnaryReactor* PublicRegistry::RevokeApiKey(grpc::CallbackServerContext* context,
                                                       const v1::RevokeApiKeyRequest* request,
                                                       v1::ApiKey* response) {
  return f_.Unary("RevokeApiKey", context, request, response, async(), &Async::RevokeApiKey);
}

grpc::ServerUnaryReactor* PublicRegistry::CreateFederationPeer(grpc::CallbackServerContext* context,
                                                               const v1::CreateFederationPeerRequest* request,
                                                               v1::FederationPeer* response) {
  return f_.Unary("CreateFederationPeer", context, request, response, async(), &Async::CreateFederationPeer);
}

grpc::ServerUnaryReactor* PublicRegistry::GetFederationPeer(grpc::CallbackServerContext* context,
                                                            const v1::GetFederationPeerRequest* request,
                                                            v1::FederationPeer* response) {
  return f_.Unary("GetFederationPeer", context, request, response, async(), &Async::GetFederationPeer);
}

grpc::ServerUnaryReactor* PublicRegistry::ListFederationPeers(grpc::CallbackServerContext* context,
                                                              const v1::ListFederationPeersRequest* request,
                                                              v1::ListFederationPeersResponse* response) {
  return f_.Unary("ListFederationPeers", context, request, response, async(), &Async::ListFederationPeers);
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateFederationPeer(grpc::CallbackServerContext* context,
                                                               const v1::UpdateFederationPeerRequest* request,
                                                               v1::FederationPeer* response) {
  return f_.Unary("UpdateFederationPeer", context, request, response, async(), &Async::UpdateFederationPeer);
}

grpc::ServerUnaryReactor* PublicRegistry::DeleteFederationPeer(grpc::CallbackServerContext* context,
                                                               const v1::DeleteFederationPeerRequest* request,
                                                               v1::DeleteResponse* response) {
  return f_.Unary("DeleteFederationPeer", context, request, response, async(), &Async::DeleteFederationPeer);
}

}  // namespace rcp::gateway
