#include "services/gateway/federation/pull_cursor.h"

#include "absl/strings/escaping.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"

namespace rcp::gateway::federation {
namespace {
constexpr char kVersion[] = "p1";
// A checksum, not a signature: a peer that alters its own cursor only
// skips or repeats what it is sent.
constexpr size_t kChecksumSize = 8;
constexpr size_t kMaxEncoded = 8192;

absl::Status Malformed() {
  return InvalidField("cursor", "is malformed; pass a cursor from an earlier PullResponse, or none");
}

void AppendString(std::string* out, absl::string_view s) {
  coding::AppendUint64(out, s.size());
  out->append(s.data(), s.size());
}

bool ReadUint64(absl::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  auto d = coding::DecodeUint64(in->substr(0, 8));
  if (!d.has_value()) return false;
  *v = *d;
  in->remove_prefix(8);
  return true;
}

bool ReadString(absl::string_view* in, std::string* s) {
  uint64_t n = 0;
  if (!ReadUint64(in, &n) || n > in->size()) return false;
  *s = std::string(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}
}  // namespace

std::string EncodePullCursor(const PullCursor& c) {
  std::string raw = kVersion;
  coding::AppendUint64(&raw, c.generation);
  coding::AppendUint64(&raw, c.revocations);
  AppendString(&raw, c.rules);
  for (size_t i = 0; i < c.epochs.size(); ++i) {
    coding::AppendUint64(&raw, c.epochs[i]);
    coding::AppendUint64(&raw, c.positions[i]);
  }
  coding::AppendUint64(&raw, c.snapshot ? 1 : 0);
  coding::AppendUint64(&raw, c.snapshot_store);
  AppendString(&raw, c.snapshot_page);
  raw += crypto::Sha256Hex(raw).substr(0, kChecksumSize);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<PullCursor> DecodePullCursor(absl::string_view text) {
  std::string raw;
  if (text.size() > kMaxEncoded || !absl::WebSafeBase64Unescape(text, &raw) || raw.size() < 2 + kChecksumSize ||
      raw.substr(0, 2) != kVersion) {
    return Malformed();
  }
  absl::string_view body(raw.data(), raw.size() - kChecksumSize);
  if (crypto::Sha256Hex(body).substr(0, kChecksumSize) != raw.substr(raw.size() - kChecksumSize)) return Malformed();
  body.remove_prefix(2);
  PullCursor c;
  uint64_t snapshot = 0, store = 0;
  bool ok = ReadUint64(&body, &c.generation) && ReadUint64(&body, &c.revocations) && ReadString(&body, &c.rules);
  for (size_t i = 0; ok && i < c.epochs.size(); ++i) {
    ok = ReadUint64(&body, &c.epochs[i]) && ReadUint64(&body, &c.positions[i]);
  }
  ok = ok && ReadUint64(&body, &snapshot) && ReadUint64(&body, &store) && ReadString(&body, &c.snapshot_page) &&
       body.empty() && snapshot <= 1 && store < resource::kServices.size();
  if (!ok) return Malformed();
  c.snapshot = snapshot == 1;
  c.snapshot_store = static_cast<uint32_t>(store);
  return c;
}

}  // namespace rcp::gateway::federation
