// API-key authentication for the gateway: `authorization: Bearer rcp_…`
// resolved by the registry, cached briefly so that a call does not cost a
// registry round trip. A revoked key stops working within the cache TTL
// (GatewayOptions::auth_cache_ttl) — the stated bound.
#ifndef RCP_SERVICES_GATEWAY_AUTHENTICATOR_H_
#define RCP_SERVICES_GATEWAY_AUTHENTICATOR_H_

#include <grpcpp/server_context.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "common/time/clock.h"
#include "rcp/registry/v1/registry.pb.h"
#include "services/gateway/upstream.h"

namespace rcp::gateway {

using PrincipalPtr = std::shared_ptr<const rcp::registry::v1::Principal>;

// Thread-safe.
class Authenticator {
 public:
  // Not owned: both must outlive it.
  Authenticator(Upstream* upstream, Clock* clock, absl::Duration ttl)
      : upstream_(upstream), clock_(clock), ttl_(ttl) {}

  // The caller's principal. UNAUTHENTICATED (naming the authorization
  // header) when the header is missing or malformed or the key invalid.
  absl::StatusOr<PrincipalPtr> Authenticate(const grpc::ServerContextBase* context);
  // The key of the caller's authorization header (UNAUTHENTICATED as
  // Authenticate when missing or malformed); does not block.
  static absl::StatusOr<std::string> KeyOf(const grpc::ServerContextBase* context);
  absl::StatusOr<PrincipalPtr> AuthenticateKey(const std::string& key);
  // The caller's principal when its key is in the cache and fresh; never
  // blocks (nullptr otherwise: authenticate on the pool).
  PrincipalPtr TryCached(const grpc::ServerContextBase* context);
  // By key name, for URLs the gateway signed itself (calendar feeds).
  absl::StatusOr<PrincipalPtr> ResolveKeyName(const std::string& name);

 private:
  absl::StatusOr<PrincipalPtr> Cached(
      const std::string& cache_key,
      const std::function<grpc::Status(grpc::ClientContext*, rcp::registry::v1::Principal*)>& fetch);

  struct Entry {
    PrincipalPtr principal;
    absl::Time fetched;
  };
  Upstream* upstream_;
  Clock* clock_;
  absl::Duration ttl_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_AUTHENTICATOR_H_
