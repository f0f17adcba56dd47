// The gateway's policy functions against the written-out table
// (policy_table.h): every rule × role × visibility, the change filter of
// Subscribe, and the method table itself (every public method has a rule,
// the internal ones none).
#include "services/gateway/policy.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "rcp/gateway/v1/gateway.pb.h"
#include "rcp/registry/v1/registry.pb.h"
#include "tests/services/gateway/policy_table.h"

namespace rcp::gateway::policy {
namespace {

using ::rcp::common::v1::Change;
using ::rcp::common::v1::Visibility;
using ::rcp::gateway::testing::Expected;
using ::rcp::gateway::testing::Item;
using ::rcp::gateway::testing::ItemName;
using ::rcp::gateway::testing::kItems;
using ::rcp::gateway::testing::kRoles;
using ::rcp::gateway::testing::Outcome;
using ::rcp::gateway::testing::Role;
using ::rcp::gateway::testing::RoleName;
using ::rcp::registry::v1::Role_Name;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
namespace reg = ::rcp::registry::v1;

constexpr char kBali[] = "processes/bali-process";
constexpr char kColombo[] = "processes/colombo-process";

Principal::ProcessRights Rights(const std::string& process, std::vector<reg::Role> roles,
                                bool chair = false) {
  Principal::ProcessRights r;
  r.set_process(process);
  for (auto role : roles) r.add_roles(role);
  r.set_chair(chair);
  return r;
}

// The principals the registry computes for the seed's keys (and a member
// key for Thailand), written by hand.
Principal PrincipalFor(Role role) {
  Principal p;
  switch (role) {
    case Role::kAdmin:
      p.set_api_key("apiKeys/admin");
      p.set_party("parties/iom");
      p.set_admin(true);
      *p.add_rights() = Rights(kBali, {reg::SECRETARIAT});
      *p.add_rights() = Rights("processes/igc", {reg::OBSERVER});
      break;
    case Role::kSecretariat:
      p.set_api_key("apiKeys/balisecretariat");
      p.set_party("parties/iom");
      *p.add_rights() = Rights(kBali, {reg::SECRETARIAT});
      break;
    case Role::kChair:
      p.set_api_key("apiKeys/indonesia");
      p.set_party("parties/IDN");
      *p.add_rights() = Rights("processes/apc", {reg::MEMBER});
      *p.add_rights() = Rights(kBali, {reg::MEMBER}, /*chair=*/true);
      *p.add_rights() = Rights(kColombo, {reg::MEMBER});
      break;
    case Role::kMember:
      p.set_api_key("apiKeys/thailand");
      p.set_party("parties/THA");
      *p.add_rights() = Rights(kBali, {reg::MEMBER});
      break;
    case Role::kObserver:
      p.set_api_key("apiKeys/unhcr");
      p.set_party("parties/unhcr");
      *p.add_rights() = Rights(kBali, {reg::OBSERVER});
      *p.add_rights() = Rights("processes/igc", {reg::OBSERVER});
      break;
  }
  return p;
}

Visibility VisibilityOf(Item item) {
  switch (item) {
    case Item::kPublic:
      return rcp::common::v1::PUBLIC;
    case Item::kMembers:
      return rcp::common::v1::MEMBERS;
    default:
      return rcp::common::v1::RESTRICTED;
  }
}

// The parties a RESTRICTED item names: the caller's own party among others,
// or others only.
std::vector<std::string> PartiesOf(Item item, const Principal& p) {
  if (item == Item::kRestrictedNamed) return {"parties/AUS", p.party(), "parties/NZL"};
  if (item == Item::kRestrictedUnnamed) return {"parties/AUS", "parties/NZL"};
  return {};
}

std::string Where(Role role, Item item) {
  return absl::StrCat(RoleName(role), " on a ", ItemName(item), " item");
}

TEST(PolicyTable, VisibleRuleMatchesCanSee) {
  const std::vector<std::string> processes = {kBali};
  for (Role role : kRoles) {
    Principal p = PrincipalFor(role);
    for (Item item : kItems) {
      bool sees = CanSee(p, processes, VisibilityOf(item), PartiesOf(item, p));
      EXPECT_EQ(sees ? Outcome::kAllowed : Outcome::kNotFound, Expected(Rule::kVisible, role, item))
          << Where(role, item);
    }
  }
}

TEST(PolicyTable, WriterRuleMatchesCanSeeThenCheckWriter) {
  const std::vector<std::string> processes = {kBali};
  for (Role role : kRoles) {
    Principal p = PrincipalFor(role);
    for (Item item : kItems) {
      // As the gateway does for an existing item: invisible first, then
      // the write right.
      Outcome got = Outcome::kAllowed;
      if (!CanSee(p, processes, VisibilityOf(item), PartiesOf(item, p))) {
        got = Outcome::kNotFound;
      } else {
        absl::Status s = CheckWriter(p, processes, "name");
        if (!s.ok()) {
          EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kBali)))
              << Where(role, item);
          got = Outcome::kPermissionDenied;
        }
      }
      EXPECT_EQ(got, Expected(Rule::kWriter, role, item)) << Where(role, item);
    }
  }
}

