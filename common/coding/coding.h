// Byte encodings shared by the stores (ordered keys), the gateway (cursors)
// and anything else that writes numbers into bytes — in the spirit of
// leveldb's util/coding.h. No storage here: a caller that only encodes links
// this alone.
#ifndef RCP_COMMON_CODING_CODING_H_
#define RCP_COMMON_CODING_CODING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rcp::coding {

// 8 bytes, big-endian, so byte order equals numeric order.
std::string EncodeUint64(uint64_t v);
void AppendUint64(std::string* out, uint64_t v);
// nullopt unless `bytes` is exactly 8 bytes.
std::optional<uint64_t> DecodeUint64(absl::string_view bytes);

// Smallest string greater than every string that starts with `prefix`;
// empty when there is none (prefix of all 0xff), meaning "to the end".
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace rcp::coding

#endif  // RCP_COMMON_CODING_CODING_H_
