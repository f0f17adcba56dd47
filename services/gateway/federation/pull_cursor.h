// Where a peer's Pull stands at its source: the source's epoch and
// position in each of its stores, the snapshot generation the stream's
// mirrors carry, and what the stream was cut for (the share rules, the
// keys), so that a change of either makes the next pull a snapshot. An
// opaque, checksummed token to the peer.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_PULL_CURSOR_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_PULL_CURSOR_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/resource/kinds.h"

namespace rcp::gateway::federation {

struct PullCursor {
  uint64_t generation = 0;
  // Keys revoked at the source when the stream began: a revocation re-sends
  // everything, signed anew.
  uint64_t revocations = 0;
  // share.h's RulesFingerprint of the peer's rules.
  std::string rules;
  // Indexed by resource::Service.
  std::array<uint64_t, resource::kServices.size()> epochs{};
  std::array<uint64_t, resource::kServices.size()> positions{};
  // Mid-snapshot: the store being listed and the page to list next (the
  // positions are then the snapshot's base, where the live feed resumes).
  bool snapshot = false;
  uint32_t snapshot_store = 0;
  std::string snapshot_page;
};

std::string EncodePullCursor(const PullCursor& cursor);
// INVALID_ARGUMENT naming cursor when malformed or altered.
absl::StatusOr<PullCursor> DecodePullCursor(absl::string_view text);

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_PULL_CURSOR_H_
