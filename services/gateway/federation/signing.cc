#include "services/gateway/federation/signing.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"

namespace rcp::gateway::federation {

namespace {

constexpr char kEncodingTag[] = "RCPSIG1";
constexpr char kEnvelopeDomain[] = "rcp.federation.v1.Envelope";
constexpr char kKeyDomain[] = "rcp.federation.v1.ServerKey";
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

const unsigned char* Bytes(absl::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

struct CipherCtx {
  CipherCtx() : ctx(EVP_CIPHER_CTX_new()) {}
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* ctx;
};

struct MdCtx {
  MdCtx() : ctx(EVP_MD_CTX_new()) {}
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
  EVP_MD_CTX* ctx;
};

}  // namespace

struct SigningKey::Pkey {
  explicit Pkey(EVP_PKEY* p) : pkey(p) {}
  ~Pkey() { EVP_PKEY_free(pkey); }
  EVP_PKEY* pkey;
};

std::string KeyIdOf(absl::string_view public_key) {
  return absl::StrCat("ed25519:", crypto::Sha256Hex(public_key).substr(0, 16));
}

SigningKey::SigningKey(std::shared_ptr<Pkey> pkey, std::string private_key, std::string public_key)
    : pkey_(std::move(pkey)),
      private_key_(std::move(private_key)),
      public_key_(std::move(public_key)),
      key_id_(KeyIdOf(public_key_)) {}

absl::StatusOr<SigningKey> SigningKey::Generate() {
  std::string seed(kPrivateKeySize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), static_cast<int>(seed.size())) != 1) {
    return absl::InternalError("the system's random source failed");
  }
  return FromPrivateKey(seed);
}

absl::StatusOr<SigningKey> SigningKey::FromPrivateKey(absl::string_view private_key) {
  if (private_key.size() != kPrivateKeySize) {
    return InvalidField("private_key", absl::StrCat("must be ", kPrivateKeySize, " bytes"));
  }
  EVP_PKEY* raw =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(private_key), private_key.size());
  if (raw == nullptr) return absl::InternalError("OpenSSL refused an Ed25519 private key");
  auto pkey = std::make_shared<Pkey>(raw);
  std::string public_key(kPublicKeySize, '\0');
  size_t size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(raw, reinterpret_cast<unsigned char*>(public_key.data()), &size) != 1 ||
      size != kPublicKeySize) {
    return absl::InternalError("OpenSSL gave no Ed25519 public key");
  }
  return SigningKey(std::move(pkey), std::string(private_key), std::move(public_key));
}

std::string SigningKey::Sign(absl::string_view message) const {
  MdCtx md;
  std::string signature(kSignatureSize, '\0');
  size_t size = signature.size();
  // Ed25519 signs the message itself (no pre-hash): EVP_DigestSign in one go.
  if (EVP_DigestSignInit(md.ctx, nullptr, nullptr, nullptr, pkey_->pkey) != 1 ||
      EVP_DigestSign(md.ctx, reinterpret_cast<unsigned char*>(signature.data()), &size, Bytes(message),
                     message.size()) != 1 ||
      size != kSignatureSize) {
    // A valid key always signs; failing here is a broken library.
    std::abort();
  }
  return signature;
}

bool VerifySignature(absl::string_view public_key, absl::string_view message, absl::string_view signature) {
  if (public_key.size() != kPublicKeySize || signature.size() != kSignatureSize) return false;
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size());
  if (pkey == nullptr) return false;
  MdCtx md;
  bool ok = EVP_DigestVerifyInit(md.ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(md.ctx, Bytes(signature), signature.size(), Bytes(message), message.size()) == 1;
  EVP_PKEY_free(pkey);
  return ok;
}

std::string Encode(absl::string_view domain, const std::vector<std::string>& fields) {
  std::string out = absl::StrCat(kEncodingTag, " ", domain.size(), " ", domain);
  for (const auto& f : fields) absl::StrAppend(&out, " ", f.size(), " ", f);
  return out;
}

std::string EnvelopeStatement(const fv1::Envelope& e) {
  std::vector<std::string> fields = {e.payload_type(),
                                     e.payload(),
                                     e.origin(),
                                     e.store(),
                                     absl::StrCat(e.epoch()),
                                     absl::StrCat(e.revision()),
                                     absl::StrCat(e.registry_revision()),
                                     absl::StrCat(e.recipients_size())};
  fields.insert(fields.end(), e.recipients().begin(), e.recipients().end());
  fields.push_back(e.key_id());
  return Encode(kEnvelopeDomain, fields);
}

