// The visibility rule on its own: every role × visibility, the key's
// process and role limits (holes 3 and 4 of issue 9), who may manage which
// key, the audience of every kind, and reading the viewer from a call.
#include "common/audience/audience.h"

#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "tests/common/audience/seed_viewers.h"

namespace rcp::audience {
namespace {

using ::rcp::common::v1::Visibility;
using ::rcp::testing::StatusIs;
using resource::Kind;
using ::testing::HasSubstr;
namespace reg = ::rcp::registry::v1;
namespace ev = ::rcp::events::v1;
namespace doc = ::rcp::documents::v1;

using testing::kBali;
using testing::kColombo;
using testing::Rights;
using testing::RoleName;
using Role = testing::SeedRole;
constexpr auto& kRoles = testing::kSeedRoles;
Viewer ViewerFor(Role role) { return testing::SeedViewer(role); }

enum class Item { kPublic, kMembers, kRestrictedNamed, kRestrictedUnnamed };
constexpr Item kItems[] = {Item::kPublic, Item::kMembers, Item::kRestrictedNamed, Item::kRestrictedUnnamed};

const char* ItemName(Item i) {
  static constexpr const char* kNames[] = {"PUBLIC", "MEMBERS", "RESTRICTED(naming the viewer)",
                                           "RESTRICTED(not naming the viewer)"};
  return kNames[static_cast<int>(i)];
}

// DESIGN.md §5: MEMBERS = members, secretariat and chair; RESTRICTED = the
// named parties, the secretariat and the chair.
//                            PUBLIC MEMBERS R-named R-unnamed
constexpr bool kSees[5][4] = {{true, true, true, true},     // admin
                              {true, true, true, true},     // secretariat
                              {true, true, true, true},     // chair
                              {true, true, true, false},    // member
                              {true, false, true, false}};  // observer
constexpr bool kMemberOf[5] = {true, true, true, true, false};
constexpr bool kWrites[5] = {true, true, true, false, false};

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

std::vector<std::string> PartiesOf(Item item, const Viewer& v) {
  if (item == Item::kRestrictedNamed) return {"parties/AUS", v.party(), "parties/NZL"};
  if (item == Item::kRestrictedUnnamed) return {"parties/AUS", "parties/NZL"};
  return {};
}

Audience AudienceFor(std::vector<std::string> processes, Visibility visibility,
                     std::vector<std::string> parties = {}) {
  return Audience{std::move(processes), visibility, std::move(parties)};
}

ev::Meeting MeetingOf(std::vector<std::string> processes, Visibility visibility,
                      std::vector<std::string> parties = {}) {
  ev::Meeting m;
  m.set_name(processes[0] + "/meetings/m");
  for (const auto& p : processes) m.add_processes(p);
  m.set_visibility(visibility);
  for (const auto& p : parties) m.add_restricted_parties(p);
  return m;
}

doc::Document DocumentOf(const std::string& process, Visibility visibility,
                         std::vector<std::string> parties = {}) {
  doc::Document d;
  d.set_name(process + "/documents/d");
  d.set_visibility(visibility);
  for (const auto& p : parties) d.add_restricted_parties(p);
  return d;
}

std::string Where(Role role, Item item) {
  return absl::StrCat(RoleName(role), " on a ", ItemName(item), " item");
}

// ------------------------------------------------------------ the table

TEST(AudienceTable, EachRoleSeesWhatTheDesignSays) {
  for (Role role : kRoles) {
    Viewer v = ViewerFor(role);
    for (Item item : kItems) {
      bool want = kSees[static_cast<int>(role)][static_cast<int>(item)];
      EXPECT_EQ(CanSee(v, AudienceFor({kBali}, VisibilityOf(item), PartiesOf(item, v))), want)
          << Where(role, item);
      // Meetings and documents are judged by the same rule.
      EXPECT_EQ(MaySee(v, Kind::kMeeting, MeetingOf({kBali}, VisibilityOf(item), PartiesOf(item, v))), want)
          << "meeting: " << Where(role, item);
      EXPECT_EQ(MaySee(v, Kind::kDocument, DocumentOf(kBali, VisibilityOf(item), PartiesOf(item, v))), want)
          << "document: " << Where(role, item);
    }
  }
}

TEST(AudienceTable, MembershipWriteAndAdminRightsPerRole) {
  for (Role role : kRoles) {
    Viewer v = ViewerFor(role);
    int r = static_cast<int>(role);
    EXPECT_EQ(IsMemberOf(v, kBali), kMemberOf[r]) << RoleName(role);
    EXPECT_EQ(CanWriteIn(v, kBali), kWrites[r]) << RoleName(role);
    EXPECT_EQ(IsAdmin(v), role == Role::kAdmin) << RoleName(role);
    EXPECT_EQ(IsDeploymentAdmin(v), role == Role::kAdmin) << RoleName(role);
  }
  // Contact details are MEMBERS within their process.
  reg::FocalPoint focal_point;
  focal_point.set_name(std::string(kBali) + "/focalPoints/idn");
  for (Role role : kRoles) {
    EXPECT_EQ(MaySee(ViewerFor(role), Kind::kFocalPoint, focal_point), kMemberOf[static_cast<int>(role)])
        << RoleName(role);
  }
}

TEST(Audience, OutsidersSeePublicItemsAndWhatNamesThem) {
  // A member (and chair) of another process only.
  Viewer outsider;
  outsider.set_party("parties/MEX");
  *outsider.add_rights() = Rights("processes/puebla-process", {reg::MEMBER}, true);
  EXPECT_TRUE(CanSee(outsider, AudienceFor({kBali}, rcp::common::v1::PUBLIC)));
  EXPECT_FALSE(CanSee(outsider, AudienceFor({kBali}, rcp::common::v1::MEMBERS)));
  EXPECT_FALSE(CanSee(outsider, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {"parties/AUS"})));
  EXPECT_TRUE(
      CanSee(outsider, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {"parties/AUS", "parties/MEX"})));
  EXPECT_FALSE(IsMemberOf(outsider, kBali));
  EXPECT_FALSE(CanWriteIn(outsider, kBali));

