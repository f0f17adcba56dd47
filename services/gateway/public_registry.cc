#include "services/gateway/public_registry.h"

#include <algorithm>

namespace rcp::gateway {

namespace v1 = ::rcp::registry::v1;

grpc::ServerUnaryReactor* PublicRegistry::GetProcess(grpc::CallbackServerContext* context,
                                                     const v1::GetProcessRequest* request,
                                                     v1::Process* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, GetProcess),
                      [](const policy::Principal&, v1::Process*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::ListProcesses(grpc::CallbackServerContext* context,
                                                        const v1::ListProcessesRequest* request,
                                                        v1::ListProcessesResponse* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, ListProcesses),
                      [](const policy::Principal&, v1::ListProcessesResponse*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::GetParty(grpc::CallbackServerContext* context,
                                                   const v1::GetPartyRequest* request, v1::Party* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, GetParty),
                      [](const policy::Principal&, v1::Party*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::ListParties(grpc::CallbackServerContext* context,
                                                      const v1::ListPartiesRequest* request,
                                                      v1::ListPartiesResponse* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, ListParties),
                      [](const policy::Principal&, v1::ListPartiesResponse*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::GetMembership(grpc::CallbackServerContext* context,
                                                        const v1::GetMembershipRequest* request,
                                                        v1::Membership* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, GetMembership),
                      [](const policy::Principal&, v1::Membership*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::ListMemberships(grpc::CallbackServerContext* context,
                                                          const v1::ListMembershipsRequest* request,
                                                          v1::ListMembershipsResponse* response) {
  auto* stub = this->stub();
  return f_.ServeRead(
      context, request, response, RCP_UPSTREAM_CALL(stub, ListMemberships),
      [](const policy::Principal&, v1::ListMembershipsResponse*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::GetChairTerm(grpc::CallbackServerContext* context,
                                                       const v1::GetChairTermRequest* request,
                                                       v1::ChairTerm* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, GetChairTerm),
                      [](const policy::Principal&, v1::ChairTerm*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::ListChairTerms(grpc::CallbackServerContext* context,
                                                         const v1::ListChairTermsRequest* request,
                                                         v1::ListChairTermsResponse* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, ListChairTerms),
                      [](const policy::Principal&, v1::ListChairTermsResponse*) { return absl::OkStatus(); });
}

grpc::ServerUnaryReactor* PublicRegistry::CreateProcess(grpc::CallbackServerContext* context,
                                                        const v1::CreateProcessRequest* request,
                                                        v1::Process* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Creating a process"); },
      RCP_UPSTREAM_CALL(stub, CreateProcess));
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateProcess(grpc::CallbackServerContext* context,
                                                        const v1::UpdateProcessRequest* request,
                                                        v1::Process* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Changing a process"); },
      RCP_UPSTREAM_CALL(stub, UpdateProcess));
}

grpc::ServerUnaryReactor* PublicRegistry::CreateParty(grpc::CallbackServerContext* context,
                                                      const v1::CreatePartyRequest* request,
                                                      v1::Party* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Creating a party"); },
      RCP_UPSTREAM_CALL(stub, CreateParty));
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateParty(grpc::CallbackServerContext* context,
                                                      const v1::UpdatePartyRequest* request,
                                                      v1::Party* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Changing a party"); },
      RCP_UPSTREAM_CALL(stub, UpdateParty));
}

grpc::ServerUnaryReactor* PublicRegistry::CreateMembership(grpc::CallbackServerContext* context,
                                                           const v1::CreateMembershipRequest* request,
                                                           v1::Membership* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Changing memberships"); },
      RCP_UPSTREAM_CALL(stub, CreateMembership));
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateMembership(grpc::CallbackServerContext* context,
                                                           const v1::UpdateMembershipRequest* request,
                                                           v1::Membership* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Changing memberships"); },
      RCP_UPSTREAM_CALL(stub, UpdateMembership));
}

grpc::ServerUnaryReactor* PublicRegistry::CreateChairTerm(grpc::CallbackServerContext* context,
                                                          const v1::CreateChairTermRequest* request,
                                                          v1::ChairTerm* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Changing chair terms"); },
      RCP_UPSTREAM_CALL(stub, CreateChairTerm));
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateChairTerm(grpc::CallbackServerContext* context,
                                                          const v1::UpdateChairTermRequest* request,
                                                          v1::ChairTerm* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Changing chair terms"); },
      RCP_UPSTREAM_CALL(stub, UpdateChairTerm));
}

grpc::ServerUnaryReactor* PublicRegistry::CreateApiKey(grpc::CallbackServerContext* context,
                                                       const v1::CreateApiKeyRequest* request,
                                                       v1::CreateApiKeyResponse* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Issuing API keys"); },
      RCP_UPSTREAM_CALL(stub, CreateApiKey));
}

grpc::ServerUnaryReactor* PublicRegistry::CreateFederationPeer(grpc::CallbackServerContext* context,
                                                               const v1::CreateFederationPeerRequest* request,
                                                               v1::FederationPeer* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Federation"); },
      RCP_UPSTREAM_CALL(stub, CreateFederationPeer));
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateFederationPeer(grpc::CallbackServerContext* context,
                                                               const v1::UpdateFederationPeerRequest* request,
                                                               v1::FederationPeer* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Federation"); },
      RCP_UPSTREAM_CALL(stub, UpdateFederationPeer));
}

grpc::ServerUnaryReactor* PublicRegistry::DeleteFederationPeer(grpc::CallbackServerContext* context,
                                                               const v1::DeleteFederationPeerRequest* request,
                                                               v1::DeleteResponse* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [](const policy::Principal& p) { return Forwarder::AdminOnly(p, "Federation"); },
      RCP_UPSTREAM_CALL(stub, DeleteFederationPeer));
}

grpc::ServerUnaryReactor* PublicRegistry::GetFederationPeer(grpc::CallbackServerContext* context,
                                                            const v1::GetFederationPeerRequest* request,
                                                            v1::FederationPeer* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_RETURN_IF_ERROR(Forwarder::AdminOnly(p, "Federation"));
    return f_.Read(p, context,
                   [&](grpc::ClientContext* c) { return stub()->GetFederationPeer(c, *request, response); });
  });
}

