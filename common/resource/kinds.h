// The kinds of resource the suite keeps and the service that owns each: the
// one list that change records, Subscribe's kind filter, the gateway's feed
// and forwarding, and the access policy read from. A kind's name is what a
// change record carries ("meeting"); its pattern is the shape of its
// resource names ("processes/*/meetings/*").
#ifndef RCP_COMMON_RESOURCE_KINDS_H_
#define RCP_COMMON_RESOURCE_KINDS_H_

#include <array>
#include <string>

#include "absl/strings/string_view.h"

namespace rcp::resource {

enum class Service { kRegistry, kEvents, kDocuments };
inline constexpr std::array<Service, 3> kServices = {Service::kRegistry, Service::kEvents,
                                                     Service::kDocuments};
// "registry", "events", "documents": in Subscribe events and logs.
const char* ServiceName(Service service);

enum class Kind {
  kProcess,
  kParty,
  kMembership,
  kChairTerm,
  kFocalPoint,
  kApiKey,
  kFederationPeer,
  kMeeting,
  kDocument,
  kUpload,
};

struct KindInfo {
  Kind kind;
  const char* name;     // in change records: "chair_term"
  const char* pattern;  // resource names: "processes/*/chairTerms/*"
  Service service;      // the service that stores it
  bool in_change_feed;  // its writes are change records (upload sessions' are not)
};

// Every kind, in the order of the enum.
const std::array<KindInfo, 10>& Kinds();
const KindInfo& InfoOf(Kind kind);
// By change-record name ("meeting"); nullptr when unknown.
const KindInfo* KindNamed(absl::string_view name);
// The kind whose pattern `resource_name` has; nullptr when none.
const KindInfo* KindOfName(absl::string_view resource_name);

// The process of a resource name ("processes/x/…" → "processes/x"), or ""
// for names outside any process (parties, keys, peers, uploads).
std::string ProcessOf(absl::string_view name);
// The same as a view into `name`, for checks that must not allocate.
absl::string_view ProcessPrefix(absl::string_view name);

}  // namespace rcp::resource

#endif  // RCP_COMMON_RESOURCE_KINDS_H_
