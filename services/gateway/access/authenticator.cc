#include "services/gateway/access/authenticator.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/time/timestamp.h"

namespace rcp::gateway::access {
namespace {
constexpr size_t kMaxCacheEntries = 10000;
}

const PrincipalPtr& Authenticator::Anonymous() {
  static const auto* const anonymous = new PrincipalPtr([] {
    auto p = std::make_shared<rcp::registry::v1::Principal>();
    p->set_anonymous(true);
    return p;
  }());
  return *anonymous;
}

namespace {
bool HasNoCredential(const grpc::ServerContextBase* context) {
  return context->client_metadata().count("authorization") == 0;
}

constexpr absl::string_view kSessionScheme = "Session ";
constexpr size_t kSessionIdBytes = 32;  // 256 bits

}  // namespace

bool Authenticator::IsSessionId(absl::string_view id) {
  return id.size() == (kSessionIdBytes * 8 + 4) / 5 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); });
}

absl::StatusOr<std::optional<std::string>> Authenticator::SessionOf(const grpc::ServerContextBase* context) const {
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return std::nullopt;
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, kSessionScheme)) return std::nullopt;
  // "<id>.<proof>": only the portal, in this process, holds the proof.
  const size_t dot = value.find('.');
  if (dot == absl::string_view::npos ||
      !crypto::ConstantTimeEquals(value.substr(dot + 1), crypto::HmacSha256Hex(in_process_secret_, value.substr(0, dot)))) {
    return absl::UnauthenticatedError("authorization: must be 'Bearer rcp_<id>_<secret>'");
  }
  return std::string(value.substr(0, dot));
}

std::string Authenticator::SessionAuthorization(const std::string& session_id) const {
  return absl::StrCat(kSessionScheme, session_id, ".", crypto::HmacSha256Hex(in_process_secret_, session_id));
}

std::string Authenticator::SessionCacheKey(const std::string& session_id) {
  return absl::StrCat("session:", crypto::Sha256Hex(session_id));
}

absl::StatusOr<PrincipalPtr> Authenticator::Authenticate(const grpc::ServerContextBase* context) {
  if (anonymous_ == AnonymousCallers::kAdmitted && HasNoCredential(context)) return Anonymous();
  RCP_ASSIGN_OR_RETURN(std::optional<std::string> session, SessionOf(context));
  if (session.has_value()) return AuthenticateSession(*session);
  absl::StatusOr<std::string> key = KeyOf(context);
  if (!key.ok()) return key.status();
  return AuthenticateKey(*key);
}

absl::StatusOr<std::string> Authenticator::KeyOf(const grpc::ServerContextBase* context) {
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError(
        "authorization: missing; send the metadata 'authorization: Bearer rcp_<id>_<secret>'");
  }
  std::string value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(value, kBearer)) {
    return absl::UnauthenticatedError("authorization: must be 'Bearer rcp_<id>_<secret>'");
  }
  return value.substr(kBearer.size());
}

PrincipalPtr Authenticator::Fresh(const std::string& cache_key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(cache_key);
  if (it == cache_.end() || now - it->second.fetched >= ttl_ ||
      FromTimestamp(it->second.principal->valid_until()) <= now) {
    return nullptr;
  }
  return it->second.principal;
}

PrincipalPtr Authenticator::TryCached(const grpc::ServerContextBase* context) {
  if (anonymous_ == AnonymousCallers::kAdmitted && HasNoCredential(context)) return Anonymous();
  absl::StatusOr<std::optional<std::string>> session = SessionOf(context);
  if (!session.ok()) return nullptr;
  if (session->has_value()) return Fresh(SessionCacheKey(**session), clock_->Now());
  absl::StatusOr<std::string> key = KeyOf(context);
  if (!key.ok()) return nullptr;
  return Fresh(crypto::Sha256Hex(*key), clock_->Now());
}

absl::StatusOr<PrincipalPtr> Authenticator::AuthenticateKey(const std::string& key) {
  // Cached by a digest of the key, so the cache holds no secrets.
  return Cached(crypto::Sha256Hex(key), [&] { return source_->Authenticate(key); });
}

absl::StatusOr<PrincipalPtr> Authenticator::AuthenticateKeyNow(const std::string& key) {
  return Cached(crypto::Sha256Hex(key), [&] { return source_->Authenticate(key); }, /*use_cache=*/false);
}