grpc::ServerUnaryReactor* PublicRegistry::ListFederationPeers(grpc::CallbackServerContext* context,
                                                              const v1::ListFederationPeersRequest* request,
                                                              v1::ListFederationPeersResponse* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_RETURN_IF_ERROR(Forwarder::AdminOnly(p, "Federation"));
    return f_.Read(p, context, [&](grpc::ClientContext* c) {
      return stub()->ListFederationPeers(c, *request, response);
    });
  });
}

grpc::ServerUnaryReactor* PublicRegistry::GetFocalPoint(grpc::CallbackServerContext* context,
                                                        const v1::GetFocalPointRequest* request,
                                                        v1::FocalPoint* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    if (!policy::IsMemberOf(p, policy::ProcessOf(request->name()))) {
      return absl::NotFoundError(absl::StrCat(request->name(), " not found"));
    }
    return f_.Read(p, context,
                   [&](grpc::ClientContext* c) { return stub()->GetFocalPoint(c, *request, response); });
  });
}

grpc::ServerUnaryReactor* PublicRegistry::ListFocalPoints(grpc::CallbackServerContext* context,
                                                          const v1::ListFocalPointsRequest* request,
                                                          v1::ListFocalPointsResponse* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_RETURN_IF_ERROR(f_.Read(
        p, context, [&](grpc::ClientContext* c) { return stub()->ListFocalPoints(c, *request, response); }));
    // Contact details only of processes the caller belongs to; the page may
    // come back shorter, its token stays valid.
    auto* items = response->mutable_focal_points();
    items->erase(std::remove_if(items->begin(), items->end(),
                                [&](const v1::FocalPoint& fp) {
                                  return !policy::IsMemberOf(p, policy::ProcessOf(fp.name()));
                                }),
                 items->end());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PublicRegistry::CreateFocalPoint(grpc::CallbackServerContext* context,
                                                           const v1::CreateFocalPointRequest* request,
                                                           v1::FocalPoint* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [request](const policy::Principal& p) {
        return policy::CheckWriter(p, std::vector<std::string>{request->parent()}, "parent");
      },
      RCP_UPSTREAM_CALL(stub, CreateFocalPoint));
}

grpc::ServerUnaryReactor* PublicRegistry::UpdateFocalPoint(grpc::CallbackServerContext* context,
                                                           const v1::UpdateFocalPointRequest* request,
                                                           v1::FocalPoint* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [request](const policy::Principal& p) {
        return policy::CheckWriter(p,
                                   std::vector<std::string>{policy::ProcessOf(request->focal_point().name())},
                                   "focal_point.name");
      },
      RCP_UPSTREAM_CALL(stub, UpdateFocalPoint));
}

grpc::ServerUnaryReactor* PublicRegistry::DeleteFocalPoint(grpc::CallbackServerContext* context,
                                                           const v1::DeleteFocalPointRequest* request,
                                                           v1::DeleteResponse* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [request](const policy::Principal& p) {
        return policy::CheckWriter(p, std::vector<std::string>{policy::ProcessOf(request->name())}, "name");
      },
      RCP_UPSTREAM_CALL(stub, DeleteFocalPoint));
}

grpc::ServerUnaryReactor* PublicRegistry::GetApiKey(grpc::CallbackServerContext* context,
                                                    const v1::GetApiKeyRequest* request,
                                                    v1::ApiKey* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_RETURN_IF_ERROR(f_.Read(
        p, context, [&](grpc::ClientContext* c) { return stub()->GetApiKey(c, *request, response); }));
    if (!policy::MayManageKey(p, *response)) {
      return absl::NotFoundError(absl::StrCat(request->name(), " not found"));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PublicRegistry::ListApiKeys(grpc::CallbackServerContext* context,
                                                      const v1::ListApiKeysRequest* request,
                                                      v1::ListApiKeysResponse* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    v1::ListApiKeysRequest own = *request;
    if (!policy::IsAdmin(p)) {
      if (!own.party().empty() && own.party() != p.party()) return absl::OkStatus();  // none visible
      own.set_party(p.party());
    }
    RCP_RETURN_IF_ERROR(
        f_.Read(p, context, [&](grpc::ClientContext* c) { return stub()->ListApiKeys(c, own, response); }));
    auto* keys = response->mutable_api_keys();
    keys->erase(std::remove_if(keys->begin(), keys->end(),
                               [&](const v1::ApiKey& k) { return !policy::MayManageKey(p, k); }),
                keys->end());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PublicRegistry::RevokeApiKey(grpc::CallbackServerContext* context,
                                                       const v1::RevokeApiKeyRequest* request,
                                                       v1::ApiKey* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    if (!policy::IsAdmin(p)) {
      v1::GetApiKeyRequest get;
      get.set_name(request->name());
      v1::ApiKey key;
      RCP_RETURN_IF_ERROR(
          f_.Read(p, context, [&](grpc::ClientContext* c) { return stub()->GetApiKey(c, get, &key); }));
      if (!policy::MayManageKey(p, key))
        return absl::NotFoundError(absl::StrCat(request->name(), " not found"));
    }
    return f_.Write(p, context,
                    [&](grpc::ClientContext* c) { return stub()->RevokeApiKey(c, *request, response); });
  });
}

}  // namespace rcp::gateway
