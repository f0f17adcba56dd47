#include "services/gateway/authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/time/timestamp.h"
#include "common/entity/entity.h"
#include "common/status/status.h"

namespace rcp::gateway {
namespace {
constexpr size_t kMaxCacheEntries = 10000;
}

absl::StatusOr<PrincipalPtr> Authenticator::Authenticate(const grpc::ServerContextBase* context) {
  RCP_ASSIGN_OR_RETURN(std::string key, KeyOf(context));
  return AuthenticateKey(key);
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

PrincipalPtr Authenticator::TryCached(const grpc::ServerContextBase* context) {
  auto key = KeyOf(context);
  if (!key.ok()) return nullptr;
  std::string digest = crypto::Sha256Hex(*key);
  absl::Time now = clock_->Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(digest);
  if (it == cache_.end() || now - it->second.fetched >= ttl_ ||
      FromTimestamp(it->second.principal->valid_until()) <= now) {
    return nullptr;
  }
  return it->second.principal;
}

absl::StatusOr<PrincipalPtr> Authenticator::AuthenticateKey(const std::string& key) {
  // Cached by a digest of the key, so the cache holds no secrets.
  return Cached(crypto::Sha256Hex(key), [&](grpc::ClientContext* ctx, rcp::registry::v1::Principal* out) {
    rcp::registry::v1::AuthenticateRequest req;
    req.set_key(key);
    return upstream_->registry()->Authenticate(ctx, req, out);
  });
}

absl::StatusOr<PrincipalPtr> Authenticator::ResolveKeyName(const std::string& name) {
  return Cached(absl::StrCat("name:", name),
                [&](grpc::ClientContext* ctx, rcp::registry::v1::Principal* out) {
                  rcp::registry::v1::ResolveApiKeyRequest req;
                  req.set_name(name);
                  return upstream_->registry()->ResolveApiKey(ctx, req, out);
                });
}

absl::StatusOr<PrincipalPtr> Authenticator::Cached(
    const std::string& cache_key,
    const std::function<grpc::Status(grpc::ClientContext*, rcp::registry::v1::Principal*)>& fetch) {
  absl::Time now = clock_->Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && now - it->second.fetched < ttl_ &&
        FromTimestamp(it->second.principal->valid_until()) > now) {
      return it->second.principal;
    }
  }
  auto principal = std::make_shared<rcp::registry::v1::Principal>();
  grpc::Status s = upstream_->WithRetry(
      "", nullptr, [&](grpc::ClientContext* ctx) { return fetch(ctx, principal.get()); });
  if (!s.ok()) {
    absl::Status st = FromGrpcStatus(s);
    if (absl::IsUnauthenticated(st)) return st;
    return absl::UnavailableError(absl::StrCat("authentication is unavailable: ", st.message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = now - it->second.fetched >= ttl_ ? cache_.erase(it) : std::next(it);
    }
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  }
  cache_[cache_key] = Entry{principal, now};
  return PrincipalPtr(principal);
}

}  // namespace rcp::gateway
