// Who may see what: the one visibility rule of the suite, applied by the
// gateway (Get, writes, Subscribe) and by the data services (every List,
// Sync and Export filters its scan by it before paging, so that neither a
// page's size nor its token tells a caller of an item it may not see).
//
// A viewer is the caller's principal (rcp.registry.v1.Principal): its party,
// its rights per process (roles, chair), whether its key administers, and
// the key's limits. Items carry a visibility:
//
//   PUBLIC      every caller: every key, and callers without one where
//               the gateway admits anonymous reads (Principal.anonymous,
//               who see PUBLIC items and nothing else)
//   MEMBERS     members, the secretariat and the chair of the item's
//               processes (observers do not see them)
//   RESTRICTED  the parties named by the item, plus the secretariat and the
//               chair of its processes
//
// Administrators see everything; federation peers (and kinds this code does
// not know) only administrators of the whole deployment. A key's process
// limit binds every right: it sees and acts on items of those processes
// only, administration included.
#ifndef RCP_COMMON_AUDIENCE_AUDIENCE_H_
#define RCP_COMMON_AUDIENCE_AUDIENCE_H_

#include <google/protobuf/any.pb.h>
#include <grpcpp/server_context.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/resource/kinds.h"
#include "rcp/common/v1/common.pb.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::audience {

using Viewer = rcp::registry::v1::Principal;

// Who an item is for.
struct Audience {
  // The processes it belongs to; empty for items of no process (parties).
  std::vector<std::string> processes;
  // VISIBILITY_UNSPECIFIED: administrators of the whole deployment only.
  rcp::common::v1::Visibility visibility = rcp::common::v1::VISIBILITY_UNSPECIFIED;
  // RESTRICTED: the parties it names.
  std::vector<std::string> restricted_parties;
};

// The audience of `item`, a message of `kind`. Register entries (processes,
// memberships, chair terms) are PUBLIC within their process, parties PUBLIC,
// focal points (contact details) MEMBERS, meetings and documents as they
// say. API keys have no audience: see MayManageKey.
Audience AudienceOf(resource::Kind kind, const google::protobuf::Message& item);
// The same from a change record's packed value; false when the value does
// not unpack as `kind`. Register entries need not unpack (their name says
// all): `name` is the change's resource name.
bool AudienceOf(resource::Kind kind, absl::string_view name, const google::protobuf::Any& value,
                Audience* out);

// Whether `viewer` may see an item of `audience`.
bool CanSee(const Viewer& viewer, const Audience& audience);
// Whether `viewer` may see `item`, a message of `kind` (API keys included).
bool MaySee(const Viewer& viewer, resource::Kind kind, const google::protobuf::Message& item);
// The same for a scan: nullptr (a call without a viewer, an internal
// caller) sees everything.
inline bool VisibleTo(const Viewer* viewer, resource::Kind kind, const google::protobuf::Message& item) {
  return viewer == nullptr || MaySee(*viewer, kind, item);
}

// Rights, within the key's limits: roles and the chair count only within
// its role limit (CHAIR for the chair), and an administrator's key with a
// role limit administers nothing.
bool IsAdmin(const Viewer& viewer);
// An administrator whose key has no process limit.
bool IsDeploymentAdmin(const Viewer& viewer);
// Whether the key's process limit reaches an item of `processes` (items of
// no process are within every limit).
bool WithinLimit(const Viewer& viewer, const std::vector<std::string>& processes);
// MEMBER, SECRETARIAT or chair (or admin) in `process`.
bool IsMemberOf(const Viewer& viewer, absl::string_view process);
// SECRETARIAT or chair (or admin) in `process`: writes its meetings,
// documents and focal points.
bool CanWriteIn(const Viewer& viewer, absl::string_view process);

// Whether `viewer` may see and revoke `key` (or issue one like it): the
// key's limits must lie within the viewer's own, and it must be the
// viewer's party's and no administrator's, unless the viewer administers.
bool MayManageKey(const Viewer& viewer, const rcp::registry::v1::ApiKey& key);

// The viewer travels from the gateway to the data services in this binary
// metadata entry (the serialized Principal), so that they filter their
// scans. Data services trust it because only holders of the internal
// credential reach them.
inline constexpr char kViewerHeader[] = "x-rcp-viewer-bin";
// The viewer a call carries; nullopt for a call without one (an internal
// caller, who sees everything). INVALID_ARGUMENT when it does not parse.
absl::StatusOr<std::optional<Viewer>> ViewerOf(const grpc::ServerContextBase& context);

}  // namespace rcp::audience

#endif  // RCP_COMMON_AUDIENCE_AUDIENCE_H_
