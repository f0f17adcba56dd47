// The access policy of the public API, as data (in the manner of Envoy's
// RBAC filter): every method the gateway serves, the rule that decides who
// may call it, and where the item the rule judges comes from. The forwarder
// (upstream/forwarder.h) looks every call's method up here and applies it;
// a method missing from the table is refused. Who may see an item is
// common/audience's one rule; this file decides nothing about visibility
// itself.
//
// An item the caller may not see is NOT_FOUND, worded exactly as for an
// item that does not exist, never PERMISSION_DENIED. A denied write on an
// item the caller may see is PERMISSION_DENIED naming the field and the
// process.
#ifndef RCP_SERVICES_GATEWAY_ACCESS_POLICY_H_
#define RCP_SERVICES_GATEWAY_ACCESS_POLICY_H_

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/audience/audience.h"

namespace rcp::gateway::access {

using Principal = rcp::registry::v1::Principal;

enum class Rule {
  // No credential at all: what is public by nature (a deployment's public
  // keys, which peers fetch before they hold any key of ours).
  kAnyone,
  // Any valid key: WhoAmI, calendar URLs.
  kAuthenticated,
  // Administrators: with a target, those whose key reaches its process;
  // without one, administrators of the whole deployment (processes,
  // parties, federation peers).
  kAdmin,
  // Administrators issuing a key whose limits lie within their own.
  kKeyIssuer,
  // The caller may see the item (common/audience); lists are filtered by
  // the service with the caller as viewer, before paging.
  kVisible,
  // The caller may see the item and writes in every process it is (or will
  // be) in: the secretariat or the current chair.
  kWriter,
  // Keys the caller may manage: its party's own, within its limits.
  kOwnKeys,
  // Upload sessions the caller started (or an administrator).
  kUploader,
  // Another deployment's gateway: a configured, enabled federation peer,
  // known by its transport (its mTLS certificate names its deployment id;
  // access/peers.h), never by an API key. What it is sent is decided by its
  // share rules (federation/share.h), not by audiences.
  kPeer,
};

// Where the item a rule judges comes from.
enum class Target {
  kNone,      // no item
  kRequest,   // the request names it, its processes, or its parent: no read
  kStored,    // the request names an existing item, read from its service first
  kResponse,  // a Get: the item the service answers
  kList,      // a List, Sync, Export or Subscribe: the service (or the feed)
              // keeps only what the caller may see
};

enum class Effect { kRead, kWrite };

struct MethodRule {
  const char* method;  // "/rcp.events.v1.Events/GetMeeting"
  Rule rule;
  Target target;
  Effect effect;
  // The request field naming the item (kStored, kResponse) or its
  // processes or parent (kRequest), e.g. "meeting.name", "parent",
  // "meeting.processes". Empty for kNone and kList.
  const char* field = "";
  // kStored updates that may move the item to other processes: the request
  // field holding them, judged when the update mask names it.
  const char* new_processes = "";
  // Writes: request fields that name other items ("meeting.documents"),
  // which must exist and be visible to the caller (in an Update, only the
  // fields its update mask names). See upstream/references.h.
  std::vector<const char*> references = {};
  // Closed to anonymous callers though the rule is a kVisible read: a
  // stream whose caps are per key, which a crowd without keys would share.
  bool needs_key = false;
};

// Every method the gateway serves, and its rule.
const std::vector<MethodRule>& MethodRules();
// nullptr when the gateway does not serve `method`.
const MethodRule* RuleFor(absl::string_view method);

// The string values at `path` ("meeting.processes", "parent") of `message`:
// one for a string field, every element of a repeated one, none when a
// message on the way is unset or the field is empty. Paths are checked
// against the table by tests; an unknown path yields none.
std::vector<std::string> FieldValues(const google::protobuf::Message& message, absl::string_view path);
// Whether `request` is an Update whose update_mask names the field at
// `path` (the path's first segment names the resource: "meeting.venue.city"
// is named by "venue" or "venue.city"). A request without an update mask
// (a Create) names every field.
bool MaskNames(const google::protobuf::Message& request, absl::string_view path);

// Whether a caller without a key (Principal.anonymous) may call the
// method: kVisible reads only, which then show it PUBLIC items alone
// (common/audience).
bool OpenToAnonymous(const MethodRule& rule);

// The decisions, without I/O. Each is OK or the status to answer.
//
// Before any read: an anonymous caller outside OpenToAnonymous (as
// UNAUTHENTICATED, the answer a missing key always had), a portal session
// (Principal.web_session) calling a kWrite method, kAuthenticated,
// kAdmin, kKeyIssuer, and kWriter of a kRequest target are decided here;
// the rest pass.
absl::Status CheckRequest(const MethodRule& rule, const Principal& caller,
                          const google::protobuf::Message& request);
// kStored: `stored` is the item the request names, as its service has it.
absl::Status CheckStored(const MethodRule& rule, const Principal& caller,
                         const google::protobuf::Message& request, const google::protobuf::Message& stored);
// kResponse: `response` is the item the service answered.
absl::Status CheckResponse(const MethodRule& rule, const Principal& caller,
                           const google::protobuf::Message& response);

// The processes whose items a write changes, which must be this
// deployment's (see upstream/homes.h): those the request names (kRequest),
// or those of the stored item (kStored), with the new ones when an update
// moves it. None for reads; for writes of nothing in a process (parties,
// keys, peers, a new process); and for an update that only pins a
// process's home, which an administrator makes on a mirror.
std::vector<std::string> WrittenProcesses(const MethodRule& rule, const google::protobuf::Message& request,
                                          const google::protobuf::Message* stored);

// PERMISSION_DENIED naming `field` and the first process of `processes`
// the caller does not write in.
absl::Status CheckWriter(const Principal& caller, const std::vector<std::string>& processes,
                         absl::string_view field);

// NOT_FOUND for `name`, worded as the services word it.
absl::Status Hidden(absl::string_view name);

}  // namespace rcp::gateway::access

#endif  // RCP_SERVICES_GATEWAY_ACCESS_POLICY_H_