  // No rights at all (a key limited to a process its party left).
  Viewer nobody;
  nobody.set_party("parties/IDN");
  for (Visibility vis : {rcp::common::v1::MEMBERS, rcp::common::v1::RESTRICTED}) {
    EXPECT_FALSE(CanSee(nobody, AudienceFor({kBali}, vis))) << vis;
  }
}

TEST(Audience, AnAnonymousViewerSeesPublicItemsAndHoldsNoRight) {
  Viewer anonymous;
  anonymous.set_anonymous(true);
  for (Item item : kItems) {
    bool want = item == Item::kPublic;
    EXPECT_EQ(CanSee(anonymous, AudienceFor({kBali}, VisibilityOf(item), PartiesOf(item, anonymous))), want)
        << ItemName(item);
    EXPECT_EQ(MaySee(anonymous, Kind::kMeeting, MeetingOf({kBali}, VisibilityOf(item))), want) << ItemName(item);
    EXPECT_EQ(MaySee(anonymous, Kind::kDocument, DocumentOf(kBali, VisibilityOf(item))), want)
        << ItemName(item);
  }
  // Register entries are PUBLIC; contact details are not.
  reg::Party party;
  party.set_name("parties/IDN");
  EXPECT_TRUE(MaySee(anonymous, Kind::kParty, party));
  reg::FocalPoint focal_point;
  focal_point.set_name(std::string(kBali) + "/focalPoints/idn");
  EXPECT_FALSE(MaySee(anonymous, Kind::kFocalPoint, focal_point));
  // A principal that says it is anonymous holds no right, whatever else
  // it carries: the flag wins.
  Viewer forged = ViewerFor(Role::kAdmin);
  forged.set_anonymous(true);
  *forged.add_rights() = Rights(kBali, {reg::SECRETARIAT}, /*chair=*/true);
  EXPECT_FALSE(IsAdmin(forged));
  EXPECT_FALSE(IsDeploymentAdmin(forged));
  EXPECT_FALSE(IsMemberOf(forged, kBali));
  EXPECT_FALSE(CanWriteIn(forged, kBali));
  EXPECT_FALSE(CanSee(forged, AudienceFor({kBali}, rcp::common::v1::MEMBERS)));
  EXPECT_FALSE(CanSee(forged, AudienceFor({kBali}, rcp::common::v1::VISIBILITY_UNSPECIFIED)));
  reg::ApiKey key;
  key.set_name("apiKeys/k");
  EXPECT_FALSE(MayManageKey(anonymous, key)) << "a key of no party is still nobody's to manage";
  EXPECT_FALSE(MaySee(anonymous, Kind::kApiKey, key));
  // An item naming the empty party (which validation refuses) still does
  // not name a viewer of no party.
  Viewer partyless;
  EXPECT_FALSE(CanSee(partyless, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {""})));
  EXPECT_FALSE(CanSee(anonymous, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {""})));
}

