// The gateway's side of the data services: one channel each, the internal
// credential and the caller's principal on every call, deadlines, and
// retries with backoff for idempotent reads.
#ifndef RCP_SERVICES_GATEWAY_UPSTREAM_H_
#define RCP_SERVICES_GATEWAY_UPSTREAM_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/gateway/gateway_options.h"

namespace rcp::gateway {

// Thread-safe.
class Upstream {
 public:
  static absl::StatusOr<std::unique_ptr<Upstream>> Connect(const GatewayOptions& options);

  rcp::registry::v1::Registry::Stub* registry() { return registry_.get(); }
  rcp::events::v1::Events::Stub* events() { return events_.get(); }
  rcp::documents::v1::Documents::Stub* documents() { return documents_.get(); }

  // Prepares a context for a call made for `principal` (empty: the gateway
  // itself), with the deadline of `client`, or the default when the client
  // set none. `streaming` calls get no deadline of their own.
  void Prepare(grpc::ClientContext* context, const std::string& principal,
               const grpc::ServerContextBase* client = nullptr, bool streaming = false) const;

  // Runs `call(context)` and retries it up to 3 more times, with backoff,
  // while the service answers UNAVAILABLE (restarting, briefly down). Only
  // for idempotent calls.
  template <typename Call>
  grpc::Status WithRetry(const std::string& principal, const grpc::ServerContextBase* client,
                         Call call) const {
    grpc::Status status;
    absl::Duration backoff = absl::Milliseconds(50);
    for (int attempt = 0; attempt < 4; ++attempt) {
      grpc::ClientContext context;
      Prepare(&context, principal, client);
      status = call(&context);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
      if (client != nullptr && client->IsCancelled()) return status;
      absl::SleepFor(backoff);
      backoff *= 2;
    }
    return status;
  }

 private:
  explicit Upstream(const GatewayOptions& options) : options_(options) {}
  GatewayOptions options_;
  std::unique_ptr<rcp::registry::v1::Registry::Stub> registry_;
  std::unique_ptr<rcp::events::v1::Events::Stub> events_;
  std::unique_ptr<rcp::documents::v1::Documents::Stub> documents_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_UPSTREAM_H_
