#include "services/gateway/access/authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
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
}  // namespace

absl::StatusOr<PrincipalPtr> Authenticator::Authenticate(const grpc::ServerContextBase* context) {
  if (anonymous_ == AnonymousCallers::kAdmitted && HasNoCredential(context)) return Anonymous();
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
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCacheEntries) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = now - it->second.fetched >= ttl_ ? cache_.erase(it) : std::next(it);
    }
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  }
  cache_[cache_key] = Entry{principal, now};
  return PrincipalPtr(principal);
}

}  // namespace rcp::gateway::access
