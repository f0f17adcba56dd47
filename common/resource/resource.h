// AIP conventions shared by every service: resource-name and field
// validation, etags, page tokens and update masks. Every failure is
// INVALID_ARGUMENT naming the field and the rule (see rcp::InvalidField).
#ifndef RCP_COMMON_RESOURCE_RESOURCE_H_
#define RCP_COMMON_RESOURCE_RESOURCE_H_

#include <cstdint>
#include <initializer_list>
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class FieldMask;
class Message;
}  // namespace google::protobuf

namespace rcp::resource {

// Lowercase slug: [a-z0-9-], starts with a letter or digit, no trailing or
// doubled hyphen, length within [min_len, max_len].
bool IsSlug(absl::string_view s, size_t min_len = 2, size_t max_len = 63);
absl::Status ValidateSlug(absl::string_view field, absl::string_view value, size_t min_len = 2,
                          size_t max_len = 63);

// "processes/{slug}" → the slug.
absl::StatusOr<std::string> ProcessId(absl::string_view field, absl::string_view name);

// A party's id: a state's is its ISO 3166-1 alpha-3 code (upper case, must be
// assigned), an organization's a lowercase slug.
absl::Status ValidatePartyId(absl::string_view field, absl::string_view id);
bool IsStateId(absl::string_view id);
// Another deployment's organisation, as it is named here when it is not on
// the shared list: "{slug}@{deployment id}" (see Party.shared_identity).
// ValidatePartyId accepts such ids; only federation creates such parties.
bool IsForeignOrganization(absl::string_view party_id);
// "parties/ngo-x" of `origin` → "parties/ngo-x@origin".
std::string ForeignOrganization(absl::string_view party_name, absl::string_view origin);

// The processes a deployment is the home of (--home_processes), by name
// ("processes/bali-process"): the only ones it seeds and writes. Empty: every
// process (a deployment on its own, as the Run).
struct HomeProcesses {
  std::vector<std::string> names;
  bool Includes(absl::string_view process) const {
    return names.empty() || std::find(names.begin(), names.end(), process) != names.end();
  }
};

// "parties/{id}" → the id.
absl::StatusOr<std::string> PartyId(absl::string_view field, absl::string_view name);

// A deployment's id, DNS-like: 3 to 100 characters of [a-z0-9.-], starting
// and ending with a letter or digit, e.g. "bali-process.rcp".
absl::Status ValidateDeploymentId(absl::string_view field, absl::string_view id);

// An ISO 3166-1 alpha-3 country code that is assigned.
absl::Status ValidateCountry(absl::string_view field, absl::string_view code);

// A BCP 47 language tag: language (ISO 639) [-Script] [-REGION] [-variant…],
// returned in its canonical case ("zh-hans-cn" → "zh-Hans-CN").
// INVALID_ARGUMENT naming `field` when it is not one.
absl::StatusOr<std::string> NormalizeLanguageTag(absl::string_view field, absl::string_view tag);

// Splits `name` against `pattern` ("processes/*/memberships/*") and returns
// the ids in place of each '*'. Ids must be non-empty and contain no '/'.
// INVALID_ARGUMENT: "<field>: must have the form processes/{id}/...".
absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view field, absl::string_view name,
                                                   absl::string_view pattern);

// Length in Unicode code points (the value is valid UTF-8: protobuf checks).
size_t CodePoints(absl::string_view s);

// `value` must have between min and max code points and no control
// characters other than newline and tab when `multiline`.
absl::Status ValidateText(absl::string_view field, absl::string_view value, size_t min, size_t max,
                          bool multiline = false);

// Opaque etag of a resource: a digest of its serialized form with the etag
// field itself left out. Changes whenever any stored field changes.
std::string ComputeEtag(const google::protobuf::Message& message);

// page_size 0 → default_size; outside [0, max_size] → INVALID_ARGUMENT.
absl::StatusOr<int> ResolvePageSize(int32_t page_size, int default_size = 50, int max_size = 1000);

// Page tokens bind the position (the last key returned) to the query that
// produced it, so a token reused with other filters is refused.
std::string EncodePageToken(absl::string_view query_fingerprint, absl::string_view last_key);
// Returns the last key; empty token → empty key (first page).
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_fingerprint);

// The mask must name at least one path and only paths in `allowed`.
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                std::initializer_list<absl::string_view> allowed);

// Copies the masked fields of `from` into `to` (repeated fields replaced).
void ApplyUpdateMask(const google::protobuf::FieldMask& mask, const google::protobuf::Message& from,
                     google::protobuf::Message* to);

// A stable digest of a request, so that a retried create with the same
// request_id can be told apart from a different one.
std::string Fingerprint(const google::protobuf::Message& request);

// Sync tokens (incremental sync, as Google Calendar's): opaque, bound to the
// service that issued them, carrying the store revision they resume after.
std::string EncodeSyncToken(absl::string_view service, uint64_t revision);
// INVALID_ARGUMENT naming sync_token when malformed or issued by another
// service.
absl::StatusOr<uint64_t> DecodeSyncToken(absl::string_view token, absl::string_view service);

// NOT_FOUND naming the resource.
absl::Status NotFound(absl::string_view name);

// ABORTED for a stale etag (the client re-reads and retries).
absl::Status StaleEtag(absl::string_view name);

}  // namespace rcp::resource

#endif  // RCP_COMMON_RESOURCE_RESOURCE_H_
