// The envelopes a deployment exports (signed in signing.h's encoding): an
// item's state at a version, its own head, and withdrawals, which speak for
// the sender and are not signed. Receivers verify before they parse.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_ENVELOPES_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_ENVELOPES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rcp/common/v1/common.pb.h"
#include "rcp/federation/v1/federation.pb.h"
#include "services/gateway/federation/signing.h"

namespace rcp::gateway::federation {

inline constexpr char kItemPayload[] = "rcp.federation.v1.Item";
inline constexpr char kHeadPayload[] = "rcp.federation.v1.Head";
// A head's envelope names this store; its revision is the head's time (µs).
inline constexpr char kHeadStore[] = "head";

// An item's version at its origin.
struct Version {
  std::string store;  // "registry", "events", "documents"
  uint64_t epoch = 0;
  uint64_t revision = 0;
};

// The item a change record of this deployment states: its value, or for a
// deletion none; its time. (Documents' content versions are added by the
// caller, who reads them.)
fv1::Item ItemOfChange(const rcp::common::v1::Change& change);

// An envelope of `item` by `origin` at `version`, signed with `key`.
// `registry_revision` for events and documents; `recipients` for items
// that are not PUBLIC (share.h's RecipientsOf).
fv1::Envelope SealItem(const SigningKey& key, absl::string_view origin, const Version& version,
                       const fv1::Item& item, uint64_t registry_revision, std::vector<std::string> recipients);
// An envelope of `origin`'s head, signed with `key`.
fv1::Envelope SealHead(const SigningKey& key, absl::string_view origin, const fv1::Head& head);

// The withdrawal of `name` (of `kind`) as of `envelope`'s version, or of
// this deployment's own item at `version`.
fv1::Withdrawal WithdrawalOf(absl::string_view name, absl::string_view kind, const fv1::Envelope& envelope);
fv1::Withdrawal WithdrawalOf(absl::string_view name, absl::string_view kind, absl::string_view origin,
                             const Version& version);

// The payload of a verified envelope. INVALID_ARGUMENT naming
// payload_type or payload when it is not what it says.
absl::StatusOr<fv1::Item> ParseItem(const fv1::Envelope& envelope);
absl::StatusOr<fv1::Head> ParseHead(const fv1::Envelope& envelope);

// The position of `store` in a head; 0 when absent.
uint64_t HeadPosition(const fv1::Head& head, absl::string_view store);

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_ENVELOPES_H_
