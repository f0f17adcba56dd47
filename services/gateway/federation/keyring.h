// The deployment's signing keys, as every gateway replica shares them: kept
// by rcp-registryd (internal GetKeyring / UpdateKeyring, a compare-and-set
// on the keyring's etag), never on a gateway pod's disk, the private halves
// sealed under the sealing key the gateways are given
// (--keyring_key_file), so that neither the registry's database nor its
// backups hold a usable private key.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_KEYRING_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_KEYRING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"
#include "services/gateway/federation/signing.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::federation {

// The keyring's operations, without I/O.
//
// A first keyring: one fresh key, created `now`.
absl::StatusOr<fv1::Keyring> NewKeyring(absl::string_view sealing_key, absl::Time now);
// `current` after a rotation at `now`: a fresh key becomes current. The old
// one stops signing, records the positions it signed through
// (`signed_through`, the stores' revisions now) and vouches for the new one
// (its signature over the new key's statement); with `revoke` it is instead
// marked compromised, and vouches for nothing: peers then take the new key
// from the origin itself.
absl::StatusOr<fv1::Keyring> RotatedKeyring(const fv1::Keyring& current, absl::string_view sealing_key,
                                            absl::string_view deployment_id, absl::Time now, bool revoke,
                                            const std::vector<fv1::StorePosition>& signed_through = {});
// How many of the keyring's keys are revoked.
int RevokedKeys(const fv1::ServerKeys& keys);
// The public half: what GetServerKeys answers.
fv1::ServerKeys PublicKeys(const fv1::Keyring& keyring, absl::string_view deployment_id);
// The current key, opened. PERMISSION_DENIED when it does not open with
// `sealing_key`; FAILED_PRECONDITION for an empty keyring.
absl::StatusOr<SigningKey> CurrentKey(const fv1::Keyring& keyring, absl::string_view sealing_key);

// Thread-safe.
class KeyringManager {
 public:
  // `upstream` and `clock` are not owned.
  KeyringManager(upstream::Upstream* upstream, std::string deployment_id, std::string sealing_key,
                 Clock* clock);

  // Loads the keyring, and makes the first key when there is none (a
  // replica that loses that race adopts the winner's). UNAVAILABLE when the
  // registry cannot be reached; PERMISSION_DENIED when the keyring does not
  // open with this gateway's sealing key (another deployment's, or a
  // changed key file).
  absl::Status Load();
  // Reads the keyring again: another replica may have rotated it.
  absl::Status Refresh();
  // Rotates (see RotatedKeyring), retrying when another replica changed
  // the keyring meanwhile; the keys as they are after it.
  absl::StatusOr<fv1::ServerKeys> Rotate(bool revoke);

  const std::string& deployment_id() const { return deployment_id_; }
  fv1::ServerKeys public_keys() const ABSL_LOCKS_EXCLUDED(mu_);
  // nullptr before Load succeeded.
  std::shared_ptr<const SigningKey> current() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::StatusOr<fv1::Keyring> Fetch();
  // The stores' positions now, and the head's (the time in µs).
  absl::StatusOr<std::vector<fv1::StorePosition>> Positions();
  // The stored keyring after replacing the one of `etag` with `next`.
  absl::StatusOr<fv1::Keyring> Store(const fv1::Keyring& next, const std::string& etag);
  absl::Status Adopt(const fv1::Keyring& keyring) ABSL_LOCKS_EXCLUDED(mu_);

  upstream::Upstream* upstream_;
  const std::string deployment_id_;
  const std::string sealing_key_;
  Clock* clock_;
  mutable absl::Mutex mu_;
  fv1::Keyring keyring_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const SigningKey> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_KEYRING_H_
