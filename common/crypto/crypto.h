// The few cryptographic primitives the suite needs, from OpenSSL.
#ifndef RCP_COMMON_CRYPTO_CRYPTO_H_
#define RCP_COMMON_CRYPTO_CRYPTO_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace rcp::crypto {

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view data);

// `n` bytes from OpenSSL's CSPRNG, as lowercase base32 (a-z2-7) text: safe in
// URLs, keys and resource ids. Aborts if the CSPRNG fails (cannot happen on a
// seeded Linux system).
std::string RandomToken(size_t n_bytes);

// Compares without leaking where the first difference is.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace rcp::crypto

#endif  // RCP_COMMON_CRYPTO_CRYPTO_H_
