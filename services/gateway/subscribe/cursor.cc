#include "services/gateway/subscribe/cursor.h"

#include "absl/strings/escaping.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"

namespace rcp::gateway::subscribe {
namespace {
// Each layout starts with its version. c1 (revisions only) is still read,
// from gateways of the release before, with its epochs unknown.
constexpr char kCursorV1[] = "c1";
constexpr char kCursorV2[] = "c2";
constexpr size_t kVersionSize = 2;
constexpr size_t kRevisionsSize = 8 * resource::kServices.size();
// A checksum, not a signature: it catches a truncated or mistyped cursor.
constexpr size_t kChecksumSize = 8;
constexpr size_t kV1Size = kVersionSize + kRevisionsSize + kChecksumSize;
constexpr size_t kV2Size = kVersionSize + 2 * kRevisionsSize + kChecksumSize;
}  // namespace

std::string EncodeCursor(const Cursor& cursor) {
  std::string raw = kCursorV2;
  for (uint64_t r : cursor.revisions) coding::AppendUint64(&raw, r);
  for (uint64_t e : cursor.epochs) coding::AppendUint64(&raw, e);
  raw += crypto::Sha256Hex(raw).substr(0, kChecksumSize);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<Cursor> DecodeCursor(absl::string_view text) {
  std::string raw;
  const bool decoded = text.size() <= 120 && absl::WebSafeBase64Unescape(text, &raw);
  const absl::string_view version = absl::string_view(raw).substr(0, kVersionSize);
  const size_t size = version == kCursorV1 ? kV1Size : version == kCursorV2 ? kV2Size : 0;
  if (!decoded || size == 0 || raw.size() != size ||
      crypto::Sha256Hex(raw.substr(0, size - kChecksumSize)).substr(0, kChecksumSize) !=
          raw.substr(size - kChecksumSize)) {
    return InvalidField("cursor", "is malformed; pass a cursor from an earlier SubscribeResponse, or none");
  }
  Cursor c;
  absl::string_view body = absl::string_view(raw).substr(kVersionSize);
  for (size_t i = 0; i < c.revisions.size(); ++i) c.revisions[i] = *coding::DecodeUint64(body.substr(8 * i, 8));
  if (version == kCursorV2) {
    for (size_t i = 0; i < c.epochs.size(); ++i) {
      c.epochs[i] = *coding::DecodeUint64(body.substr(kRevisionsSize + 8 * i, 8));
    }
  }
  return c;
}

}  // namespace rcp::gateway::subscribe
