// The share rules (share.h) for every kind and visibility, the recipients an
// origin names, what a relay may forward, and the rules' fingerprint.
#include "services/gateway/federation/share.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::gateway::federation {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using resource::Kind;
using rcp::common::v1::Visibility;
namespace reg = ::rcp::registry::v1;

constexpr char kColombo[] = "processes/colombo-process";
constexpr char kBali[] = "processes/bali-process";

FederationPeer Peer(const std::string& id, std::vector<reg::ShareRule> rules, bool enabled = true) {
  FederationPeer p;
  p.set_name("federationPeers/" + id);
  p.set_enabled(enabled);
  for (auto& r : rules) *p.add_share_rules() = std::move(r);
  return p;
}

reg::ShareRule Rule(const std::string& process, Visibility max, std::vector<std::string> kinds = {}) {
  reg::ShareRule r;
  r.set_process(process);
  r.set_max_visibility(max);
  for (auto& k : kinds) r.add_kinds(std::move(k));
  return r;
}

Shape MeetingShape(const std::string& process, Visibility v) {
  rcp::events::v1::Meeting m;
  m.set_name(process + "/meetings/m");
  m.add_processes(process);
  m.set_visibility(v);
  return *ShapeOf(Kind::kMeeting, m);
}

Shape Register(Kind kind, const std::string& name) {
  reg::Membership entry;  // register entries' shapes follow from their names
  entry.set_name(name);
  return *ShapeOf(kind, entry);
}

TEST(Share, MeetingsAndDocumentsUpToTheRulesVisibilityAndKinds) {
  FederationPeer members = Peer("bali-process.rcp", {Rule(kColombo, rcp::common::v1::MEMBERS)});
  EXPECT_TRUE(Shares(members, MeetingShape(kColombo, rcp::common::v1::PUBLIC)));
  EXPECT_TRUE(Shares(members, MeetingShape(kColombo, rcp::common::v1::MEMBERS)));
  EXPECT_FALSE(Shares(members, MeetingShape(kColombo, rcp::common::v1::RESTRICTED)));
  EXPECT_FALSE(Shares(members, MeetingShape(kBali, rcp::common::v1::PUBLIC))) << "another process";
  FederationPeer documents_only = Peer("igc.rcp", {Rule(kColombo, rcp::common::v1::RESTRICTED, {"document"})});
  EXPECT_FALSE(Shares(documents_only, MeetingShape(kColombo, rcp::common::v1::PUBLIC)));
  rcp::documents::v1::Document d;
  d.set_name(std::string(kColombo) + "/documents/d");
  d.set_visibility(rcp::common::v1::RESTRICTED);
  EXPECT_TRUE(Shares(documents_only, *ShapeOf(Kind::kDocument, d)));
  FederationPeer everything = Peer("igc.rcp", {Rule("processes/-", rcp::common::v1::PUBLIC)});
  EXPECT_TRUE(Shares(everything, MeetingShape(kBali, rcp::common::v1::PUBLIC)));
  EXPECT_FALSE(Shares(everything, MeetingShape(kBali, rcp::common::v1::MEMBERS)));
}

TEST(Share, AProcessTravelsWithItsRegisterWhateverTheKindsAndFocalPointsAtMembersOnly) {
  FederationPeer meetings_only = Peer("bali-process.rcp", {Rule(kColombo, rcp::common::v1::PUBLIC, {"meeting"})});
  EXPECT_TRUE(Shares(meetings_only, Register(Kind::kProcess, kColombo)));
  EXPECT_TRUE(Shares(meetings_only, Register(Kind::kMembership, std::string(kColombo) + "/memberships/idn")));
  EXPECT_TRUE(Shares(meetings_only, Register(Kind::kChairTerm, std::string(kColombo) + "/chairTerms/t")));
  EXPECT_FALSE(Shares(meetings_only, Register(Kind::kFocalPoint, std::string(kColombo) + "/focalPoints/f")));
  FederationPeer members = Peer("bali-process.rcp", {Rule(kColombo, rcp::common::v1::MEMBERS)});
  EXPECT_TRUE(Shares(members, Register(Kind::kFocalPoint, std::string(kColombo) + "/focalPoints/f")));
  EXPECT_TRUE(Shares(members, Register(Kind::kParty, "parties/ngo-x")));
  EXPECT_FALSE(Shares(Peer("igc.rcp", {}), Register(Kind::kParty, "parties/ngo-x"))) << "no rule, nothing";
  EXPECT_FALSE(Travels(Kind::kApiKey));
  EXPECT_FALSE(Travels(Kind::kFederationPeer));
  EXPECT_FALSE(Travels(Kind::kUpload));
}

