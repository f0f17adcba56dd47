#include "services/gateway/federation/federation_service.h"

#include "common/status/status.h"

namespace rcp::gateway::federation {

absl::Status FederationOff() {
  return absl::FailedPreconditionError(
      "federation is off on this gateway: it was started without --keyring_key_file, the key that seals the "
      "deployment's signing keys");
}

grpc::ServerUnaryReactor* FederationService::GetServerKeys(grpc::CallbackServerContext* context,
                                                           const fv1::GetServerKeysRequest* request,
                                                           fv1::ServerKeys* response) {
  return f_.Local("GetServerKeys", context, request, upstream::Forwarder::Work::kInline,
                  [this, response](const access::Principal&) {
                    if (keyring_ == nullptr) return FederationOff();
                    *response = keyring_->public_keys();
                    return absl::OkStatus();
                  });
}

template <typename T>
grpc::ServerWriteReactor<T>* FederationService::Refuse(grpc::Status status) {
  class Refused : public grpc::ServerWriteReactor<T> {
   public:
    explicit Refused(grpc::Status s) { this->Finish(std::move(s)); }
    void OnDone() override { delete this; }
  };
  return new Refused(std::move(status));
}

namespace {
// The policy table names who may call a peer's method: peers only.
bool PeersOnly(const char* method) {
  const access::MethodRule* rule = access::RuleFor(method);
  return rule != nullptr && rule->rule == access::Rule::kPeer;
}
}  // namespace

grpc::ServerWriteReactor<fv1::PullResponse>* FederationService::Pull(grpc::CallbackServerContext* context,
                                                                     const fv1::PullRequest* request) {
  if (!PeersOnly("/rcp.federation.v1.Federation/Pull")) {
    return Refuse<fv1::PullResponse>(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "Pull is not served"));
  }
  if (pulls_ == nullptr) return Refuse<fv1::PullResponse>(ToGrpcStatus(FederationOff()));
  return pulls_->Pull(context, request);
}

grpc::ServerWriteReactor<fv1::ContentChunk>* FederationService::FetchContent(
    grpc::CallbackServerContext* context, const fv1::FetchContentRequest* request) {
  if (!PeersOnly("/rcp.federation.v1.Federation/FetchContent")) {
    return Refuse<fv1::ContentChunk>(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "FetchContent is not served"));
  }
  if (pulls_ == nullptr) return Refuse<fv1::ContentChunk>(ToGrpcStatus(FederationOff()));
  return pulls_->FetchContent(context, request);
}

grpc::ServerUnaryReactor* FederationAdminService::RotateKey(grpc::CallbackServerContext* context,
                                                            const fv1::RotateKeyRequest* request,
                                                            fv1::ServerKeys* response) {
  return f_.Local("RotateKey", context, request, upstream::Forwarder::Work::kMayBlock,
                  [this, request, response](const access::Principal&) -> absl::Status {
                    if (keyring_ == nullptr) return FederationOff();
                    absl::StatusOr<fv1::ServerKeys> keys = keyring_->Rotate(request->revoke());
                    if (!keys.ok()) return keys.status();
                    *response = *std::move(keys);
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* FederationAdminService::ListPeerStatuses(grpc::CallbackServerContext* context,
                                                                   const fv1::ListPeerStatusesRequest* request,
                                                                   fv1::ListPeerStatusesResponse* response) {
  return f_.Local("ListPeerStatuses", context, request, upstream::Forwarder::Work::kMayBlock,
                  [this, context, response](const access::Principal&) -> absl::Status {
                    upstream::Upstream* up = f_.deps().upstream;
                    rcp::registry::v1::ListPeerStatesResponse states;
                    grpc::Status s = up->WithRetry({}, context, [&](grpc::ClientContext* c) {
                      return up->registry()->ListPeerStates(c, {}, &states);
                    });
                    if (!s.ok()) return FromGrpcStatus(s);
                    for (const auto& state : states.states()) {
                      fv1::PeerStatus* status = response->add_peers();
                      *status = state.status();
                      status->set_peer(state.peer());
                      status->set_lease_holder(state.lease_holder());
                      *status->mutable_lease_expire_time() = state.lease_expire_time();
                    }
                    return absl::OkStatus();
                  });
}

}  // namespace rcp::gateway::federation