TEST(Audience, JointItems) {
  // The Bali secretariat is not Colombo's; Indonesia chairs Bali but is a
  // plain member of Colombo.
  EXPECT_TRUE(CanWriteIn(ViewerFor(Role::kSecretariat), kBali));
  EXPECT_FALSE(CanWriteIn(ViewerFor(Role::kSecretariat), kColombo));
  EXPECT_TRUE(CanWriteIn(ViewerFor(Role::kChair), kBali));
  EXPECT_FALSE(CanWriteIn(ViewerFor(Role::kChair), kColombo));
  EXPECT_TRUE(CanWriteIn(ViewerFor(Role::kAdmin), kColombo));
  // Seeing a joint MEMBERS item needs membership of any one of them.
  EXPECT_TRUE(CanSee(ViewerFor(Role::kMember), AudienceFor({kBali, kColombo}, rcp::common::v1::MEMBERS)));
  Viewer colombo_member;
  colombo_member.set_party("parties/NPL");
  *colombo_member.add_rights() = Rights(kColombo, {reg::MEMBER});
  EXPECT_TRUE(CanSee(colombo_member, AudienceFor({kBali, kColombo}, rcp::common::v1::MEMBERS)));
  // A RESTRICTED joint item: the secretariat or chair of any of them.
  EXPECT_TRUE(CanSee(ViewerFor(Role::kSecretariat),
                     AudienceFor({kBali, kColombo}, rcp::common::v1::RESTRICTED, {"parties/AUS"})));
  EXPECT_FALSE(
      CanSee(colombo_member, AudienceFor({kBali, kColombo}, rcp::common::v1::RESTRICTED, {"parties/AUS"})));
}

// ------------------------------------------------------- process limits

// Hole 3: Indonesia's key limited to the Colombo Process.
Viewer ColomboOnlyIndonesia() {
  Viewer v;
  v.set_api_key("apiKeys/idncolombo");
  v.set_party("parties/IDN");
  v.add_process_limit(kColombo);
  // The registry gives it Colombo's rights only; the rule must not rely on
  // that, so Bali's are left in.
  *v.add_rights() = Rights(kBali, {reg::MEMBER}, /*chair=*/true);
  *v.add_rights() = Rights(kColombo, {reg::MEMBER});
  return v;
}

TEST(AudienceLimits, AProcessLimitBindsReadsOfEveryKind) {
  Viewer v = ColomboOnlyIndonesia();
  // A RESTRICTED Bali meeting that names its party, and Bali's PUBLIC items.
  EXPECT_FALSE(MaySee(v, Kind::kMeeting, MeetingOf({kBali}, rcp::common::v1::RESTRICTED, {"parties/IDN"})));
  EXPECT_FALSE(MaySee(v, Kind::kMeeting, MeetingOf({kBali}, rcp::common::v1::PUBLIC)));
  EXPECT_FALSE(MaySee(v, Kind::kDocument, DocumentOf(kBali, rcp::common::v1::PUBLIC)));
  // Bali's register entries.
  reg::Process bali;
  bali.set_name(kBali);
  reg::Membership membership;
  membership.set_name(std::string(kBali) + "/memberships/idn");
  reg::ChairTerm term;
  term.set_name(std::string(kBali) + "/chairTerms/idn-2026");
  reg::FocalPoint focal_point;
  focal_point.set_name(std::string(kBali) + "/focalPoints/idn");
  EXPECT_FALSE(MaySee(v, Kind::kProcess, bali));
  EXPECT_FALSE(MaySee(v, Kind::kMembership, membership));
  EXPECT_FALSE(MaySee(v, Kind::kChairTerm, term));
  EXPECT_FALSE(MaySee(v, Kind::kFocalPoint, focal_point));
  // No rights in Bali either, not even the chair's.
  EXPECT_FALSE(IsMemberOf(v, kBali));
  EXPECT_FALSE(CanWriteIn(v, kBali));
  // Colombo's items as a member; parties are global.
  EXPECT_TRUE(MaySee(v, Kind::kMeeting, MeetingOf({kColombo}, rcp::common::v1::MEMBERS)));
  reg::Process colombo;
  colombo.set_name(kColombo);
  EXPECT_TRUE(MaySee(v, Kind::kProcess, colombo));
  reg::Party party;
  party.set_name("parties/AUS");
  EXPECT_TRUE(MaySee(v, Kind::kParty, party));
  // A joint Bali + Colombo meeting is Colombo's too.
  EXPECT_TRUE(
      MaySee(v, Kind::kMeeting, MeetingOf({kBali, kColombo}, rcp::common::v1::RESTRICTED, {"parties/IDN"})));
  EXPECT_TRUE(MaySee(v, Kind::kMeeting, MeetingOf({kBali, kColombo}, rcp::common::v1::MEMBERS)));
  EXPECT_TRUE(WithinLimit(v, {kBali, kColombo}));
  EXPECT_FALSE(WithinLimit(v, {kBali}));
  EXPECT_TRUE(WithinLimit(v, {}));
}