TEST(PolicyTable, MembersOnlyAdminAndRoleFunctions) {
  for (Role role : kRoles) {
    Principal p = PrincipalFor(role);
    EXPECT_EQ(IsMemberOf(p, kBali) ? Outcome::kAllowed : Outcome::kNotFound,
              Expected(Rule::kMembersOnly, role, Item::kPublic))
        << RoleName(role);
    EXPECT_EQ(IsAdmin(p) ? Outcome::kAllowed : Outcome::kPermissionDenied,
              Expected(Rule::kAdmin, role, Item::kPublic))
        << RoleName(role);
    EXPECT_EQ(CanWriteIn(p, kBali), Expected(Rule::kWriter, role, Item::kPublic) == Outcome::kAllowed)
        << RoleName(role);
    EXPECT_EQ(Expected(Rule::kAuthenticated, role, Item::kRestrictedUnnamed), Outcome::kAllowed);
  }
}

TEST(Policy, OutsidersAndLimitedKeys) {
  // A member of another process only: public items, nothing else.
  Principal outsider;
  outsider.set_party("parties/MEX");
  *outsider.add_rights() = Rights("processes/puebla-process", {reg::MEMBER}, true);
  const std::vector<std::string> bali = {kBali};
  EXPECT_TRUE(CanSee(outsider, bali, rcp::common::v1::PUBLIC, std::vector<std::string>{}));
  EXPECT_FALSE(CanSee(outsider, bali, rcp::common::v1::MEMBERS, std::vector<std::string>{}));
  EXPECT_FALSE(CanSee(outsider, bali, rcp::common::v1::RESTRICTED, std::vector<std::string>{"parties/AUS"}));
  // … unless a restricted item names its party.
  EXPECT_TRUE(CanSee(outsider, bali, rcp::common::v1::RESTRICTED,
                     std::vector<std::string>{"parties/AUS", "parties/MEX"}));
  EXPECT_FALSE(IsMemberOf(outsider, kBali));
  EXPECT_THAT(CheckWriter(outsider, bali, "parent"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("parent")));

  // No rights at all (a key limited to a process its party left).
  Principal nobody;
  nobody.set_party("parties/IDN");
  for (Visibility v : {rcp::common::v1::MEMBERS, rcp::common::v1::RESTRICTED}) {
    EXPECT_FALSE(CanSee(nobody, bali, v, std::vector<std::string>{})) << v;
  }
  // An item without a visibility is seen by nobody but admins.
  EXPECT_FALSE(CanSee(PrincipalFor(Role::kSecretariat), bali, rcp::common::v1::VISIBILITY_UNSPECIFIED,
                      std::vector<std::string>{}));
  EXPECT_TRUE(CanSee(PrincipalFor(Role::kAdmin), bali, rcp::common::v1::VISIBILITY_UNSPECIFIED,
                     std::vector<std::string>{}));
}

TEST(Policy, JointItemsNeedTheWriteRightInEveryProcess) {
  const std::vector<std::string> joint = {kBali, kColombo};
  // The Bali secretariat is not Colombo's: a joint meeting is not its alone.
  EXPECT_THAT(CheckWriter(PrincipalFor(Role::kSecretariat), joint, "meeting.processes"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kColombo)));
  // Indonesia chairs Bali but is a plain member of Colombo.
  EXPECT_THAT(CheckWriter(PrincipalFor(Role::kChair), joint, "meeting.processes"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kColombo)));
  EXPECT_THAT(CheckWriter(PrincipalFor(Role::kAdmin), joint, "meeting.processes"), IsOk());
  // Seeing a joint MEMBERS item needs membership of any one of them.
  EXPECT_TRUE(
      CanSee(PrincipalFor(Role::kMember), joint, rcp::common::v1::MEMBERS, std::vector<std::string>{}));
  Principal colombo_member;
  colombo_member.set_party("parties/NPL");
  *colombo_member.add_rights() = Rights(kColombo, {reg::MEMBER});
  EXPECT_TRUE(CanSee(colombo_member, joint, rcp::common::v1::MEMBERS, std::vector<std::string>{}));
  // A RESTRICTED joint item: the secretariat or chair of any of them.
  EXPECT_TRUE(CanSee(PrincipalFor(Role::kSecretariat), joint, rcp::common::v1::RESTRICTED,
                     std::vector<std::string>{"parties/AUS"}));
  EXPECT_FALSE(
      CanSee(colombo_member, joint, rcp::common::v1::RESTRICTED, std::vector<std::string>{"parties/AUS"}));
}

