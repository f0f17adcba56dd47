// rcp.federation.v1.Federation and FederationAdmin as the gateway serves
// them, through the policy table: a deployment's public keys for anyone;
// Pull and FetchContent for its peers (pull_server.h), on the peer port;
// the keys' rotation and the peers' status for its administrators.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_FEDERATION_SERVICE_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_FEDERATION_SERVICE_H_

#include "rcp/federation/v1/federation.grpc.pb.h"
#include "services/gateway/federation/keyring.h"
#include "services/gateway/federation/pull_server.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway::federation {

class FederationService final : public fv1::Federation::CallbackService {
 public:
  // `keyring` and `pulls` are not owned; nullptr when this gateway has no
  // sealing key (federation off).
  FederationService(upstream::Deps deps, KeyringManager* keyring, PullServer* pulls)
      : f_(deps, fv1::Federation::service_full_name()), keyring_(keyring), pulls_(pulls) {}

  grpc::ServerUnaryReactor* GetServerKeys(grpc::CallbackServerContext* context,
                                          const fv1::GetServerKeysRequest* request,
                                          fv1::ServerKeys* response) override;
  grpc::ServerWriteReactor<fv1::PullResponse>* Pull(grpc::CallbackServerContext* context,
                                                    const fv1::PullRequest* request) override;
  grpc::ServerWriteReactor<fv1::ContentChunk>* FetchContent(grpc::CallbackServerContext* context,
                                                            const fv1::FetchContentRequest* request) override;

 private:
  // Refuses a stream at once.
  template <typename T>
  static grpc::ServerWriteReactor<T>* Refuse(grpc::Status status);

  upstream::Forwarder f_;
  KeyringManager* keyring_;
  PullServer* pulls_;
};

class FederationAdminService final : public fv1::FederationAdmin::CallbackService {
 public:
  // As FederationService.
  FederationAdminService(upstream::Deps deps, KeyringManager* keyring)
      : f_(deps, fv1::FederationAdmin::service_full_name()), keyring_(keyring) {}

  grpc::ServerUnaryReactor* RotateKey(grpc::CallbackServerContext* context,
                                      const fv1::RotateKeyRequest* request,
                                      fv1::ServerKeys* response) override;
  // Every peer's replication, as the replicas that pull from them report it
  // in the registry (whichever replica answers).
  grpc::ServerUnaryReactor* ListPeerStatuses(grpc::CallbackServerContext* context,
                                             const fv1::ListPeerStatusesRequest* request,
                                             fv1::ListPeerStatusesResponse* response) override;

 private:
  upstream::Forwarder f_;
  KeyringManager* keyring_;
};

// FAILED_PRECONDITION: this gateway was started without a sealing key.
absl::Status FederationOff();

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_FEDERATION_SERVICE_H_
