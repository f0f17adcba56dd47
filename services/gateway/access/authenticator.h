// API-key authentication: `authorization: Bearer rcp_…` resolved to the
// caller's principal by the registry, cached briefly so that a call does
// not cost a registry round trip. A revoked key stops working within the
// cache's TTL — the stated bound.
#ifndef RCP_SERVICES_GATEWAY_ACCESS_AUTHENTICATOR_H_
#define RCP_SERVICES_GATEWAY_ACCESS_AUTHENTICATOR_H_

#include <grpcpp/server_context.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/crypto/crypto.h"
#include "common/time/clock.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::gateway::access {

using PrincipalPtr = std::shared_ptr<const rcp::registry::v1::Principal>;

// Where principals come from (the registry; a fake in tests).
class PrincipalSource {
 public:
  virtual ~PrincipalSource() = default;
  // The principal of a presented key: UNAUTHENTICATED when the key is
  // malformed, unknown, wrong, revoked or expired; another error when the
  // source cannot be asked.
  virtual absl::StatusOr<rcp::registry::v1::Principal> Authenticate(const std::string& key) = 0;
  // The principal of a key by name, for URLs the gateway signed itself
  // (calendar feeds); errors as Authenticate.
  virtual absl::StatusOr<rcp::registry::v1::Principal> ResolveKeyName(const std::string& name) = 0;
  // The portal's sign-in sessions (registry.proto's *WebSession*), known
  // by the SHA-256 of their ids; errors as Authenticate.
  virtual absl::StatusOr<rcp::registry::v1::CreateWebSessionResponse> CreateWebSession(
      const rcp::registry::v1::CreateWebSessionRequest& request) = 0;
  virtual absl::StatusOr<rcp::registry::v1::Principal> AuthenticateWebSession(const std::string& id_sha256) = 0;
  virtual absl::Status DeleteWebSession(const std::string& id_sha256) = 0;
  virtual absl::Status DeleteWebSessions(const std::string& api_key) = 0;
};

// How long a portal session lasts (--web_session_idle_timeout,
// --web_session_max_lifetime).
struct WebSessionLimits {
  absl::Duration idle_timeout = absl::Minutes(30);
  absl::Duration max_lifetime = absl::Hours(12);
};

// A visitor signed in to the portal: the id its cookie holds (the only
// copy: the registry keeps its SHA-256), and who it is.
struct SignedIn {
  std::string session_id;
  PrincipalPtr principal;
};

// Whether a call without an authorization header is an anonymous caller
// (who the policy lets read PUBLIC items, and nothing else: access/policy.h)
// or refused at once.
enum class AnonymousCallers { kRefused, kAdmitted };

// Thread-safe.
class Authenticator {
 public:
  // Neither is owned; both must outlive it.
  Authenticator(PrincipalSource* source, Clock* clock, absl::Duration ttl,
                AnonymousCallers anonymous = AnonymousCallers::kRefused)
      : source_(source), clock_(clock), ttl_(ttl), anonymous_(anonymous), in_process_secret_(crypto::RandomBytes(32)) {}

  // The principal of every caller without a key (Principal.anonymous).
  static const PrincipalPtr& Anonymous();

  // The caller's principal: Anonymous() when the call has no authorization
  // header and anonymous callers are admitted. UNAUTHENTICATED (naming the
  // authorization header) when the header is missing (and anonymous
  // callers refused) or malformed or the key invalid — a caller that sent
  // a bad key learns so, it is never quietly made anonymous; UNAVAILABLE
  // when the registry cannot be asked.
  absl::StatusOr<PrincipalPtr> Authenticate(const grpc::ServerContextBase* context);
  // The key of the caller's authorization header (UNAUTHENTICATED as
  // Authenticate when missing or malformed); does not block.
  static absl::StatusOr<std::string> KeyOf(const grpc::ServerContextBase* context);
  absl::StatusOr<PrincipalPtr> AuthenticateKey(const std::string& key);
  // The same, asking the registry whatever the cache holds (the party's
  // rights changed), and caching the answer.
  absl::StatusOr<PrincipalPtr> AuthenticateKeyNow(const std::string& key);
  // The caller's principal when its key is in the cache and fresh (or it
  // is an admitted anonymous caller); never blocks (nullptr otherwise:
  // authenticate on the pool).
  PrincipalPtr TryCached(const grpc::ServerContextBase* context);
  // By key name, for URLs the gateway signed itself (calendar feeds).
  absl::StatusOr<PrincipalPtr> ResolveKeyName(const std::string& name);

  // Portal sessions. A call carries one as SessionAuthorization(id), which
  // holds a proof made with a secret of this process, so that Authenticate
  // takes a session only from the portal: from the network a session id,
  // even a live one, is no credential. Its principal has web_session set,
  // so the policy lets it read only.
  std::string SessionAuthorization(const std::string& session_id) const;
  //
  // A new session for `key` with a new id (never one the visitor brought:
  // no fixation), ending `previous_id` when that is a session id.
  // UNAUTHENTICATED when the key is not valid.
  absl::StatusOr<SignedIn> SignIn(const std::string& key, const std::string& previous_id,
                                  const WebSessionLimits& limits);
  // The principal of a live session; UNAUTHENTICATED when it has ended
  // (known to this gateway at once; ended on another, or by revoking the
  // key, within the cache's TTL — the same bound as a revoked key).
  absl::StatusOr<PrincipalPtr> AuthenticateSession(const std::string& session_id);
  // Ends the session (OK when it had ended).
  absl::Status SignOut(const std::string& session_id);
  // Ends every session of the key the session belongs to.
  absl::Status SignOutEverywhere(const std::string& session_id);
  // Whether `id` looks like a session id (what RandomToken makes).
  static bool IsSessionId(absl::string_view id);

  Clock* clock() const { return clock_; }
  absl::Duration ttl() const { return ttl_; }

 private:
  // The cached principal under `cache_key` when fresh, else fetched.
  absl::StatusOr<PrincipalPtr> Cached(
      const std::string& cache_key, absl::FunctionRef<absl::StatusOr<rcp::registry::v1::Principal>()> fetch,
      bool use_cache = true);
  PrincipalPtr Fresh(const std::string& cache_key, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void Remember(const std::string& cache_key, PrincipalPtr principal, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(const std::string& cache_key) ABSL_LOCKS_EXCLUDED(mu_);
  static std::string SessionCacheKey(const std::string& session_id);
  // The session id of a call's SessionAuthorization; nullopt when the call
  // carries no session, UNAUTHENTICATED when the proof is wrong.
  absl::StatusOr<std::optional<std::string>> SessionOf(const grpc::ServerContextBase* context) const;

  struct Entry {
    PrincipalPtr principal;
    absl::Time fetched;
  };
  PrincipalSource* source_;
  Clock* clock_;
  absl::Duration ttl_;
  AnonymousCallers anonymous_;
  const std::string in_process_secret_;
  absl::Mutex mu_;
  std::map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::access

#endif  // RCP_SERVICES_GATEWAY_ACCESS_AUTHENTICATOR_H_