absl::StatusOr<PrincipalPtr> Authenticator::ResolveKeyName(const std::string& name) {
  return Cached(absl::StrCat("name:", name), [&] { return source_->ResolveKeyName(name); });
}

absl::StatusOr<PrincipalPtr> Authenticator::Cached(
    const std::string& cache_key, absl::FunctionRef<absl::StatusOr<rcp::registry::v1::Principal>()> fetch,
    bool use_cache) {
  absl::Time now = clock_->Now();
  if (PrincipalPtr fresh = use_cache ? Fresh(cache_key, now) : nullptr) return fresh;
  absl::StatusOr<rcp::registry::v1::Principal> fetched = fetch();
  if (!fetched.ok()) {
    if (absl::IsUnauthenticated(fetched.status())) return fetched.status();
    return absl::UnavailableError(
        absl::StrCat("authentication is unavailable: ", fetched.status().message()));
  }
  auto principal = std::make_shared<const rcp::registry::v1::Principal>(std::move(*fetched));
  Remember(cache_key, principal, now);
  return PrincipalPtr(principal);
}

void Authenticator::Remember(const std::string& cache_key, PrincipalPtr principal, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCacheEntries) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = now - it->second.fetched >= ttl_ ? cache_.erase(it) : std::next(it);
    }
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  }
  cache_[cache_key] = Entry{std::move(principal), now};
}

void Authenticator::Forget(const std::string& cache_key) {
  absl::MutexLock lock(&mu_);
  cache_.erase(cache_key);
}

absl::StatusOr<SignedIn> Authenticator::SignIn(const std::string& key, const std::string& previous_id,
                                               const WebSessionLimits& limits) {
  rcp::registry::v1::CreateWebSessionRequest request;
  request.set_key(key);
  SignedIn signed_in;
  signed_in.session_id = crypto::RandomToken(kSessionIdBytes);
  request.set_id_sha256(crypto::Sha256Hex(signed_in.session_id));
  if (IsSessionId(previous_id)) {
    request.set_ends_id_sha256(crypto::Sha256Hex(previous_id));
    Forget(SessionCacheKey(previous_id));
  }
  *request.mutable_idle_timeout() = ToDuration(limits.idle_timeout);
  *request.mutable_max_lifetime() = ToDuration(limits.max_lifetime);
  absl::StatusOr<rcp::registry::v1::CreateWebSessionResponse> created = source_->CreateWebSession(request);
  if (!created.ok()) {
    if (absl::IsUnauthenticated(created.status())) return created.status();
    return absl::UnavailableError(absl::StrCat("signing in is unavailable: ", created.status().message()));
  }
  auto principal = std::make_shared<const rcp::registry::v1::Principal>(std::move(*created->mutable_principal()));
  Remember(SessionCacheKey(signed_in.session_id), principal, clock_->Now());
  signed_in.principal = std::move(principal);
  return signed_in;
}

absl::StatusOr<PrincipalPtr> Authenticator::AuthenticateSession(const std::string& session_id) {
  if (!IsSessionId(session_id)) return absl::UnauthenticatedError("session: ended; sign in again");
  return Cached(SessionCacheKey(session_id),
                [&] { return source_->AuthenticateWebSession(crypto::Sha256Hex(session_id)); });
}

absl::Status Authenticator::SignOut(const std::string& session_id) {
  if (!IsSessionId(session_id)) return absl::OkStatus();
  Forget(SessionCacheKey(session_id));
  return source_->DeleteWebSession(crypto::Sha256Hex(session_id));
}

absl::Status Authenticator::SignOutEverywhere(const std::string& session_id) {
  absl::StatusOr<PrincipalPtr> principal = AuthenticateSession(session_id);
  if (!principal.ok()) return absl::IsUnauthenticated(principal.status()) ? absl::OkStatus() : principal.status();
  const std::string api_key = (*principal)->api_key();
  {
    // This gateway forgets them at once; the others within their TTL.
    absl::MutexLock lock(&mu_);
    for (auto it = cache_.begin(); it != cache_.end();) {
      const auto& p = *it->second.principal;
      it = p.web_session() && p.api_key() == api_key ? cache_.erase(it) : std::next(it);
    }
  }
  return source_->DeleteWebSessions(api_key);
}

}  // namespace rcp::gateway::access