TEST(AudienceLimits, AnAdministratorWithAProcessLimitAdministersThoseProcessesOnly) {
  Viewer v = ViewerFor(Role::kAdmin);
  v.add_process_limit(kBali);
  EXPECT_TRUE(IsAdmin(v));
  EXPECT_FALSE(IsDeploymentAdmin(v));
  EXPECT_TRUE(CanSee(v, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {"parties/AUS"})));
  EXPECT_TRUE(CanWriteIn(v, kBali));
  EXPECT_FALSE(CanSee(v, AudienceFor({kColombo}, rcp::common::v1::PUBLIC)));
  EXPECT_FALSE(IsMemberOf(v, kColombo));
  EXPECT_FALSE(CanWriteIn(v, kColombo));
  // Deployment-wide things: federation peers.
  reg::FederationPeer peer;
  peer.set_name("federationPeers/puebla-process.secretariat");
  EXPECT_FALSE(MaySee(v, Kind::kFederationPeer, peer));
  EXPECT_TRUE(MaySee(ViewerFor(Role::kAdmin), Kind::kFederationPeer, peer));
}

TEST(AudienceLimits, VisibilityUnspecifiedIsForDeploymentAdministratorsOnly) {
  Viewer limited_admin = ViewerFor(Role::kAdmin);
  limited_admin.add_process_limit(kBali);
  for (Visibility vis : {rcp::common::v1::VISIBILITY_UNSPECIFIED, static_cast<Visibility>(99)}) {
    Audience a = AudienceFor({kBali}, vis);
    EXPECT_TRUE(CanSee(ViewerFor(Role::kAdmin), a)) << vis;
    EXPECT_FALSE(CanSee(limited_admin, a)) << vis;
    for (Role role : {Role::kSecretariat, Role::kChair, Role::kMember, Role::kObserver}) {
      EXPECT_FALSE(CanSee(ViewerFor(role), a)) << RoleName(role) << " " << vis;
    }
  }
}

// ---------------------------------------------------------- role limits

TEST(AudienceLimits, ARoleLimitBindsTheChair) {
  // Hole 2, as a principal that carries the chair despite its role limit.
  Viewer member_only = ViewerFor(Role::kChair);
  member_only.add_role_limit(reg::MEMBER);
  EXPECT_FALSE(CanWriteIn(member_only, kBali));
  EXPECT_TRUE(IsMemberOf(member_only, kBali));
  EXPECT_FALSE(CanSee(member_only, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {"parties/AUS"})));
  Viewer with_chair = member_only;
  with_chair.add_role_limit(reg::CHAIR);
  EXPECT_TRUE(CanWriteIn(with_chair, kBali));
  EXPECT_TRUE(CanSee(with_chair, AudienceFor({kBali}, rcp::common::v1::RESTRICTED, {"parties/AUS"})));
  // Roles outside the limit count for nothing.
  Viewer observer_only = ViewerFor(Role::kSecretariat);
  observer_only.add_role_limit(reg::OBSERVER);
  EXPECT_FALSE(CanWriteIn(observer_only, kBali));
  EXPECT_FALSE(IsMemberOf(observer_only, kBali));
  // An administrator's key takes no role limits: with one it administers nothing.
  Viewer admin = ViewerFor(Role::kAdmin);
  admin.add_role_limit(reg::SECRETARIAT);
  EXPECT_FALSE(IsAdmin(admin));
  EXPECT_FALSE(IsDeploymentAdmin(admin));
  EXPECT_TRUE(CanWriteIn(admin, kBali)) << "its secretariat membership still counts";
  EXPECT_FALSE(CanWriteIn(admin, kColombo));
}

// ---------------------------------------------------------------- keys

reg::ApiKey Key(const std::string& party, std::vector<std::string> processes = {},
                std::vector<reg::Role> roles = {}, bool admin = false) {
  reg::ApiKey k;
  k.set_name("apiKeys/k");
  k.set_party(party);
  for (const auto& p : processes) k.add_processes(p);
  for (auto r : roles) k.add_roles(r);
  k.set_admin(admin);
  return k;
}

