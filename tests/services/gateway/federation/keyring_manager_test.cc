// The keyring as gateway replicas share it through the registry (here the
// fake registry's compare-and-set, over real gRPC): one first key whatever
// the race, rotations that every replica adopts, and a sealing key that
// must match.
#include <gtest/gtest.h>

#include <thread>

#include "common/testing/status_matchers.h"
#include "services/gateway/federation/keyring.h"
#include "tests/services/gateway/fake_services.h"

namespace rcp::gateway::federation {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kDeployment[] = "bali-process.rcp";
const std::string kSealingKey(kSealingKeySize, 's');

class KeyringManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<upstream::Upstream> NewUpstream() {
    return std::make_unique<upstream::Upstream>(fake_.NewStubs(), GatewayOptions());
  }
  std::unique_ptr<KeyringManager> Replica(upstream::Upstream* upstream,
                                          const std::string& sealing_key = kSealingKey) {
    return std::make_unique<KeyringManager>(upstream, kDeployment, sealing_key, &clock_);
  }

  testing::FakeServices fake_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
};

TEST_F(KeyringManagerTest, ReplicasStartingTogetherShareOneFirstKey) {
  auto up = NewUpstream();
  std::vector<std::unique_ptr<KeyringManager>> replicas;
  for (int i = 0; i < 4; ++i) replicas.push_back(Replica(up.get()));
  std::vector<std::thread> threads;
  std::vector<absl::Status> loaded(replicas.size());
  for (size_t i = 0; i < replicas.size(); ++i) {
    threads.emplace_back([&, i] { loaded[i] = replicas[i]->Load(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : loaded) EXPECT_THAT(s, IsOk());
  for (const auto& r : replicas) {
    ASSERT_NE(r->current(), nullptr);
    EXPECT_EQ(r->current()->key_id(), replicas[0]->current()->key_id());
    EXPECT_EQ(r->public_keys().keys_size(), 1);
  }
  EXPECT_GE(fake_.CallsOf("UpdateKeyring").size(), 1u);
}

TEST_F(KeyringManagerTest, ARotationReachesTheOtherReplicasAndKeepsTheChain) {
  auto up = NewUpstream();
  auto a = Replica(up.get()), b = Replica(up.get());
  ASSERT_THAT(a->Load(), IsOk());
  ASSERT_THAT(b->Load(), IsOk());
  std::string first = a->current()->key_id();
  fv1::Envelope signed_before;
  signed_before.set_origin(kDeployment);
  SignEnvelope(*b->current(), &signed_before);

  clock_.Advance(absl::Hours(24));
  absl::StatusOr<fv1::ServerKeys> rotated = a->Rotate(/*revoke=*/false);
  ASSERT_THAT(rotated, IsOk());
  ASSERT_EQ(rotated->keys_size(), 2);
  EXPECT_NE(rotated->keys(0).key_id(), first);
  EXPECT_EQ(a->current()->key_id(), rotated->keys(0).key_id());
  // b signs with the old key until it reads the keyring again.
  EXPECT_EQ(b->current()->key_id(), first);
  ASSERT_THAT(b->Refresh(), IsOk());
  EXPECT_EQ(b->current()->key_id(), rotated->keys(0).key_id());
  EXPECT_THAT(VerifyKeyChain(b->public_keys()), IsOk());
  EXPECT_THAT(VerifyEnvelope(b->public_keys(), signed_before), IsOk());

  // Rotations racing from both replicas each land, one after the other.
  std::thread ta([&] { EXPECT_THAT(a->Rotate(false), IsOk()); });
  std::thread tb([&] { EXPECT_THAT(b->Rotate(false), IsOk()); });
  ta.join();
  tb.join();
  ASSERT_THAT(a->Refresh(), IsOk());
  fv1::ServerKeys keys = a->public_keys();
  EXPECT_EQ(keys.keys_size(), 4);
  EXPECT_THAT(VerifyKeyChain(keys), IsOk());
  for (int i = 1; i < keys.keys_size(); ++i) EXPECT_TRUE(keys.keys(i).has_expire_time()) << i;
}

TEST_F(KeyringManagerTest, RevokingMakesWhatTheOldKeySignedUnverifiable) {
  auto up = NewUpstream();
  auto a = Replica(up.get());
  ASSERT_THAT(a->Load(), IsOk());
  fv1::Envelope signed_before;
  signed_before.set_origin(kDeployment);
  SignEnvelope(*a->current(), &signed_before);
  absl::StatusOr<fv1::ServerKeys> keys = a->Rotate(/*revoke=*/true);
  ASSERT_THAT(keys, IsOk());
  EXPECT_TRUE(keys->keys(1).revoked());
  EXPECT_THAT(VerifyEnvelope(*keys, signed_before),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revoked")));
}

TEST_F(KeyringManagerTest, AnotherSealingKeyCannotOpenTheKeyring) {
  auto up = NewUpstream();
  ASSERT_THAT(Replica(up.get())->Load(), IsOk());
  auto stranger = Replica(up.get(), std::string(kSealingKeySize, 'x'));
  EXPECT_THAT(stranger->Load(), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("does not open")));
  EXPECT_EQ(stranger->current(), nullptr);
}

}  // namespace
}  // namespace rcp::gateway::federation
