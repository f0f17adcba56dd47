// The gateway's access policy written out as a table, for tests: what each
// role gets from a method of each rule (services/gateway/policy.h) on an item
// of each visibility. policy_test checks the policy functions against it and
// gateway_e2e_test checks every public method of a running gateway.
//
// Roles, in processes/bali-process of the seed: the deployment admin; the
// secretariat (IOM); the chair (Indonesia, a member holding a co-chair
// term); a member (Thailand); an observer (UNHCR). Items live in
// processes/bali-process; a RESTRICTED item either names the caller's party
// among its parties or does not.
#ifndef RCP_TESTS_SERVICES_GATEWAY_POLICY_TABLE_H_
#define RCP_TESTS_SERVICES_GATEWAY_POLICY_TABLE_H_

#include <ostream>

#include "services/gateway/policy.h"

namespace rcp::gateway::testing {

enum class Role { kAdmin, kSecretariat, kChair, kMember, kObserver };
inline constexpr Role kRoles[] = {Role::kAdmin, Role::kSecretariat, Role::kChair, Role::kMember, Role::kObserver};

enum class Item { kPublic, kMembers, kRestrictedNamed, kRestrictedUnnamed };
inline constexpr Item kItems[] = {Item::kPublic, Item::kMembers, Item::kRestrictedNamed, Item::kRestrictedUnnamed};

// kAllowed: the call passes the policy (the service may still refuse it on
// its own grounds). A denied read, or any call on an item the caller may not
// see, is NOT_FOUND; a denied write on a visible item is PERMISSION_DENIED.
enum class Outcome { kAllowed, kNotFound, kPermissionDenied };

inline const char* RoleName(Role r) {
  switch (r) {
    case Role::kAdmin: return "admin";
    case Role::kSecretariat: return "secretariat";
    case Role::kChair: return "chair";
    case Role::kMember: return "member";
    case Role::kObserver: return "observer";
  }
  return "?";
}

inline const char* ItemName(Item i) {
  switch (i) {
    case Item::kPublic: return "PUBLIC";
    case Item::kMembers: return "MEMBERS";
    case Item::kRestrictedNamed: return "RESTRICTED(naming the caller)";
    case Item::kRestrictedUnnamed: return "RESTRICTED(not naming the caller)";
  }
  return "?";
}

inline const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAllowed: return "allowed";
    case Outcome::kNotFound: return "NOT_FOUND";
    case Outcome::kPermissionDenied: return "PERMISSION_DENIED";
  }
  return "?";
}
inline std::ostream& operator<<(std::ostream& os, Outcome o) { return os << OutcomeName(o); }

// Who sees an item of each visibility (DESIGN.md §5: MEMBERS = members,
// secretariat and chair; RESTRICTED = the named parties, the secretariat and
// the chair).
//                                   PUBLIC MEMBERS R-named R-unnamed
inline constexpr bool kSees[5][4] = {{true, true, true, true},      // admin
                                     {true, true, true, true},      // secretariat
                                     {true, true, true, true},      // chair
                                     {true, true, true, false},     // member
                                     {true, false, true, false}};   // observer
// Who writes meetings and documents of the process (and its focal points).
inline constexpr bool kWrites[5] = {true, true, true, false, false};
// Who reads the process's focal points (members-only contact details).
inline constexpr bool kMemberOf[5] = {true, true, true, true, false};

// `owns`: for kOwnKeys, the key belongs to the caller's party; for
// kUploader, the caller started the upload session.
inline Outcome Expected(policy::Rule rule, Role role, Item item, bool owns = false) {
  int r = static_cast<int>(role);
  bool sees = kSees[r][static_cast<int>(item)];
  switch (rule) {
    case policy::Rule::kAuthenticated:
      return Outcome::kAllowed;
    case policy::Rule::kAdmin:
      return role == Role::kAdmin ? Outcome::kAllowed : Outcome::kPermissionDenied;
    case policy::Rule::kOwnKeys:
    case policy::Rule::kUploader:
      return role == Role::kAdmin || owns ? Outcome::kAllowed : Outcome::kNotFound;
    case policy::Rule::kVisible:
      return sees ? Outcome::kAllowed : Outcome::kNotFound;
    case policy::Rule::kMembersOnly:
      return kMemberOf[r] ? Outcome::kAllowed : Outcome::kNotFound;
    case policy::Rule::kWriter:
      if (!sees) return Outcome::kNotFound;
      return kWrites[r] ? Outcome::kAllowed : Outcome::kPermissionDenied;
  }
  return Outcome::kNotFound;
}

}  // namespace rcp::gateway::testing

#endif  // RCP_TESTS_SERVICES_GATEWAY_POLICY_TABLE_H_