TEST(MayManageKey, StaffOfAPartyCannotReachTheAdministratorsKeys) {
  reg::ApiKey admin_key = Key("parties/iom", {kBali}, {}, /*admin=*/true);
  reg::ApiKey staff_key = Key("parties/iom", {kBali});
  reg::ApiKey other_party = Key("parties/IDN", {kBali});
  // The secretariat's key (limited to Bali, as the seed's is) shares the
  // party iom with the admin key.
  Viewer secretariat = ViewerFor(Role::kSecretariat);
  EXPECT_FALSE(MayManageKey(secretariat, admin_key));
  EXPECT_TRUE(MayManageKey(secretariat, staff_key));
  EXPECT_FALSE(MayManageKey(secretariat, other_party));
  Viewer admin = ViewerFor(Role::kAdmin);
  EXPECT_TRUE(MayManageKey(admin, admin_key));
  EXPECT_TRUE(MayManageKey(admin, other_party));
  // MaySee on a key is the same question.
  EXPECT_FALSE(MaySee(secretariat, Kind::kApiKey, admin_key));
  EXPECT_TRUE(MaySee(secretariat, Kind::kApiKey, staff_key));
}

TEST(MayManageKey, AKeyManagesOnlyKeysWithinItsOwnLimits) {
  // Hole 4: the Bali secretariat's key, limited to bali-process.
  Viewer bali_secretariat = ViewerFor(Role::kSecretariat);
  bali_secretariat.add_process_limit(kBali);
  EXPECT_TRUE(MayManageKey(bali_secretariat, Key("parties/iom", {kBali})));
  EXPECT_FALSE(MayManageKey(bali_secretariat, Key("parties/iom", {kColombo})));
  EXPECT_FALSE(MayManageKey(bali_secretariat, Key("parties/iom", {kBali, kColombo})));
  EXPECT_FALSE(MayManageKey(bali_secretariat, Key("parties/iom"))) << "no limit is wider than any";

  // A role-limited key: keys with the same roles or fewer.
  Viewer members_only = ViewerFor(Role::kMember);
  members_only.add_role_limit(reg::MEMBER);
  EXPECT_TRUE(MayManageKey(members_only, Key("parties/THA", {}, {reg::MEMBER})));
  EXPECT_FALSE(MayManageKey(members_only, Key("parties/THA", {}, {reg::MEMBER, reg::CHAIR})));
  EXPECT_FALSE(MayManageKey(members_only, Key("parties/THA")));

  // An administrator limited to Bali: any party's Bali keys, nothing wider.
  Viewer bali_admin = ViewerFor(Role::kAdmin);
  bali_admin.add_process_limit(kBali);
  EXPECT_TRUE(MayManageKey(bali_admin, Key("parties/IDN", {kBali})));
  EXPECT_TRUE(MayManageKey(bali_admin, Key("parties/IDN", {kBali}, {}, /*admin=*/true)));
  EXPECT_FALSE(MayManageKey(bali_admin, Key("parties/IDN", {kColombo})));
  EXPECT_FALSE(MayManageKey(bali_admin, Key("parties/IDN")));
  EXPECT_FALSE(MayManageKey(bali_admin, Key("parties/iom", {}, {}, /*admin=*/true)));
  // The deployment's administrator manages every key.
  EXPECT_TRUE(MayManageKey(ViewerFor(Role::kAdmin), Key("parties/IDN", {kColombo}, {reg::MEMBER})));
}

// ---------------------------------------------------------- AudienceOf

bool Same(const Audience& a, const Audience& b) {
  return a.processes == b.processes && a.visibility == b.visibility &&
         a.restricted_parties == b.restricted_parties;
}

std::string Show(const Audience& a) {
  return absl::StrCat("{processes: ", a.processes.size(), ", visibility: ", a.visibility,
                      ", restricted: ", a.restricted_parties.size(), "}");
}

template <typename T>
std::shared_ptr<google::protobuf::Message> Named(const std::string& name) {
  auto m = std::make_shared<T>();
  m->set_name(name);
  return m;
}

