// The access policy of the public API, in one place.
//
// Rights come from the registry (the caller's Principal): per process, the
// roles SECRETARIAT, MEMBER, OBSERVER and whether it holds the chair today;
// and whether the key is a deployment ADMIN. Items carry a visibility:
//
//   PUBLIC      every authenticated caller
//   MEMBERS     members, the secretariat and the chair of the item's
//               processes (observers do not see them)
//   RESTRICTED  the parties named by the item, plus the secretariat and the
//               chair of its processes
//
// An item the caller may not see is NOT_FOUND, never PERMISSION_DENIED, so
// that its existence does not leak. Writes (meetings, documents) need the
// SECRETARIAT role or the current chair in every process of the item; the
// registry itself is written by ADMINs. kMethodRules below lists every
// public method with its rule; a method not listed is not served.
#ifndef RCP_SERVICES_GATEWAY_POLICY_H_
#define RCP_SERVICES_GATEWAY_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rcp/common/v1/common.pb.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::gateway::policy {

using rcp::registry::v1::Principal;

enum class Rule {
  kAuthenticated,  // any valid key: the public register, WhoAmI, Subscribe
  kAdmin,          // deployment administrators: registry writes, keys, peers
  kOwnKeys,        // admins, or keys of the caller's own party
  kVisible,        // the item's visibility decides; invisible = NOT_FOUND
  kMembersOnly,    // members, secretariat, chair of the item's process
  kWriter,         // SECRETARIAT or current chair in every process of the item
  kUploader,       // the principal that started the upload session
};

struct MethodRule {
  const char* method;  // "/package.Service/Method"
  Rule rule;
};

// Every method the gateway serves, and its rule.
const std::vector<MethodRule>& MethodRules();
// nullptr when the gateway does not serve `method`.
const MethodRule* RuleFor(absl::string_view method);

bool IsAdmin(const Principal& p);
// Holds SECRETARIAT, or the chair, in `process`.
bool CanWriteIn(const Principal& p, absl::string_view process);
// MEMBER, SECRETARIAT or chair in `process`.
bool IsMemberOf(const Principal& p, absl::string_view process);

// Whether `p` may see an item of `processes` with this visibility.
template <typename Processes, typename Parties>
bool CanSee(const Principal& p, const Processes& processes, rcp::common::v1::Visibility visibility,
            const Parties& restricted_parties);

// PERMISSION_DENIED naming the process unless `p` may write in each one.
template <typename Processes>
absl::Status CheckWriter(const Principal& p, const Processes& processes, absl::string_view field);

// Whether `p` may see and revoke `key`: admins any key; others the keys of
// their own party that are not admin keys (a party's staff may not revoke
// the deployment's administrators who happen to share the party).
bool MayManageKey(const Principal& p, const rcp::registry::v1::ApiKey& key);

// The process of a resource name ("processes/x/…" → "processes/x"), or "".
std::string ProcessOf(absl::string_view name);

// Whether a change record of `service` may be delivered to `p`, and the
// processes it concerns (for Subscribe's process filter).
bool CanSeeChange(const Principal& p, absl::string_view service, const rcp::common::v1::Change& change,
                  std::vector<std::string>* processes);

// What a subscriber gets of a change: the change; a withdrawal, when it
// could see the item before this update and may not see it now (so that
// its copy goes); or nothing. `processes` as for CanSeeChange (for a
// withdrawal, the item's processes before the update).
enum class Delivery { kNone, kChange, kWithdrawal };
Delivery DeliveryOf(const Principal& p, absl::string_view service, const rcp::common::v1::Change& change,
                    std::vector<std::string>* processes);
// The WITHDRAWN record of `change` sent instead of it: name, kind, revision
// and time, no value.
void Withdrawal(const rcp::common::v1::Change& change, rcp::common::v1::Change* out);

// ---- implementation of the templates

template <typename Processes, typename Parties>
bool CanSee(const Principal& p, const Processes& processes, rcp::common::v1::Visibility visibility,
            const Parties& restricted_parties) {
  if (IsAdmin(p)) return true;
  switch (visibility) {
    case rcp::common::v1::PUBLIC:
      return true;
    case rcp::common::v1::MEMBERS:
      for (const auto& process : processes) {
        if (IsMemberOf(p, process)) return true;
      }
      return false;
    case rcp::common::v1::RESTRICTED:
      for (const auto& party : restricted_parties) {
        if (party == p.party()) return true;
      }
      for (const auto& process : processes) {
        if (CanWriteIn(p, process)) return true;
      }
      return false;
    default:
      return false;
  }
}

template <typename Processes>
absl::Status CheckWriter(const Principal& p, const Processes& processes, absl::string_view field) {
  if (IsAdmin(p)) return absl::OkStatus();
  for (const auto& process : processes) {
    if (!CanWriteIn(p, process)) {
      return absl::PermissionDeniedError(std::string(field) + ": " + std::string(process) +
                                         " can be changed only by its secretariat or its current chair");
    }
  }
  return absl::OkStatus();
}

}  // namespace rcp::gateway::policy

#endif  // RCP_SERVICES_GATEWAY_POLICY_H_