std::string KeyStatement(absl::string_view deployment_id, const fv1::ServerKey& key) {
  return Encode(kKeyDomain, {std::string(deployment_id), key.key_id(), key.public_key(),
                             absl::StrCat(key.create_time().seconds(), ".", key.create_time().nanos())});
}

void SignEnvelope(const SigningKey& key, fv1::Envelope* envelope) {
  envelope->set_key_id(key.key_id());
  envelope->set_signature(key.Sign(EnvelopeStatement(*envelope)));
}

absl::Status VerifyEnvelope(const fv1::ServerKeys& origin_keys, const fv1::Envelope& envelope) {
  if (envelope.origin() != origin_keys.deployment_id()) {
    return InvalidField("origin", absl::StrCat("is ", envelope.origin(), " but the keys are ",
                                               origin_keys.deployment_id(), "'s"));
  }
  for (const auto& key : origin_keys.keys()) {
    if (key.key_id() != envelope.key_id()) continue;
    if (key.revoked()) {
      return absl::UnauthenticatedError(absl::StrCat("key_id: ", key.key_id(), " was revoked by ",
                                                     envelope.origin(), "; nothing it signed is trusted"));
    }
    if (!VerifySignature(key.public_key(), EnvelopeStatement(envelope), envelope.signature())) {
      return absl::UnauthenticatedError(
          absl::StrCat("signature: does not verify under ", key.key_id(), " of ", envelope.origin(),
                       "; the envelope was altered or not signed by its origin"));
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("key_id: ", envelope.origin(), " has no key ", envelope.key_id(),
                                          "; fetch its keys again"));
}

absl::Status VerifyKeyChain(const fv1::ServerKeys& keys) {
  for (int i = 0; i < keys.keys_size(); ++i) {
    if (keys.keys(i).key_id() != KeyIdOf(keys.keys(i).public_key())) {
      return absl::UnauthenticatedError(
          absl::StrCat("keys[", i, "].key_id: is not the id of its public key"));
    }
  }
  for (int i = 0; i < keys.keys_size(); ++i) {
    const fv1::ServerKey& key = keys.keys(i);
    if (key.predecessor_key_id().empty()) continue;
    const fv1::ServerKey* predecessor = nullptr;
    for (const auto& k : keys.keys()) {
      if (k.key_id() == key.predecessor_key_id()) predecessor = &k;
    }
    if (predecessor == nullptr ||
        !VerifySignature(predecessor->public_key(), KeyStatement(keys.deployment_id(), key),
                         key.predecessor_signature())) {
      return absl::UnauthenticatedError(absl::StrCat("keys[", i, "]: ", key.key_id(),
                                                     " is not vouched for by its predecessor ",
                                                     key.predecessor_key_id()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Seal(absl::string_view sealing_key, absl::string_view plaintext,
                                 absl::string_view context) {
  if (sealing_key.size() != kSealingKeySize) {
    return absl::InvalidArgumentError(absl::StrCat("the sealing key must be ", kSealingKeySize, " bytes"));
  }
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(bytes, kNonceSize) != 1) return absl::InternalError("the system's random source failed");
  CipherCtx c;
  int len = 0;
  if (EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, Bytes(sealing_key), bytes) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &len, Bytes(context), static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, bytes + kNonceSize, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, bytes + kNonceSize + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, bytes + kNonceSize + plaintext.size()) !=
          1) {
    return absl::InternalError("AES-256-GCM sealing failed");
  }
  return out;
}

absl::StatusOr<std::string> Unseal(absl::string_view sealing_key, absl::string_view sealed,
                                   absl::string_view context) {
  if (sealing_key.size() != kSealingKeySize) {
    return absl::InvalidArgumentError(absl::StrCat("the sealing key must be ", kSealingKeySize, " bytes"));
  }
  if (sealed.size() < kNonceSize + kTagSize) return absl::PermissionDeniedError("sealed: too short to open");
  size_t size = sealed.size() - kNonceSize - kTagSize;
  std::string out(size, '\0');
  std::string tag(sealed.substr(kNonceSize + size));
  CipherCtx c;
  int len = 0;
  if (EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, Bytes(sealing_key), Bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &len, Bytes(context), static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(out.data()), &len, Bytes(sealed) + kNonceSize,
                        static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &len) != 1) {
    return absl::PermissionDeniedError(
        "sealed: does not open with this sealing key (another deployment's key, or altered bytes)");
  }
  return out;
}

}  // namespace rcp::gateway::federation