TEST(Share, ADisabledPeerIsSharedNothingAndNamedNowhere) {
  FederationPeer off = Peer("bali-process.rcp", {Rule(kColombo, rcp::common::v1::RESTRICTED)}, /*enabled=*/false);
  EXPECT_FALSE(Shares(off, MeetingShape(kColombo, rcp::common::v1::PUBLIC)));
  EXPECT_THAT(RecipientsOf({off}, MeetingShape(kColombo, rcp::common::v1::MEMBERS)), IsEmpty());
}

TEST(Share, AnOriginNamesEveryPeerThatMayHoldANonPublicItemAndNoneForAPublicOne) {
  std::vector<FederationPeer> peers = {Peer("igc.rcp", {Rule(kColombo, rcp::common::v1::MEMBERS)}),
                                       Peer("bali-process.rcp", {Rule(kColombo, rcp::common::v1::RESTRICTED)}),
                                       Peer("puebla.rcp", {Rule(kColombo, rcp::common::v1::PUBLIC)})};
  EXPECT_THAT(RecipientsOf(peers, MeetingShape(kColombo, rcp::common::v1::MEMBERS)),
              ElementsAre("bali-process.rcp", "igc.rcp"));
  EXPECT_THAT(RecipientsOf(peers, MeetingShape(kColombo, rcp::common::v1::RESTRICTED)), ElementsAre("bali-process.rcp"));
  EXPECT_THAT(RecipientsOf(peers, MeetingShape(kColombo, rcp::common::v1::PUBLIC)), IsEmpty());
}

TEST(Share, ARelayForwardsOnlyWhereTheOriginAllowedAndItsOwnRulesToo) {
  FederationPeer igc = Peer("igc.rcp", {Rule(kColombo, rcp::common::v1::MEMBERS)});
  rcp::federation::v1::Envelope named;
  named.set_origin("colombo-process.rcp");
  named.add_recipients("bali-process.rcp");
  EXPECT_FALSE(MayRelay(igc, MeetingShape(kColombo, rcp::common::v1::MEMBERS), named))
      << "the relay's rule allows it, the origin did not name the IGC";
  named.add_recipients("igc.rcp");
  EXPECT_TRUE(MayRelay(igc, MeetingShape(kColombo, rcp::common::v1::MEMBERS), named));
  EXPECT_FALSE(MayRelay(Peer("igc.rcp", {Rule(kColombo, rcp::common::v1::PUBLIC)}),
                        MeetingShape(kColombo, rcp::common::v1::MEMBERS), named))
      << "the origin named it; the relay's rule narrows";
  EXPECT_TRUE(MayRelay(Peer("igc.rcp", {Rule(kColombo, rcp::common::v1::PUBLIC)}),
                       MeetingShape(kColombo, rcp::common::v1::PUBLIC), rcp::federation::v1::Envelope()));
  FederationPeer origin = Peer("colombo-process.rcp", {Rule(kColombo, rcp::common::v1::RESTRICTED)});
  EXPECT_FALSE(MayRelay(origin, MeetingShape(kColombo, rcp::common::v1::PUBLIC), named)) << "never back to its origin";
}

TEST(Share, TheFingerprintChangesWithTheRulesOnly) {
  FederationPeer a = Peer("igc.rcp", {Rule(kColombo, rcp::common::v1::MEMBERS)});
  FederationPeer b = a;
  b.set_address("127.0.0.1:1");
  EXPECT_EQ(RulesFingerprint(a), RulesFingerprint(b));
  b.mutable_share_rules(0)->set_max_visibility(rcp::common::v1::PUBLIC);
  EXPECT_NE(RulesFingerprint(a), RulesFingerprint(b));
  EXPECT_EQ(PeerId(a), "igc.rcp");
}

}  // namespace
}  // namespace rcp::gateway::federation
