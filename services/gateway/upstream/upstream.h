// The gateway's side of the data services: one channel each (TLS or mTLS
// as configured), the internal credential and the caller on every call,
// deadlines, and retries with backoff for idempotent reads. Holds the
// generated StubInterfaces, so that tests can stand fake services (on port
// 0) behind it.
#ifndef RCP_SERVICES_GATEWAY_UPSTREAM_UPSTREAM_H_
#define RCP_SERVICES_GATEWAY_UPSTREAM_UPSTREAM_H_

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <array>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/federation/v1/replica.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"
#include "common/resource/kinds.h"
#include "services/gateway/access/authenticator.h"
#include "services/gateway/gateway_options.h"

namespace rcp::gateway::upstream {

using Principal = rcp::registry::v1::Principal;

// Who a call to a data service is made for.
struct For {
  // The caller; nullptr for the gateway's own calls (the feed, the
  // registry lookups of authentication).
  const Principal* principal = nullptr;
  // The service is to keep only what the principal may see (a List, Sync,
  // Export): the principal travels whole as the viewer (common/audience).
  bool as_viewer = false;
};

// Thread-safe.
class Upstream : public access::PrincipalSource {
 public:
  struct Stubs {
    std::unique_ptr<rcp::registry::v1::Registry::StubInterface> registry;
    std::unique_ptr<rcp::events::v1::Events::StubInterface> events;
    std::unique_ptr<rcp::documents::v1::Documents::StubInterface> documents;
    // Each service's internal Replica (federation mirrors), by
    // resource::Service; may be left empty where no test needs them.
    std::array<std::unique_ptr<rcp::federation::v1::Replica::StubInterface>, resource::kServices.size()>
        replicas;
  };

  // Channels to the services at the addresses `options` names.
  // INVALID_ARGUMENT naming the flag when an address is missing or a PEM
  // file cannot be read.
  static absl::StatusOr<std::unique_ptr<Upstream>> Connect(const GatewayOptions& options);
  // Over stubs made elsewhere (tests: stubs of fake services).
  Upstream(Stubs stubs, const GatewayOptions& options);

  rcp::registry::v1::Registry::StubInterface* registry() { return stubs_.registry.get(); }
  rcp::events::v1::Events::StubInterface* events() { return stubs_.events.get(); }
  rcp::documents::v1::Documents::StubInterface* documents() { return stubs_.documents.get(); }
  rcp::federation::v1::Replica::StubInterface* replica(resource::Service service) {
    return stubs_.replicas[static_cast<size_t>(service)].get();
  }

  // Prepares `context` for a call made for `who`, with the deadline of
  // `client` (the public call it serves), or the default when it set none.
  // `streaming` calls get no deadline of their own.
  void Prepare(grpc::ClientContext* context, const For& who, const grpc::ServerContextBase* client = nullptr,
               bool streaming = false) const;

  // Runs `call(context)` and retries it up to 3 more times, with backoff,
  // while the service answers UNAVAILABLE (restarting, briefly down). Only
  // for idempotent calls.
  template <typename Call>
  grpc::Status WithRetry(const For& who, const grpc::ServerContextBase* client, Call call) const {
    grpc::Status status;
    absl::Duration backoff = absl::Milliseconds(50);
    for (int attempt = 0; attempt < 4; ++attempt) {
      grpc::ClientContext context;
      Prepare(&context, who, client);
      status = call(&context);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
      if (client != nullptr && client->IsCancelled()) return status;
      absl::SleepFor(backoff);
      backoff *= 2;
    }
    return status;
  }

  // The item `name` as its service has it, read for `who` (retried as a
  // read). INVALID_ARGUMENT naming `field` when `name` is no resource the
  // gateway reads; the service's NOT_FOUND when it does not exist.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Fetch(const For& who, const std::string& name,
                                                                   absl::string_view field,
                                                                   const grpc::ServerContextBase* client);

  // access::PrincipalSource, against the registry (retried as reads).
  absl::StatusOr<Principal> Authenticate(const std::string& key) override;
  absl::StatusOr<Principal> ResolveKeyName(const std::string& name) override;
  // Each idempotent (a create by its id), so retried too.
  absl::StatusOr<rcp::registry::v1::CreateWebSessionResponse> CreateWebSession(
      const rcp::registry::v1::CreateWebSessionRequest& request) override;
  absl::StatusOr<Principal> AuthenticateWebSession(const std::string& id_sha256) override;
  absl::Status DeleteWebSession(const std::string& id_sha256) override;
  absl::Status DeleteWebSessions(const std::string& api_key) override;

 private:
  Stubs stubs_;
  GatewayOptions options_;
};

}  // namespace rcp::gateway::upstream

#endif  // RCP_SERVICES_GATEWAY_UPSTREAM_UPSTREAM_H_
