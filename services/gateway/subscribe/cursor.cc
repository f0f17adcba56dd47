#include "services/gateway/subscribe/cursor.h"

#include "absl/strings/escaping.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"

namespace rcp::gateway::subscribe {
namespace {
// Tokens of this layout start so; a later layout gets a new version.
constexpr char kCursorVersion[] = "c1";
constexpr size_t kRevisionsSize = 8 * resource::kServices.size();
// A checksum, not a signature: it catches a truncated or mistyped cursor.
constexpr size_t kChecksumSize = 8;
}  // namespace

std::string EncodeCursor(const Cursor& cursor) {
  std::string raw = kCursorVersion;
  for (uint64_t r : cursor.revisions) coding::AppendUint64(&raw, r);
  raw += crypto::Sha256Hex(raw).substr(0, kChecksumSize);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<Cursor> DecodeCursor(absl::string_view text) {
  std::string raw;
  constexpr size_t kSize = 2 + kRevisionsSize + kChecksumSize;
  if (text.size() > 100 || !absl::WebSafeBase64Unescape(text, &raw) || raw.size() != kSize ||
      raw.substr(0, 2) != kCursorVersion ||
      crypto::Sha256Hex(raw.substr(0, kSize - kChecksumSize)).substr(0, kChecksumSize) !=
          raw.substr(kSize - kChecksumSize)) {
    return InvalidField("cursor", "is malformed; pass a cursor from an earlier SubscribeResponse, or none");
  }
  Cursor c;
  for (size_t i = 0; i < c.revisions.size(); ++i) {
    c.revisions[i] = *coding::DecodeUint64(absl::string_view(raw).substr(2 + 8 * i, 8));
  }
  return c;
}

}  // namespace rcp::gateway::subscribe
