// A position in the merged feed of Gateway.Subscribe: the last revision
// delivered of each data service, as an opaque, checksummed token.
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

  uint64_t& at(resource::Service s) { return revisions[static_cast<size_t>(s)]; }
  uint64_t at(resource::Service s) const { return revisions[static_cast<size_t>(s)]; }
};

std::string EncodeCursor(const Cursor& cursor);
// INVALID_ARGUMENT naming cursor when malformed or altered.
absl::StatusOr<Cursor> DecodeCursor(absl::string_view text);

}  // namespace rcp::gateway::subscribe

#endif  // RCP_SERVICES_GATEWAY_SUBSCRIBE_CURSOR_H_