TEST(Policy, ProcessOf) {
  EXPECT_EQ(ProcessOf("processes/bali-process/meetings/som-2027-02"), kBali);
  EXPECT_EQ(ProcessOf("processes/bali-process"), kBali);
  EXPECT_EQ(ProcessOf("processes/bali-process/documents/x/languages/fr"), kBali);
  EXPECT_EQ(ProcessOf("parties/IDN"), "");
  EXPECT_EQ(ProcessOf("apiKeys/abc"), "");
  EXPECT_EQ(ProcessOf(""), "");
  EXPECT_EQ(ProcessOf("processes"), "");
}

// ----------------------------------------------------------- Subscribe

Change MeetingChange(Item item, const Principal& p, std::vector<std::string> processes = {kBali}) {
  rcp::events::v1::Meeting m;
  m.set_name(processes[0] + "/meetings/m");
  for (const auto& proc : processes) m.add_processes(proc);
  m.set_visibility(VisibilityOf(item));
  for (const auto& party : PartiesOf(item, p)) m.add_restricted_parties(party);
  Change c;
  c.set_revision(7);
  c.set_name(m.name());
  c.set_kind("meeting");
  c.mutable_value()->PackFrom(m);
  return c;
}

Change DocumentChange(Item item, const Principal& p) {
  rcp::documents::v1::Document d;
  d.set_name(std::string(kBali) + "/documents/d");
  d.set_visibility(VisibilityOf(item));
  for (const auto& party : PartiesOf(item, p)) d.add_restricted_parties(party);
  Change c;
  c.set_revision(9);
  c.set_name(d.name());
  c.set_kind("document");
  c.mutable_value()->PackFrom(d);
  return c;
}

TEST(PolicyTable, SubscribeDeliversExactlyWhatTheCallerMaySee) {
  for (Role role : kRoles) {
    Principal p = PrincipalFor(role);
    for (Item item : kItems) {
      Outcome want = Expected(Rule::kVisible, role, item);
      std::vector<std::string> processes;
      bool seen = CanSeeChange(p, "events", MeetingChange(item, p), &processes);
      EXPECT_EQ(seen ? Outcome::kAllowed : Outcome::kNotFound, want) << "meeting: " << Where(role, item);
      EXPECT_EQ(processes, std::vector<std::string>{kBali});
      seen = CanSeeChange(p, "documents", DocumentChange(item, p), &processes);
      EXPECT_EQ(seen ? Outcome::kAllowed : Outcome::kNotFound, want) << "document: " << Where(role, item);
      EXPECT_EQ(processes, std::vector<std::string>{kBali});
    }
  }
}

TEST(PolicyTable, AnUpdateOutOfViewIsAWithdrawalForThoseWhoSawIt) {
  for (Role role : kRoles) {
    Principal p = PrincipalFor(role);
    for (Item before : kItems) {
      for (Item after : kItems) {
        bool saw = Expected(Rule::kVisible, role, before) == Outcome::kAllowed;
        bool sees = Expected(Rule::kVisible, role, after) == Outcome::kAllowed;
        Delivery want = sees ? Delivery::kChange : saw ? Delivery::kWithdrawal : Delivery::kNone;
        for (const char* service : {"events", "documents"}) {
          Change was =
              std::string(service) == "events" ? MeetingChange(before, p) : DocumentChange(before, p);
          Change change =
              std::string(service) == "events" ? MeetingChange(after, p) : DocumentChange(after, p);
          change.set_operation(Change::UPDATED);
          *change.mutable_previous_value() = was.value();
          std::vector<std::string> processes;
          EXPECT_EQ(DeliveryOf(p, service, change, &processes), want)
              << service << " " << Where(role, before) << " -> " << Where(role, after);
          if (want != Delivery::kNone) EXPECT_EQ(processes, std::vector<std::string>{kBali});
        }
      }
    }
  }
}

