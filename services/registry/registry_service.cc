#include "services/registry/registry_service.h"

#include "common/feed/watch_reactor.h"
#include "common/server/blocking.h"
#include "common/server/data_service.h"

namespace rcp::registry {

grpc::ServerUnaryReactor* RegistryService::CreateProcess(grpc::CallbackServerContext* context,
                                                         const v1::CreateProcessRequest* request,
                                                         v1::Process* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateProcess, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetProcess(grpc::CallbackServerContext* context,
                                                      const v1::GetProcessRequest* request,
                                                      v1::Process* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetProcess, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListProcesses(grpc::CallbackServerContext* context,
                                                         const v1::ListProcessesRequest* request,
                                                         v1::ListProcessesResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListProcesses, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateProcess(grpc::CallbackServerContext* context,
                                                         const v1::UpdateProcessRequest* request,
                                                         v1::Process* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateProcess, request, response);
}

grpc::ServerUnaryReactor* RegistryService::CreateParty(grpc::CallbackServerContext* context,
                                                       const v1::CreatePartyRequest* request,
                                                       v1::Party* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateParty, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetParty(grpc::CallbackServerContext* context,
                                                    const v1::GetPartyRequest* request, v1::Party* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetParty, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListParties(grpc::CallbackServerContext* context,
                                                       const v1::ListPartiesRequest* request,
                                                       v1::ListPartiesResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListParties, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateParty(grpc::CallbackServerContext* context,
                                                       const v1::UpdatePartyRequest* request,
                                                       v1::Party* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateParty, request, response);
}

grpc::ServerUnaryReactor* RegistryService::CreateMembership(grpc::CallbackServerContext* context,
                                                            const v1::CreateMembershipRequest* request,
                                                            v1::Membership* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateMembership, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetMembership(grpc::CallbackServerContext* context,
                                                         const v1::GetMembershipRequest* request,
                                                         v1::Membership* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetMembership, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListMemberships(grpc::CallbackServerContext* context,
                                                           const v1::ListMembershipsRequest* request,
                                                           v1::ListMembershipsResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListMemberships, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateMembership(grpc::CallbackServerContext* context,
                                                            const v1::UpdateMembershipRequest* request,
                                                            v1::Membership* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateMembership, request, response);
}

grpc::ServerUnaryReactor* RegistryService::CreateChairTerm(grpc::CallbackServerContext* context,
                                                           const v1::CreateChairTermRequest* request,
                                                           v1::ChairTerm* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateChairTerm, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetChairTerm(grpc::CallbackServerContext* context,
                                                        const v1::GetChairTermRequest* request,
                                                        v1::ChairTerm* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetChairTerm, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListChairTerms(grpc::CallbackServerContext* context,
                                                          const v1::ListChairTermsRequest* request,
                                                          v1::ListChairTermsResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListChairTerms, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateChairTerm(grpc::CallbackServerContext* context,
                                                           const v1::UpdateChairTermRequest* request,
                                                           v1::ChairTerm* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateChairTerm, request, response);
}

grpc::ServerUnaryReactor* RegistryService::CreateFocalPoint(grpc::CallbackServerContext* context,
                                                            const v1::CreateFocalPointRequest* request,
                                                            v1::FocalPoint* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateFocalPoint, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetFocalPoint(grpc::CallbackServerContext* context,
                                                         const v1::GetFocalPointRequest* request,
                                                         v1::FocalPoint* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetFocalPoint, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListFocalPoints(grpc::CallbackServerContext* context,
                                                           const v1::ListFocalPointsRequest* request,
                                                           v1::ListFocalPointsResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListFocalPoints, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateFocalPoint(grpc::CallbackServerContext* context,
                                                            const v1::UpdateFocalPointRequest* request,
                                                            v1::FocalPoint* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateFocalPoint, request, response);
}

grpc::ServerUnaryReactor* RegistryService::DeleteFocalPoint(grpc::CallbackServerContext* context,
                                                            const v1::DeleteFocalPointRequest* request,
                                                            v1::DeleteResponse* response) {
  return server::RunBlocking(
      pool_, context, [=] { return store_->DeleteFocalPoint(server::WriteContextOf(context), *request); });
}

grpc::ServerUnaryReactor* RegistryService::CreateApiKey(grpc::CallbackServerContext* context,
                                                        const v1::CreateApiKeyRequest* request,
                                                        v1::CreateApiKeyResponse* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateApiKey, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetApiKey(grpc::CallbackServerContext* context,
                                                     const v1::GetApiKeyRequest* request,
                                                     v1::ApiKey* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetApiKey, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListApiKeys(grpc::CallbackServerContext* context,
                                                       const v1::ListApiKeysRequest* request,
                                                       v1::ListApiKeysResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListApiKeys, request, response);
}

grpc::ServerUnaryReactor* RegistryService::RevokeApiKey(grpc::CallbackServerContext* context,
                                                        const v1::RevokeApiKeyRequest* request,
                                                        v1::ApiKey* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::RevokeApiKey, request, response);
}

grpc::ServerUnaryReactor* RegistryService::Authenticate(grpc::CallbackServerContext* context,
                                                        const v1::AuthenticateRequest* request,
                                                        v1::Principal* response) {
  return server::RunBlocking(pool_, context,
                             [=] { return server::FillResponse(store_->Authenticate(*request), response); });
}

grpc::ServerUnaryReactor* RegistryService::ResolveApiKey(grpc::CallbackServerContext* context,
                                                         const v1::ResolveApiKeyRequest* request,
                                                         v1::Principal* response) {
  return server::RunBlocking(pool_, context,
                             [=] { return server::FillResponse(store_->ResolveApiKey(*request), response); });
}

grpc::ServerUnaryReactor* RegistryService::CreateFederationPeer(
    grpc::CallbackServerContext* context, const v1::CreateFederationPeerRequest* request,
    v1::FederationPeer* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateFederationPeer, request, response);
}

grpc::ServerUnaryReactor* RegistryService::GetFederationPeer(grpc::CallbackServerContext* context,
                                                             const v1::GetFederationPeerRequest* request,
                                                             v1::FederationPeer* response) {
  return server::RunInline(
      context, [=] { return server::FillResponse(store_->GetFederationPeer(*request), response); });
}

grpc::ServerUnaryReactor* RegistryService::ListFederationPeers(grpc::CallbackServerContext* context,
                                                               const v1::ListFederationPeersRequest* request,
                                                               v1::ListFederationPeersResponse* response) {
  return server::ServeList(pool_, context, store_, &RegistryStore::ListFederationPeers, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateFederationPeer(
    grpc::CallbackServerContext* context, const v1::UpdateFederationPeerRequest* request,
    v1::FederationPeer* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateFederationPeer, request, response);
}

grpc::ServerUnaryReactor* RegistryService::DeleteFederationPeer(
    grpc::CallbackServerContext* context, const v1::DeleteFederationPeerRequest* request,
    v1::DeleteResponse* response) {
  return server::RunBlocking(pool_, context, [=] {
    return store_->DeleteFederationPeer(server::WriteContextOf(context), *request);
  });
}

grpc::ServerUnaryReactor* RegistryService::GetKeyring(grpc::CallbackServerContext* context,
                                                      const v1::GetKeyringRequest* request,
                                                      rcp::federation::v1::Keyring* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetKeyring, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdateKeyring(grpc::CallbackServerContext* context,
                                                         const v1::UpdateKeyringRequest* request,
                                                         rcp::federation::v1::Keyring* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdateKeyring, request, response);
}

grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* RegistryService::Watch(
    grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) {
  return feed::StartWatch(store_->store(), *request);
}

grpc::ServerUnaryReactor* RegistryService::GetPeerState(grpc::CallbackServerContext* context,
                                                        const v1::GetPeerStateRequest* request,
                                                        rcp::federation::v1::PeerState* response) {
  return server::ServeGet(context, store_, &RegistryStore::GetPeerState, request, response);
}

grpc::ServerUnaryReactor* RegistryService::UpdatePeerState(grpc::CallbackServerContext* context,
                                                           const v1::UpdatePeerStateRequest* request,
                                                           rcp::federation::v1::PeerState* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::UpdatePeerState, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListPeerStates(grpc::CallbackServerContext* context,
                                                          const v1::ListPeerStatesRequest* request,
                                                          v1::ListPeerStatesResponse* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->ListPeerStates(*request), response);
  });
}

grpc::ServerUnaryReactor* RegistryService::DeletePeerState(grpc::CallbackServerContext* context,
                                                           const v1::DeletePeerStateRequest* request,
                                                           v1::DeleteResponse* response) {
  return server::RunBlocking(
      pool_, context, [=] { return store_->DeletePeerState(server::WriteContextOf(context), *request); });
}

grpc::ServerUnaryReactor* RegistryService::PutFederationHead(grpc::CallbackServerContext* context,
                                                             const v1::PutFederationHeadRequest* request,
                                                             rcp::federation::v1::Envelope* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::PutFederationHead, request, response);
}

grpc::ServerUnaryReactor* RegistryService::ListFederationHeads(grpc::CallbackServerContext* context,
                                                               const v1::ListFederationHeadsRequest* request,
                                                               v1::ListFederationHeadsResponse* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->ListFederationHeads(*request), response);
  });
}

grpc::ServerUnaryReactor* RegistryService::CreateWebSession(grpc::CallbackServerContext* context,
                                                            const v1::CreateWebSessionRequest* request,
                                                            v1::CreateWebSessionResponse* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::CreateWebSession, request, response);
}

grpc::ServerUnaryReactor* RegistryService::AuthenticateWebSession(grpc::CallbackServerContext* context,
                                                                  const v1::AuthenticateWebSessionRequest* request,
                                                                  v1::Principal* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::AuthenticateWebSession, request, response);
}

grpc::ServerUnaryReactor* RegistryService::DeleteWebSession(grpc::CallbackServerContext* context,
                                                            const v1::DeleteWebSessionRequest* request,
                                                            v1::DeleteResponse*) {
  return server::RunBlocking(
      pool_, context, [=] { return store_->DeleteWebSession(server::WriteContextOf(context), *request); });
}

grpc::ServerUnaryReactor* RegistryService::DeleteWebSessions(grpc::CallbackServerContext* context,
                                                             const v1::DeleteWebSessionsRequest* request,
                                                             v1::DeleteWebSessionsResponse* response) {
  return server::ServeWrite(pool_, context, store_, &RegistryStore::DeleteWebSessions, request, response);
}

}  // namespace rcp::registry
