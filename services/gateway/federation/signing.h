// Signatures of federation: Ed25519 keys (RFC 8032, through OpenSSL 3's EVP
// API), the encoding that is signed, envelopes signed and verified, and the
// sealing of private keys for the keyring.
//
// What is signed is never a re-serialized protobuf (its serialization is
// not canonical) but a domain-separated, length-prefixed encoding of the
// exact bytes, in the manner of DSSE's pre-authentication encoding:
//
//   "RCPSIG1" SP LEN(domain) SP domain ( SP LEN(field) SP field )*
//
// LEN is the field's length in bytes as ASCII decimal; numbers are written
// as ASCII decimal; a repeated field is its count followed by its elements.
// The domain names what is signed, so that a signature over one kind of
// statement can never pass for another.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_SIGNING_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_SIGNING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rcp/federation/v1/federation.pb.h"

namespace rcp::gateway::federation {

namespace fv1 = ::rcp::federation::v1;

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kPrivateKeySize = 32;
inline constexpr size_t kSignatureSize = 64;
// The keyring's sealing key: AES-256.
inline constexpr size_t kSealingKeySize = 32;

// "ed25519:" and the first 16 hex digits of the SHA-256 of the raw public
// key.
std::string KeyIdOf(absl::string_view public_key);

// An Ed25519 key pair. Immutable; thread-safe.
class SigningKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static absl::StatusOr<SigningKey> Generate();
  // From its raw 32-byte private key (RFC 8032's seed). INVALID_ARGUMENT
  // when it is not 32 bytes.
  static absl::StatusOr<SigningKey> FromPrivateKey(absl::string_view private_key);

  const std::string& public_key() const { return public_key_; }
  const std::string& private_key() const { return private_key_; }
  const std::string& key_id() const { return key_id_; }

  // The 64-byte signature of `message`.
  std::string Sign(absl::string_view message) const;

 private:
  struct Pkey;
  SigningKey(std::shared_ptr<Pkey> pkey, std::string private_key, std::string public_key);

  std::shared_ptr<Pkey> pkey_;
  std::string private_key_;
  std::string public_key_;
  std::string key_id_;
};

// Whether `signature` is `public_key`'s over `message`.
bool VerifySignature(absl::string_view public_key, absl::string_view message, absl::string_view signature);

// The encoding above, of `fields` under `domain`.
std::string Encode(absl::string_view domain, const std::vector<std::string>& fields);

// What an envelope's signature covers: every field but the signature.
std::string EnvelopeStatement(const fv1::Envelope& envelope);
// What a key's predecessor signs: the deployment, the key's id, its public
// key and its creation time.
std::string KeyStatement(absl::string_view deployment_id, const fv1::ServerKey& key);

// Sets the envelope's key_id and signature.
void SignEnvelope(const SigningKey& key, fv1::Envelope* envelope);

// Whether `envelope` is signed by one of `origin_keys` (its origin's, as
// fetched from the origin or pinned):
//   INVALID_ARGUMENT naming origin  the keys are another deployment's
//   NOT_FOUND naming key_id         no such key: fetch the origin's keys
//                                   again before giving up
//   UNAUTHENTICATED naming key_id   the key was revoked (compromised)
//   UNAUTHENTICATED naming signature  it does not verify (altered)
// Verify before parsing the payload.
absl::Status VerifyEnvelope(const fv1::ServerKeys& origin_keys, const fv1::Envelope& envelope);

// Whether every key of `keys` that names a predecessor carries that
// predecessor's valid signature over it; UNAUTHENTICATED naming the key
// otherwise (a key nobody vouches for).
absl::Status VerifyKeyChain(const fv1::ServerKeys& keys);

// AES-256-GCM under `sealing_key` (32 bytes), bound to `context` (the key
// id): nonce (12 bytes) || ciphertext || tag (16 bytes).
absl::StatusOr<std::string> Seal(absl::string_view sealing_key, absl::string_view plaintext,
                                 absl::string_view context);
// The plaintext; PERMISSION_DENIED when it does not open (another sealing
// key, another context, or altered bytes).
absl::StatusOr<std::string> Unseal(absl::string_view sealing_key, absl::string_view sealed,
                                   absl::string_view context);

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_SIGNING_H_