TEST(Policy, AWithdrawalCarriesNoValue) {
  Principal p = PrincipalFor(Role::kObserver);
  Change was = MeetingChange(Item::kPublic, p);
  Change change = MeetingChange(Item::kMembers, p);
  change.set_operation(Change::UPDATED);
  change.set_principal("apiKeys/secretariat");
  *change.mutable_previous_value() = was.value();
  std::vector<std::string> processes;
  ASSERT_EQ(DeliveryOf(p, "events", change, &processes), Delivery::kWithdrawal);
  Change out;
  Withdrawal(change, &out);
  EXPECT_EQ(out.operation(), Change::WITHDRAWN);
  EXPECT_EQ(out.name(), change.name());
  EXPECT_EQ(out.revision(), change.revision());
  EXPECT_FALSE(out.has_value());
  EXPECT_FALSE(out.has_previous_value());
  EXPECT_TRUE(out.principal().empty());
  // Without a previous value (a create, or an older record) nothing is known
  // of who saw it: nothing is sent.
  change.clear_previous_value();
  EXPECT_EQ(DeliveryOf(p, "events", change, &processes), Delivery::kNone);
}

TEST(Policy, SubscribeRegistryChanges) {
  auto change = [](const std::string& kind, const std::string& name, const google::protobuf::Message& value) {
    Change c;
    c.set_kind(kind);
    c.set_name(name);
    c.mutable_value()->PackFrom(value);
    return c;
  };
  reg::Process process;
  reg::Membership membership;
  reg::FocalPoint focal_point;
  reg::ApiKey idn_key;
  idn_key.set_party("parties/IDN");
  reg::FederationPeer peer;
  for (Role role : kRoles) {
    Principal p = PrincipalFor(role);
    std::vector<std::string> processes;
    EXPECT_TRUE(CanSeeChange(p, "registry", change("process", kBali, process), &processes)) << RoleName(role);
    EXPECT_EQ(processes, std::vector<std::string>{kBali});
    EXPECT_TRUE(CanSeeChange(p, "registry", change("party", "parties/IDN", process), &processes));
    EXPECT_TRUE(processes.empty());
    EXPECT_TRUE(CanSeeChange(
        p, "registry", change("membership", std::string(kBali) + "/memberships/x", membership), &processes));
    EXPECT_EQ(processes, std::vector<std::string>{kBali});
    // Contact details: members only, as GetFocalPoint.
    EXPECT_EQ(
        CanSeeChange(p, "registry", change("focal_point", std::string(kBali) + "/focalPoints/x", focal_point),
                     &processes),
        Expected(Rule::kMembersOnly, role, Item::kPublic) == Outcome::kAllowed)
        << RoleName(role);
    // Keys: the party's own, as GetApiKey.
    EXPECT_EQ(CanSeeChange(p, "registry", change("api_key", "apiKeys/k", idn_key), &processes),
              Expected(Rule::kOwnKeys, role, Item::kPublic, p.party() == "parties/IDN") == Outcome::kAllowed)
        << RoleName(role);
    // Federation peers and unknown kinds: administrators only.
    EXPECT_EQ(CanSeeChange(p, "registry", change("federation_peer", "federationPeers/x", peer), &processes),
              role == Role::kAdmin);
    EXPECT_EQ(CanSeeChange(p, "registry", change("something_new", "x/y", peer), &processes),
              role == Role::kAdmin);
    EXPECT_EQ(CanSeeChange(p, "elsewhere", change("meeting", "x/y", peer), &processes), role == Role::kAdmin);
  }
}

TEST(Policy, SubscribeJointMeetingCarriesEveryProcess) {
  Principal p = PrincipalFor(Role::kMember);
  std::vector<std::string> processes;
  EXPECT_TRUE(CanSeeChange(p, "events", MeetingChange(Item::kMembers, p, {kColombo, kBali}), &processes));
  EXPECT_EQ(processes, (std::vector<std::string>{kColombo, kBali}));
  // A change whose value does not unpack is not delivered.
  Change bad = MeetingChange(Item::kPublic, p);
  bad.mutable_value()->set_value("\xff\xff\xff");
  EXPECT_FALSE(CanSeeChange(p, "events", bad, &processes));
}

// ------------------------------------------------------- the method table

const std::set<std::string>& InternalMethods() {
  static const auto* m =
      new std::set<std::string>{"/rcp.registry.v1.Registry/Watch", "/rcp.registry.v1.Registry/Authenticate",
                                "/rcp.registry.v1.Registry/ResolveApiKey", "/rcp.events.v1.Events/Watch",
                                "/rcp.documents.v1.Documents/Watch"};
  return *m;
}

