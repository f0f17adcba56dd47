#include "services/gateway/federation/keyring.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/time/timestamp.h"

namespace rcp::gateway::federation {

namespace {

// Replicas that rotate at the same moment retry a few times; more means
// something keeps changing the keyring, which an operator should look at.
constexpr int kMaxAttempts = 5;

absl::StatusOr<fv1::KeyringEntry> FreshEntry(absl::string_view sealing_key, absl::Time now) {
  RCP_ASSIGN_OR_RETURN(SigningKey key, SigningKey::Generate());
  fv1::KeyringEntry entry;
  entry.mutable_key()->set_key_id(key.key_id());
  entry.mutable_key()->set_public_key(key.public_key());
  *entry.mutable_key()->mutable_create_time() = ToTimestamp(now);
  RCP_ASSIGN_OR_RETURN(*entry.mutable_sealed_private_key(),
                       Seal(sealing_key, key.private_key(), key.key_id()));
  return entry;
}

}  // namespace

absl::StatusOr<fv1::Keyring> NewKeyring(absl::string_view sealing_key, absl::Time now) {
  fv1::Keyring keyring;
  RCP_ASSIGN_OR_RETURN(*keyring.add_entries(), FreshEntry(sealing_key, now));
  return keyring;
}

absl::StatusOr<fv1::Keyring> RotatedKeyring(const fv1::Keyring& current, absl::string_view sealing_key,
                                            absl::string_view deployment_id, absl::Time now, bool revoke,
                                            const std::vector<fv1::StorePosition>& signed_through) {
  RCP_ASSIGN_OR_RETURN(SigningKey old_key, CurrentKey(current, sealing_key));
  RCP_ASSIGN_OR_RETURN(fv1::KeyringEntry fresh, FreshEntry(sealing_key, now));
  fv1::Keyring next;
  *next.add_entries() = fresh;
  for (const auto& e : current.entries()) *next.add_entries() = e;
  fv1::ServerKey* retired = next.mutable_entries(1)->mutable_key();
  *retired->mutable_expire_time() = ToTimestamp(now);
  for (const auto& p : signed_through) *retired->add_signed_through() = p;
  if (revoke) {
    retired->set_revoked(true);
  } else {
    fv1::ServerKey* key = next.mutable_entries(0)->mutable_key();
    key->set_predecessor_key_id(old_key.key_id());
    key->set_predecessor_signature(old_key.Sign(KeyStatement(deployment_id, *key)));
  }
  return next;
}

int RevokedKeys(const fv1::ServerKeys& keys) {
  int n = 0;
  for (const auto& k : keys.keys()) n += k.revoked() ? 1 : 0;
  return n;
}

fv1::ServerKeys PublicKeys(const fv1::Keyring& keyring, absl::string_view deployment_id) {
  fv1::ServerKeys keys;
  keys.set_deployment_id(std::string(deployment_id));
  for (const auto& e : keyring.entries()) *keys.add_keys() = e.key();
  return keys;
}

absl::StatusOr<SigningKey> CurrentKey(const fv1::Keyring& keyring, absl::string_view sealing_key) {
  if (keyring.entries().empty()) return absl::FailedPreconditionError("keyring: has no key yet");
  const fv1::KeyringEntry& entry = keyring.entries(0);
  RCP_ASSIGN_OR_RETURN(std::string private_key,
                       Unseal(sealing_key, entry.sealed_private_key(), entry.key().key_id()));
  RCP_ASSIGN_OR_RETURN(SigningKey key, SigningKey::FromPrivateKey(private_key));
  if (key.key_id() != entry.key().key_id()) {
    return absl::DataLossError(
        absl::StrCat("keyring: the sealed key of ", entry.key().key_id(), " is another key"));
  }
  return key;
}

KeyringManager::KeyringManager(upstream::Upstream* upstream, std::string deployment_id,
                               std::string sealing_key, Clock* clock)
    : upstream_(upstream),
      deployment_id_(std::move(deployment_id)),
      sealing_key_(std::move(sealing_key)),
      clock_(clock) {}

absl::StatusOr<fv1::Keyring> KeyringManager::Fetch() {
  fv1::Keyring keyring;
  grpc::Status s = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
    return upstream_->registry()->GetKeyring(c, rcp::registry::v1::GetKeyringRequest(), &keyring);
  });
  if (!s.ok()) return FromGrpcStatus(s);
  return keyring;
}

