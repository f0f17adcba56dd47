// The callers of the gateway's policy tests and what each may do, written
// out by hand from DESIGN.md §5 and issue 9 — independent of the code under
// test, which must agree with it.
//
// Roles, in processes/bali-process: the deployment admin; the secretariat
// (IOM); the chair (Indonesia, a member holding a co-chair term); a member
// (Thailand); an observer (UNHCR); Indonesia's key limited to the Colombo
// Process (it acts nowhere else, however its party belongs); and an
// administrator's key limited to the Bali Process. Besides them, a caller
// without a key (kAnonymous, where the gateway admits one). Items live in
// processes/bali-process; a RESTRICTED item names the caller's party or not.
#ifndef RCP_TESTS_SERVICES_GATEWAY_ROLES_H_
#define RCP_TESTS_SERVICES_GATEWAY_ROLES_H_

#include <ostream>
#include <string>
#include <vector>

#include "rcp/common/v1/common.pb.h"
#include "rcp/registry/v1/registry.pb.h"
#include "tests/common/audience/seed_viewers.h"

namespace rcp::gateway::testing {

using audience::testing::kBali;
using audience::testing::kColombo;

enum class Role { kAdmin, kSecretariat, kChair, kMember, kObserver, kColomboLimited, kBaliAdmin, kAnonymous };
// The callers with a key.
inline constexpr Role kRoles[] = {Role::kAdmin,    Role::kSecretariat,    Role::kChair,    Role::kMember,
                                  Role::kObserver, Role::kColomboLimited, Role::kBaliAdmin};
// Every caller: the keys and the anonymous one.
inline constexpr Role kCallers[] = {Role::kAdmin,          Role::kSecretariat, Role::kChair,
                                    Role::kMember,         Role::kObserver,    Role::kColomboLimited,
                                    Role::kBaliAdmin,      Role::kAnonymous};

enum class Item { kPublic, kMembers, kRestrictedNamed, kRestrictedUnnamed };
inline constexpr Item kItems[] = {Item::kPublic, Item::kMembers, Item::kRestrictedNamed,
                                  Item::kRestrictedUnnamed};

// A denied read, or any call on an item the caller may not see, is
// NOT_FOUND; a denied write on a visible item is PERMISSION_DENIED; what
// needs a key, asked without one, is UNAUTHENTICATED.
enum class Outcome { kAllowed, kNotFound, kPermissionDenied, kUnauthenticated };

inline const char* RoleName(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kSecretariat:
      return "secretariat";
    case Role::kChair:
      return "chair";
    case Role::kMember:
      return "member";
    case Role::kObserver:
      return "observer";
    case Role::kColomboLimited:
      return "member key limited to another process";
    case Role::kBaliAdmin:
      return "admin key limited to the process";
    case Role::kAnonymous:
      return "caller without a key";
  }
  return "?";
}

inline const char* ItemName(Item i) {
  switch (i) {
    case Item::kPublic:
      return "PUBLIC";
    case Item::kMembers:
      return "MEMBERS";
    case Item::kRestrictedNamed:
      return "RESTRICTED(naming the caller)";
    case Item::kRestrictedUnnamed:
      return "RESTRICTED(not naming the caller)";
  }
  return "?";
}

inline std::ostream& operator<<(std::ostream& os, Outcome o) {
  switch (o) {
    case Outcome::kAllowed:
      return os << "allowed";
    case Outcome::kNotFound:
      return os << "NOT_FOUND";
    case Outcome::kPermissionDenied:
      return os << "PERMISSION_DENIED";
    case Outcome::kUnauthenticated:
      return os << "UNAUTHENTICATED";
  }
  return os;
}

inline rcp::common::v1::Visibility VisibilityOf(Item item) {
  switch (item) {
    case Item::kPublic:
      return rcp::common::v1::PUBLIC;
    case Item::kMembers:
      return rcp::common::v1::MEMBERS;
    default:
      return rcp::common::v1::RESTRICTED;
  }
}

// The principal the registry computes for each role's key: the seed's
// (tests/common/audience/seed_viewers.h), and the two limited keys.
inline rcp::registry::v1::Principal PrincipalFor(Role role) {
  namespace reg = ::rcp::registry::v1;
  using audience::testing::Rights;
  using audience::testing::SeedRole;
  using audience::testing::SeedViewer;
  switch (role) {
    case Role::kAdmin:
      return SeedViewer(SeedRole::kAdmin);
    case Role::kSecretariat:
      return SeedViewer(SeedRole::kSecretariat);
    case Role::kChair:
      return SeedViewer(SeedRole::kChair);
    case Role::kMember:
      return SeedViewer(SeedRole::kMember);
    case Role::kObserver:
      return SeedViewer(SeedRole::kObserver);
    default:
      break;
  }
  reg::Principal p;
  if (role == Role::kAnonymous) {
    p.set_anonymous(true);
  } else if (role == Role::kColomboLimited) {
    // Indonesia chairs Bali, but this key acts in Colombo only.
    p.set_api_key("apiKeys/indonesiacolombo");
    p.set_party("parties/IDN");
    *p.add_rights() = Rights(kColombo, {reg::MEMBER});
    p.add_process_limit(kColombo);
  } else {
    p.set_api_key("apiKeys/baliadmin");
    p.set_party("parties/iom");
    p.set_admin(true);
    *p.add_rights() = Rights(kBali, {reg::SECRETARIAT});
    p.add_process_limit(kBali);
  }
  return p;
}

// The parties a RESTRICTED item names: the caller's own among others, or
// others only.
inline std::vector<std::string> PartiesOf(Item item, const rcp::registry::v1::Principal& p) {
  if (item == Item::kRestrictedNamed) return {"parties/AUS", p.party(), "parties/NZL"};
  if (item == Item::kRestrictedUnnamed) return {"parties/AUS", "parties/NZL"};
  return {};
}

// Who sees a Bali item of each visibility (DESIGN.md §5: MEMBERS = members,
// secretariat and chair; RESTRICTED = the named parties, the secretariat
// and the chair), and nothing outside a key's process limit.
//                                   PUBLIC MEMBERS R-named R-unnamed
inline constexpr bool kSees[8][4] = {{true, true, true, true},      // admin
                                     {true, true, true, true},      // secretariat
                                     {true, true, true, true},      // chair
                                     {true, true, true, false},     // member
                                     {true, false, true, false},    // observer
                                     {false, false, false, false},  // limited to Colombo
                                     {true, true, true, true},      // admin of Bali only
                                     {true, false, false, false}};  // without a key
inline bool Sees(Role role, Item item) { return kSees[static_cast<int>(role)][static_cast<int>(item)]; }
// Who writes Bali's meetings, documents and focal points.
inline constexpr bool kWrites[8] = {true, true, true, false, false, false, true, false};
inline bool Writes(Role role) { return kWrites[static_cast<int>(role)]; }
// Who administers Bali's register (memberships, chair terms, the process).
inline bool AdministersBali(Role role) { return role == Role::kAdmin || role == Role::kBaliAdmin; }
// Who administers the whole deployment (processes, parties, peers).
inline bool AdministersAll(Role role) { return role == Role::kAdmin; }

}  // namespace rcp::gateway::testing

#endif  // RCP_TESTS_SERVICES_GATEWAY_ROLES_H_