std::vector<std::string> AllMethods() {
  std::vector<std::string> out;
  for (const char* service : {"rcp.registry.v1.Registry", "rcp.events.v1.Events",
                              "rcp.documents.v1.Documents", "rcp.gateway.v1.Gateway"}) {
    const auto* d = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    EXPECT_NE(d, nullptr) << service;
    if (d == nullptr) continue;
    for (int i = 0; i < d->method_count(); ++i)
      out.push_back(absl::StrCat("/", service, "/", d->method(i)->name()));
  }
  return out;
}

TEST(MethodRules, EveryPublicMethodHasExactlyOneRuleAndInternalOnesNone) {
  // Make sure the generated descriptors are linked in.
  rcp::registry::v1::Process().GetDescriptor();
  rcp::events::v1::Meeting().GetDescriptor();
  rcp::documents::v1::Document().GetDescriptor();
  rcp::gateway::v1::SubscribeRequest().GetDescriptor();
  std::vector<std::string> all = AllMethods();
  ASSERT_GT(all.size(), 50u);
  for (const auto& m : all) {
    if (InternalMethods().count(m)) {
      EXPECT_EQ(RuleFor(m), nullptr) << m << " is internal and must not be served by the gateway";
    } else {
      EXPECT_NE(RuleFor(m), nullptr) << m << " has no rule in the policy table";
    }
  }
  std::set<std::string> known(all.begin(), all.end());
  std::set<std::string> seen;
  for (const auto& r : MethodRules()) {
    EXPECT_TRUE(known.count(r.method)) << r.method << " is in the table but not in any proto";
    EXPECT_TRUE(seen.insert(r.method).second) << r.method << " is listed twice";
  }
  EXPECT_EQ(RuleFor("/rcp.events.v1.Events/NoSuchMethod"), nullptr);
  EXPECT_EQ(RuleFor(""), nullptr);
}

TEST(MethodRules, WritesNeverHaveAReadRule) {
  const std::vector<std::string> write_prefixes = {"Create",  "Update",      "Delete",       "Revoke",
                                                   "Confirm", "Postpone",    "Reschedule",   "Cancel",
                                                   "Mark",    "StartUpload", "UploadChunks", "CommitUpload"};
  for (const auto& r : MethodRules()) {
    std::string method = std::string(r.method).substr(std::string(r.method).rfind('/') + 1);
    bool write = false;
    for (const auto& prefix : write_prefixes) write = write || absl::StartsWith(method, prefix);
    if (!write) continue;
    EXPECT_TRUE(r.rule == Rule::kAdmin || r.rule == Rule::kWriter || r.rule == Rule::kUploader ||
                r.rule == Rule::kOwnKeys)
        << r.method;
  }
  // A few that matter most, spelled out.
  EXPECT_EQ(RuleFor("/rcp.registry.v1.Registry/CreateApiKey")->rule, Rule::kAdmin);
  EXPECT_EQ(RuleFor("/rcp.registry.v1.Registry/CreateMembership")->rule, Rule::kAdmin);
  EXPECT_EQ(RuleFor("/rcp.registry.v1.Registry/GetFocalPoint")->rule, Rule::kMembersOnly);
  EXPECT_EQ(RuleFor("/rcp.events.v1.Events/PostponeMeeting")->rule, Rule::kWriter);
  EXPECT_EQ(RuleFor("/rcp.documents.v1.Documents/Download")->rule, Rule::kVisible);
  EXPECT_EQ(RuleFor("/rcp.gateway.v1.Gateway/Subscribe")->rule, Rule::kVisible);
}

TEST(MayManageKeyTest, StaffOfAPartyCannotReachTheAdministratorsKeys) {
  reg::ApiKey admin_key;
  admin_key.set_party("parties/iom");
  admin_key.set_admin(true);
  reg::ApiKey staff_key;
  staff_key.set_party("parties/iom");
  reg::ApiKey other_party;
  other_party.set_party("parties/IDN");
  // The Bali secretariat's key shares the party iom with the admin key.
  Principal secretariat = PrincipalFor(Role::kSecretariat);
  EXPECT_FALSE(MayManageKey(secretariat, admin_key));
  EXPECT_TRUE(MayManageKey(secretariat, staff_key));
  EXPECT_FALSE(MayManageKey(secretariat, other_party));
  Principal admin = PrincipalFor(Role::kAdmin);
  EXPECT_TRUE(MayManageKey(admin, admin_key));
  EXPECT_TRUE(MayManageKey(admin, other_party));
}

}  // namespace
}  // namespace rcp::gateway::policy