absl::StatusOr<fv1::Keyring> KeyringManager::Store(const fv1::Keyring& next, const std::string& etag) {
  rcp::registry::v1::UpdateKeyringRequest request;
  *request.mutable_keyring() = next;
  request.set_etag(etag);
  fv1::Keyring stored;
  // Made once: a compare-and-set that timed out may have happened, and the
  // caller reads again before deciding.
  grpc::ClientContext c;
  upstream_->Prepare(&c, {});
  grpc::Status s = upstream_->registry()->UpdateKeyring(&c, request, &stored);
  if (!s.ok()) return FromGrpcStatus(s);
  return stored;
}

absl::Status KeyringManager::Adopt(const fv1::Keyring& keyring) {
  RCP_ASSIGN_OR_RETURN(SigningKey key, CurrentKey(keyring, sealing_key_));
  auto current = std::make_shared<const SigningKey>(std::move(key));
  absl::MutexLock lock(&mu_);
  keyring_ = keyring;
  current_ = std::move(current);
  return absl::OkStatus();
}

absl::Status KeyringManager::Load() {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    RCP_ASSIGN_OR_RETURN(fv1::Keyring keyring, Fetch());
    if (!keyring.entries().empty()) return Adopt(keyring);
    RCP_ASSIGN_OR_RETURN(fv1::Keyring first, NewKeyring(sealing_key_, clock_->Now()));
    absl::StatusOr<fv1::Keyring> stored = Store(first, "");
    if (stored.ok()) return Adopt(*stored);
    if (!absl::IsAborted(stored.status()) && !absl::IsUnavailable(stored.status())) return stored.status();
    // Another replica made the first key, or the answer was lost: read again.
  }
  return absl::AbortedError("keyring: kept changing while this gateway made its first key; try again");
}

absl::Status KeyringManager::Refresh() {
  RCP_ASSIGN_OR_RETURN(fv1::Keyring keyring, Fetch());
  {
    absl::MutexLock lock(&mu_);
    if (keyring.etag() == keyring_.etag()) return absl::OkStatus();
  }
  return Adopt(keyring);
}

absl::StatusOr<std::vector<fv1::StorePosition>> KeyringManager::Positions() {
  std::vector<fv1::StorePosition> out;
  for (resource::Service service : resource::kServices) {
    fv1::Position position;
    grpc::Status s = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
      return upstream_->replica(service)->GetPosition(c, fv1::GetPositionRequest(), &position);
    });
    if (!s.ok()) return FromGrpcStatus(s);
    fv1::StorePosition& p = out.emplace_back();
    p.set_store(resource::ServiceName(service));
    p.set_epoch(position.epoch());
    p.set_revision(position.revision());
  }
  fv1::StorePosition& head = out.emplace_back();
  head.set_store("head");
  head.set_revision(static_cast<uint64_t>(absl::ToUnixMicros(clock_->Now())));
  return out;
}

absl::StatusOr<fv1::ServerKeys> KeyringManager::Rotate(bool revoke) {
  // What the old key signed so far; afterwards it signs nothing.
  RCP_ASSIGN_OR_RETURN(std::vector<fv1::StorePosition> positions, Positions());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    RCP_ASSIGN_OR_RETURN(fv1::Keyring current, Fetch());
    RCP_ASSIGN_OR_RETURN(fv1::Keyring next, RotatedKeyring(current, sealing_key_, deployment_id_, clock_->Now(),
                                                           revoke, positions));
    absl::StatusOr<fv1::Keyring> stored = Store(next, current.etag());
    if (!stored.ok() && !absl::IsAborted(stored.status())) {
      // The answer was lost: the rotation may have happened. Rotating again
      // would make two keys; read what is stored and tell.
      absl::StatusOr<fv1::Keyring> now = Fetch();
      if (!now.ok() || now->entries().empty() ||
          now->entries(0).key().key_id() != next.entries(0).key().key_id()) {
        return stored.status();
      }
      stored = *std::move(now);
    }
    if (stored.ok()) {
      RCP_RETURN_IF_ERROR(Adopt(*stored));
      return PublicKeys(*stored, deployment_id_);
    }
  }
  return absl::AbortedError("keyring: kept changing during the rotation; try again");
}

fv1::ServerKeys KeyringManager::public_keys() const {
  absl::MutexLock lock(&mu_);
  return PublicKeys(keyring_, deployment_id_);
}

std::shared_ptr<const SigningKey> KeyringManager::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace rcp::gateway::federation
