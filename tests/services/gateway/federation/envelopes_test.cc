// What a deployment exports, as a peer receives it: envelopes that round
// trip, the Pull cursor, the renaming of other deployments' organisations,
// and a retired key's limit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "rcp/events/v1/events.pb.h"
#include "services/gateway/federation/envelopes.h"
#include "services/gateway/federation/inbound.h"
#include "services/gateway/federation/pull_cursor.h"
#include "services/gateway/federation/trust.h"

namespace rcp::gateway::federation {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Envelopes, AnItemIsSignedOverItsExactBytesAndParsesBackAfterVerifying) {
  absl::StatusOr<SigningKey> key = SigningKey::Generate();
  ASSERT_THAT(key, IsOk());
  rcp::events::v1::Meeting m;
  m.set_name("processes/colombo-process/meetings/m");
  m.set_title("Labour ministers");
  rcp::common::v1::Change change;
  change.set_name(m.name());
  change.set_kind("meeting");
  change.set_operation(rcp::common::v1::Change::CREATED);
  change.mutable_value()->PackFrom(m);
  fv1::Envelope e = SealItem(*key, "colombo-process.rcp", Version{"events", 7, 42}, ItemOfChange(change), 99,
                             {"bali-process.rcp"});
  fv1::ServerKeys keys;
  keys.set_deployment_id("colombo-process.rcp");
  fv1::ServerKey* k = keys.add_keys();
  k->set_key_id(key->key_id());
  k->set_public_key(key->public_key());
  ASSERT_THAT(VerifyEnvelope(keys, e), IsOk());
  EXPECT_EQ(e.registry_revision(), 99u);
  absl::StatusOr<fv1::Item> item = ParseItem(e);
  ASSERT_THAT(item, IsOk());
  EXPECT_EQ(item->name(), m.name());
  rcp::events::v1::Meeting back;
  ASSERT_TRUE(item->value().UnpackTo(&back));
  EXPECT_EQ(back.title(), "Labour ministers");
  // A deletion carries no value, only the tombstone.
  change.set_operation(rcp::common::v1::Change::DELETED);
  fv1::Item deleted = ItemOfChange(change);
  EXPECT_TRUE(deleted.deleted());
  EXPECT_FALSE(deleted.has_value());
  // A head is no item, and says so.
  fv1::Head head;
  head.add_positions()->set_store("registry");
  head.mutable_positions(0)->set_revision(12);
  head.mutable_time()->set_seconds(1800000000);
  fv1::Envelope h = SealHead(*key, "colombo-process.rcp", head);
  EXPECT_EQ(h.store(), "head");
  EXPECT_EQ(h.revision(), uint64_t{1800000000} * 1000000);
  EXPECT_THAT(ParseItem(h), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload_type")));
  absl::StatusOr<fv1::Head> parsed = ParseHead(h);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(HeadPosition(*parsed, "registry"), 12u);
  EXPECT_EQ(HeadPosition(*parsed, "events"), 0u);
}

TEST(PullCursor, RoundTripsAndRefusesWhatWasAltered) {
  PullCursor c;
  c.generation = 1800000000123456;
  c.revocations = 1;
  c.rules = "0123456789abcdef";
  c.epochs = {1, 2, 3};
  c.positions = {100, 200, 0};
  c.snapshot = true;
  c.snapshot_store = 2;
  c.snapshot_page = "page-token";
  std::string text = EncodePullCursor(c);
  absl::StatusOr<PullCursor> back = DecodePullCursor(text);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->generation, c.generation);
  EXPECT_EQ(back->rules, c.rules);
  EXPECT_EQ(back->positions, c.positions);
  EXPECT_TRUE(back->snapshot);
  EXPECT_EQ(back->snapshot_store, 2u);
  EXPECT_EQ(back->snapshot_page, "page-token");
  std::string altered = text;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(DecodePullCursor(altered), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cursor")));
  EXPECT_THAT(DecodePullCursor("c1xyz"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cursor")));
}

TEST(RenameParties, AnotherDeploymentsOrganisationIsItsOwnUnlessOnTheSharedList) {
  const std::set<std::string> shared = {"parties/unhcr"};
  const char* origin = "colombo-process.rcp";
  const char* self = "bali-process.rcp";
  EXPECT_EQ(RenameParty("parties/ngo-x", origin, self, shared), "parties/ngo-x@colombo-process.rcp");
  EXPECT_EQ(RenameParty("parties/unhcr", origin, self, shared), "parties/unhcr");
  EXPECT_EQ(RenameParty("parties/IDN", origin, self, shared), "parties/IDN") << "states are everyone's";
  EXPECT_EQ(RenameParty("parties/ngo-y@igc.rcp", origin, self, shared), "parties/ngo-y@igc.rcp")
      << "a third deployment's stays its";
  EXPECT_EQ(RenameParty("parties/ngo-z@bali-process.rcp", origin, self, shared), "parties/ngo-z")
      << "ours again";
  rcp::events::v1::Meeting m;
  m.set_chair_party("parties/ngo-x");
  m.add_invited_parties("parties/IDN");
  m.add_invited_parties("parties/ngo-x");
  m.add_restricted_parties("parties/unhcr");
  m.mutable_venue()->set_host_party("parties/ngo-x");
  m.set_title("parties/ngo-x is not a party field");
  RenameParties(&m, origin, self, shared);
  EXPECT_EQ(m.chair_party(), "parties/ngo-x@colombo-process.rcp");
  EXPECT_EQ(m.invited_parties(0), "parties/IDN");
  EXPECT_EQ(m.invited_parties(1), "parties/ngo-x@colombo-process.rcp");
  EXPECT_EQ(m.restricted_parties(0), "parties/unhcr");
  EXPECT_EQ(m.venue().host_party(), "parties/ngo-x@colombo-process.rcp");
  EXPECT_EQ(m.title(), "parties/ngo-x is not a party field");
}

TEST(KeyLife, ARetiredKeySignsNothingPastWhatItPublished) {
  fv1::ServerKey retired;
  retired.set_key_id("ed25519:00000000000000a1");
  fv1::StorePosition* through = retired.add_signed_through();
  through->set_store("events");
  through->set_epoch(5);
  through->set_revision(100);
  fv1::Envelope e;
  e.set_origin("colombo-process.rcp");
  e.set_store("events");
  e.set_epoch(5);
  e.set_revision(100);
  EXPECT_THAT(CheckWithinKeyLife(retired, e), IsOk());
  e.set_revision(101);
  EXPECT_THAT(CheckWithinKeyLife(retired, e), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revision 100")));
  e.set_epoch(4);  // an older epoch: before the retirement
  EXPECT_THAT(CheckWithinKeyLife(retired, e), IsOk());
  e.set_epoch(6);  // a newer one: after it
  e.set_revision(1);
  EXPECT_THAT(CheckWithinKeyLife(retired, e), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("retired")));
  e.set_store("registry");  // a store it published no limit for
  EXPECT_THAT(CheckWithinKeyLife(retired, e), IsOk());
}

}  // namespace
}  // namespace rcp::gateway::federation
