// Ordered key encodings shared by every store.
#ifndef RCP_COMMON_STORAGE_KEYS_H_
#define RCP_COMMON_STORAGE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rcp::storage {

// 8 bytes, big-endian, so byte order equals numeric order.
std::string EncodeUint64(uint64_t v);
void AppendUint64(std::string* out, uint64_t v);
// nullopt unless `key` is exactly 8 bytes.
std::optional<uint64_t> DecodeUint64(absl::string_view key);

// Smallest string greater than every string that starts with `prefix`;
// empty when there is none (prefix of all 0xff), meaning "to the end".
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace rcp::storage

#endif  // RCP_COMMON_STORAGE_KEYS_H_
