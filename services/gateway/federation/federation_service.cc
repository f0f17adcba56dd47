#include "services/gateway/federation/federation_service.h"

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

}  // namespace rcp::gateway::federation
