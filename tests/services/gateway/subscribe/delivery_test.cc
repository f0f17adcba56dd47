// What Subscribe delivers of each change: exactly what the caller may see
// (tests/services/gateway/roles.h), withdrawals for those who lose sight of
// an item, and the process each change concerns.
#include "services/gateway/subscribe/delivery.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "tests/services/gateway/roles.h"

namespace rcp::gateway::subscribe {
namespace {

using ::rcp::common::v1::Change;
using namespace ::rcp::gateway::testing;  // NOLINT: the roles' vocabulary
namespace reg = ::rcp::registry::v1;

std::string Where(Role role, Item item) {
  return absl::StrCat(RoleName(role), " on a ", ItemName(item), " item");
}

Change MeetingChange(Item item, const reg::Principal& p, std::vector<std::string> processes = {kBali}) {
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

Change DocumentChange(Item item, const reg::Principal& p) {
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

TEST(Delivery, ExactlyWhatTheCallerMaySee) {
  for (Role role : kRoles) {
    reg::Principal p = PrincipalFor(role);
    for (Item item : kItems) {
      std::vector<std::string> processes;
      Delivery want = Sees(role, item) ? Delivery::kChange : Delivery::kNone;
      EXPECT_EQ(DeliveryOf(p, resource::Service::kEvents, MeetingChange(item, p), &processes), want)
          << "meeting: " << Where(role, item);
      if (want != Delivery::kNone) {
        EXPECT_EQ(processes, std::vector<std::string>{kBali});
      }
      EXPECT_EQ(DeliveryOf(p, resource::Service::kDocuments, DocumentChange(item, p), &processes), want)
          << "document: " << Where(role, item);
    }
  }
}

TEST(Delivery, AnUpdateOutOfViewIsAWithdrawalForThoseWhoSawIt) {
  for (Role role : kRoles) {
    reg::Principal p = PrincipalFor(role);
    for (Item before : kItems) {
      for (Item after : kItems) {
        Delivery want = Sees(role, after)    ? Delivery::kChange
                        : Sees(role, before) ? Delivery::kWithdrawal
                                             : Delivery::kNone;
        for (resource::Service service : {resource::Service::kEvents, resource::Service::kDocuments}) {
          bool events = service == resource::Service::kEvents;
          Change was = events ? MeetingChange(before, p) : DocumentChange(before, p);
          Change change = events ? MeetingChange(after, p) : DocumentChange(after, p);
          change.set_operation(Change::UPDATED);
          *change.mutable_previous_value() = was.value();
          std::vector<std::string> processes;
          EXPECT_EQ(DeliveryOf(p, service, change, &processes), want)
              << resource::ServiceName(service) << " " << Where(role, before) << " -> " << Where(role, after);
          if (want != Delivery::kNone) {
            EXPECT_EQ(processes, std::vector<std::string>{kBali});
          }
        }
      }
    }
  }
}

TEST(Delivery, AWithdrawalCarriesNoValue) {
  reg::Principal p = PrincipalFor(Role::kObserver);
  Change was = MeetingChange(Item::kPublic, p);
  Change change = MeetingChange(Item::kMembers, p);
  change.set_operation(Change::UPDATED);
  change.set_principal("apiKeys/secretariat");
  *change.mutable_previous_value() = was.value();
  std::vector<std::string> processes;
  ASSERT_EQ(DeliveryOf(p, resource::Service::kEvents, change, &processes), Delivery::kWithdrawal);
  Change out;
  Withdrawal(change, &out);
  EXPECT_EQ(out.operation(), Change::WITHDRAWN);
  EXPECT_EQ(out.name(), change.name());
  EXPECT_EQ(out.revision(), change.revision());
  EXPECT_FALSE(out.has_value());
  EXPECT_FALSE(out.has_previous_value());
  EXPECT_TRUE(out.principal().empty());
  // Without a previous value (a create, or an older record) nothing is
  // known of who saw it: nothing is sent.
  change.clear_previous_value();
  EXPECT_EQ(DeliveryOf(p, resource::Service::kEvents, change, &processes), Delivery::kNone);
}

Change RegistryChange(const std::string& kind, const std::string& name,
                      const google::protobuf::Message& value) {
  Change c;
  c.set_kind(kind);
  c.set_name(name);
  c.mutable_value()->PackFrom(value);
  return c;
}

TEST(Delivery, RegisterChangesWithinTheKeysProcesses) {
  const auto kRegistry = resource::Service::kRegistry;
  reg::Process process;
  reg::Membership membership;
  reg::FocalPoint focal_point;
  reg::FederationPeer peer;
  for (Role role : kRoles) {
    reg::Principal p = PrincipalFor(role);
    std::vector<std::string> processes;
    // The register of a process: for every key that reaches the process.
    bool reaches_bali = role != Role::kColomboLimited;
    EXPECT_EQ(
        DeliveryOf(p, kRegistry, RegistryChange("process", kBali, process), &processes) == Delivery::kChange,
        reaches_bali)
        << RoleName(role);
    if (reaches_bali) {
      EXPECT_EQ(processes, std::vector<std::string>{kBali});
    }
    EXPECT_EQ(DeliveryOf(p, kRegistry,
                         RegistryChange("membership", std::string(kBali) + "/memberships/x", membership),
                         &processes) == Delivery::kChange,
              reaches_bali)
        << RoleName(role);
    // Parties belong to no process: everyone.
    EXPECT_EQ(DeliveryOf(p, kRegistry, RegistryChange("party", "parties/IDN", process), &processes),
              Delivery::kChange);
    EXPECT_TRUE(processes.empty());
    // Contact details: the process's members only.
    EXPECT_EQ(DeliveryOf(p, kRegistry,
                         RegistryChange("focal_point", std::string(kBali) + "/focalPoints/x", focal_point),
                         &processes) == Delivery::kChange,
              Sees(role, Item::kMembers))
        << RoleName(role);
    // Federation peers and kinds this gateway does not know: administrators
    // of the whole deployment.
    EXPECT_EQ(DeliveryOf(p, kRegistry, RegistryChange("federation_peer", "federationPeers/x", peer),
                         &processes) == Delivery::kChange,
              AdministersAll(role))
        << RoleName(role);
    EXPECT_EQ(DeliveryOf(p, kRegistry, RegistryChange("something_new", "x/y", peer), &processes) ==
                  Delivery::kChange,
              AdministersAll(role));
    // A kind arriving from a service that does not own it is not trusted.
    EXPECT_EQ(DeliveryOf(p, resource::Service::kEvents, RegistryChange("process", kBali, process),
                         &processes) == Delivery::kChange,
              AdministersAll(role));
  }
}

TEST(Delivery, KeysOnlyToThoseWhoMayManageThem) {
  const auto kRegistry = resource::Service::kRegistry;
  reg::ApiKey idn_colombo;  // Indonesia's key for the Colombo Process
  idn_colombo.set_party("parties/IDN");
  idn_colombo.add_processes(kColombo);
  reg::ApiKey iom_colombo;  // IOM's key for the Colombo secretariat
  iom_colombo.set_party("parties/iom");
  iom_colombo.add_processes(kColombo);
  std::vector<std::string> processes;
  auto sees = [&](Role role, const reg::ApiKey& key) {
    return DeliveryOf(PrincipalFor(role), kRegistry, RegistryChange("api_key", "apiKeys/k", key),
                      &processes) == Delivery::kChange;
  };
  EXPECT_TRUE(sees(Role::kChair, idn_colombo));
  EXPECT_TRUE(sees(Role::kColomboLimited, idn_colombo));
  EXPECT_FALSE(sees(Role::kMember, idn_colombo));
  EXPECT_TRUE(sees(Role::kAdmin, idn_colombo));
  // Hole 4: the Bali secretariat's key (limited to Bali) does not reach its
  // own party's Colombo key, nor does an admin key limited to Bali.
  EXPECT_FALSE(sees(Role::kSecretariat, iom_colombo));
  EXPECT_FALSE(sees(Role::kBaliAdmin, iom_colombo));
}

TEST(Delivery, JointMeetingCarriesEveryProcessAndReachesEachProcesssKeys) {
  reg::Principal member = PrincipalFor(Role::kMember);
  std::vector<std::string> processes;
  EXPECT_EQ(DeliveryOf(member, resource::Service::kEvents,
                       MeetingChange(Item::kMembers, member, {kColombo, kBali}), &processes),
            Delivery::kChange);
  EXPECT_EQ(processes, (std::vector<std::string>{kColombo, kBali}));
  // A key limited to Colombo sees the joint members' meeting (it is
  // Colombo's too), and not Bali's own.
  reg::Principal colombo = PrincipalFor(Role::kColomboLimited);
  EXPECT_EQ(DeliveryOf(colombo, resource::Service::kEvents,
                       MeetingChange(Item::kMembers, colombo, {kColombo, kBali}), &processes),
            Delivery::kChange);
  EXPECT_EQ(
      DeliveryOf(colombo, resource::Service::kEvents, MeetingChange(Item::kPublic, colombo), &processes),
      Delivery::kNone);
  // A change whose value does not unpack is not delivered.
  Change bad = MeetingChange(Item::kPublic, member);
  bad.mutable_value()->set_value("\xff\xff\xff");
  EXPECT_EQ(DeliveryOf(member, resource::Service::kEvents, bad, &processes), Delivery::kNone);
}

}  // namespace
}  // namespace rcp::gateway::subscribe
