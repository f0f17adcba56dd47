// A position in the merged feed of Gateway.Subscribe: the last revision
// delivered of each data service, and the epoch of the store it counts in
// (a restore from a backup starts a new one: revisions of the old epoch
// mean nothing in it), as an opaque, checksummed token.
#ifndef RCP_SERVICES_GATEWAY_SUBSCRIBE_CURSOR_H_
#define RCP_SERVICES_GATEWAY_SUBSCRIBE_CURSOR_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/resource/kinds.h"

namespace rcp::gateway::subscribe {

struct Cursor {
  // Indexed by resource::Service.
  std::array<uint64_t, resource::kServices.size()> revisions{};
  // 0: unknown (a cursor of the layout before epochs).
  std::array<uint64_t, resource::kServices.size()> epochs{};

  uint64_t& at(resource::Service s) { return revisions[static_cast<size_t>(s)]; }
  uint64_t at(resource::Service s) const { return revisions[static_cast<size_t>(s)]; }
  uint64_t& epoch(resource::Service s) { return epochs[static_cast<size_t>(s)]; }
  uint64_t epoch(resource::Service s) const { return epochs[static_cast<size_t>(s)]; }
};

std::string EncodeCursor(const Cursor& cursor);
// INVALID_ARGUMENT naming cursor when malformed or altered.
absl::StatusOr<Cursor> DecodeCursor(absl::string_view text);

}  // namespace rcp::gateway::subscribe

#endif  // RCP_SERVICES_GATEWAY_SUBSCRIBE_CURSOR_H_
