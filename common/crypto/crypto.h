// The few cryptographic primitives the suite needs, from OpenSSL.
#ifndef RCP_COMMON_CRYPTO_CRYPTO_H_
#define RCP_COMMON_CRYPTO_CRYPTO_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace rcp::crypto {

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view data);

// HMAC-SHA-256 of `message` under `key`, as 64 lowercase hex digits.
std::string HmacSha256Hex(absl::string_view key, absl::string_view message);

// `bytes` as lowercase hex, two digits a byte.
std::string HexEncode(absl::string_view bytes);

// `n` bytes from OpenSSL's CSPRNG, as lowercase base32 (a-z2-7) text: safe in
// URLs, keys and resource ids. Aborts if the CSPRNG fails (cannot happen on a
// seeded Linux system).
std::string RandomToken(size_t n_bytes);
// `n` bytes from OpenSSL's CSPRNG, as they are. Aborts as RandomToken.
std::string RandomBytes(size_t n);

// SHA-256 of data given in pieces (content streamed in chunks). Not
// thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // The digest of everything added so far, as 64 lowercase hex digits;
  // more may be added after.
  std::string HexDigest() const;
  // Takes over `other`'s state.
  void CopyFrom(const Sha256& other);

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Compares without leaking where the first difference is.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace rcp::crypto

#endif  // RCP_COMMON_CRYPTO_CRYPTO_H_