TEST(AudienceOf, EveryKind) {
  const std::string bali = kBali;
  struct Case {
    Kind kind;
    std::shared_ptr<google::protobuf::Message> item;
    Audience want;
  };
  const std::vector<Case> cases = {
      {Kind::kProcess, Named<reg::Process>(bali), AudienceFor({bali}, rcp::common::v1::PUBLIC)},
      {Kind::kParty, Named<reg::Party>("parties/IDN"), AudienceFor({}, rcp::common::v1::PUBLIC)},
      {Kind::kMembership, Named<reg::Membership>(bali + "/memberships/idn"),
       AudienceFor({bali}, rcp::common::v1::PUBLIC)},
      {Kind::kChairTerm, Named<reg::ChairTerm>(bali + "/chairTerms/idn-2026"),
       AudienceFor({bali}, rcp::common::v1::PUBLIC)},
      {Kind::kFocalPoint, Named<reg::FocalPoint>(bali + "/focalPoints/idn"),
       AudienceFor({bali}, rcp::common::v1::MEMBERS)},
      {Kind::kApiKey, std::make_shared<reg::ApiKey>(Key("parties/IDN", {bali})),
       AudienceFor({}, rcp::common::v1::VISIBILITY_UNSPECIFIED)},
      {Kind::kFederationPeer, Named<reg::FederationPeer>("federationPeers/puebla-process.secretariat"),
       AudienceFor({}, rcp::common::v1::VISIBILITY_UNSPECIFIED)},
      {Kind::kMeeting,
       std::make_shared<ev::Meeting>(
           MeetingOf({kColombo, bali}, rcp::common::v1::RESTRICTED, {"parties/IDN", "parties/AUS"})),
       AudienceFor({kColombo, bali}, rcp::common::v1::RESTRICTED, {"parties/IDN", "parties/AUS"})},
      {Kind::kDocument, std::make_shared<doc::Document>(DocumentOf(bali, rcp::common::v1::MEMBERS)),
       AudienceFor({bali}, rcp::common::v1::MEMBERS)},
      {Kind::kUpload, Named<doc::UploadSession>("uploads/abc"),
       AudienceFor({}, rcp::common::v1::VISIBILITY_UNSPECIFIED)},
  };
  for (const auto& info : resource::Kinds()) {
    auto c = std::find_if(cases.begin(), cases.end(), [&](const Case& x) { return x.kind == info.kind; });
    ASSERT_NE(c, cases.end()) << info.name << " has no case here";
    Audience got = AudienceOf(info.kind, *c->item);
    EXPECT_TRUE(Same(got, c->want)) << info.name << ": " << Show(got) << " want " << Show(c->want);
    // A change record's value says the same.
    google::protobuf::Any packed;
    packed.PackFrom(*c->item);
    const auto* name = c->item->GetDescriptor()->FindFieldByName("name");
    Audience from_change;
    ASSERT_TRUE(
        AudienceOf(info.kind, c->item->GetReflection()->GetString(*c->item, name), packed, &from_change))
        << info.name;
    EXPECT_TRUE(Same(from_change, c->want)) << info.name << ": " << Show(from_change);
  }
  // A meeting's or document's value that is not one does not unpack.
  google::protobuf::Any wrong;
  wrong.PackFrom(reg::Party());
  Audience out;
  EXPECT_FALSE(AudienceOf(Kind::kMeeting, "processes/x/meetings/y", wrong, &out));
  EXPECT_FALSE(AudienceOf(Kind::kDocument, "processes/x/documents/y", wrong, &out));
}

// ------------------------------------------------------------ ViewerOf

TEST(ViewerOf, MissingValidAndMalformedHeaders) {
  {
    grpc::ServerContext context;
    RCP_ASSERT_OK_AND_ASSIGN(std::optional<Viewer> viewer, ViewerOf(context));
    EXPECT_FALSE(viewer.has_value()) << "an internal caller without a viewer";
  }
  {
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    Viewer sent = ColomboOnlyIndonesia();
    sent.add_role_limit(reg::MEMBER);
    spouse.AddClientMetadata(kViewerHeader, sent.SerializeAsString());
    RCP_ASSERT_OK_AND_ASSIGN(std::optional<Viewer> viewer, ViewerOf(context));
    ASSERT_TRUE(viewer.has_value());
    EXPECT_EQ(viewer->SerializeAsString(), sent.SerializeAsString());
  }
  {
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata(kViewerHeader, std::string("\xff\xff\xff\xff", 4));
    auto viewer = ViewerOf(context);
    EXPECT_THAT(viewer, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(kViewerHeader)));
    rcp::common::v1::FieldViolation v;
    ASSERT_TRUE(GetDetail(viewer.status(), &v));
    EXPECT_EQ(v.field(), kViewerHeader);
  }
}

}  // namespace
}  // namespace rcp::audience
