// The keyring's operations without I/O: a first key, rotations that the old
// key vouches for, revocation, and opening the current key.
#include "services/gateway/federation/keyring.h"

#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "common/time/timestamp.h"

namespace rcp::gateway::federation {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kDeployment[] = "bali-process.rcp";
const std::string kSealingKey(kSealingKeySize, 's');
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

TEST(Keyring, AFirstKeyringHasOneCurrentKeyThatOpens) {
  absl::StatusOr<fv1::Keyring> keyring = NewKeyring(kSealingKey, kNow);
  ASSERT_THAT(keyring, IsOk());
  ASSERT_EQ(keyring->entries_size(), 1);
  const fv1::ServerKey& key = keyring->entries(0).key();
  EXPECT_FALSE(key.has_expire_time());
  EXPECT_EQ(FromTimestamp(key.create_time()), kNow);
  EXPECT_TRUE(key.predecessor_key_id().empty());
  absl::StatusOr<SigningKey> current = CurrentKey(*keyring, kSealingKey);
  ASSERT_THAT(current, IsOk());
  EXPECT_EQ(current->key_id(), key.key_id());
  EXPECT_EQ(current->public_key(), key.public_key());
  // The private half is not in the keyring in the clear.
  EXPECT_EQ(keyring->SerializeAsString().find(current->private_key()), std::string::npos);
  EXPECT_THAT(CurrentKey(*keyring, std::string(kSealingKeySize, 'x')),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("")));
  EXPECT_THAT(CurrentKey(fv1::Keyring(), kSealingKey),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("")));
}

TEST(Keyring, ARotationIsVouchedForAndOldSignaturesKeepVerifying) {
  fv1::Keyring first = *NewKeyring(kSealingKey, kNow);
  SigningKey old_key = *CurrentKey(first, kSealingKey);
  fv1::Envelope signed_before;
  signed_before.set_origin(kDeployment);
  signed_before.set_payload("before the rotation");
  SignEnvelope(old_key, &signed_before);

  absl::StatusOr<fv1::Keyring> rotated =
      RotatedKeyring(first, kSealingKey, kDeployment, kNow + absl::Hours(1), /*revoke=*/false);
  ASSERT_THAT(rotated, IsOk());
  ASSERT_EQ(rotated->entries_size(), 2);
  const fv1::ServerKey& current = rotated->entries(0).key();
  const fv1::ServerKey& retired = rotated->entries(1).key();
  EXPECT_NE(current.key_id(), old_key.key_id());
  EXPECT_EQ(retired.key_id(), old_key.key_id());
  EXPECT_EQ(FromTimestamp(retired.expire_time()), kNow + absl::Hours(1));
  EXPECT_FALSE(retired.revoked());
  EXPECT_EQ(current.predecessor_key_id(), old_key.key_id());
  fv1::ServerKeys keys = PublicKeys(*rotated, kDeployment);
  EXPECT_EQ(keys.deployment_id(), kDeployment);
  EXPECT_THAT(VerifyKeyChain(keys), IsOk());
  EXPECT_THAT(VerifyEnvelope(keys, signed_before), IsOk());
  // The new current key signs now.
  SigningKey new_key = *CurrentKey(*rotated, kSealingKey);
  EXPECT_EQ(new_key.key_id(), current.key_id());
  fv1::Envelope signed_after = signed_before;
  SignEnvelope(new_key, &signed_after);
  EXPECT_THAT(VerifyEnvelope(keys, signed_after), IsOk());
}

TEST(Keyring, ARevokedKeyVouchesForNothingAndVerifiesNothing) {
  fv1::Keyring first = *NewKeyring(kSealingKey, kNow);
  fv1::Envelope signed_before;
  signed_before.set_origin(kDeployment);
  SignEnvelope(*CurrentKey(first, kSealingKey), &signed_before);
  absl::StatusOr<fv1::Keyring> rotated =
      RotatedKeyring(first, kSealingKey, kDeployment, kNow, /*revoke=*/true);
  ASSERT_THAT(rotated, IsOk());
  EXPECT_TRUE(rotated->entries(1).key().revoked());
  EXPECT_TRUE(rotated->entries(0).key().predecessor_key_id().empty());
  EXPECT_TRUE(rotated->entries(0).key().predecessor_signature().empty());
  EXPECT_THAT(VerifyEnvelope(PublicKeys(*rotated, kDeployment), signed_before),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revoked")));
}

}  // namespace
}  // namespace rcp::gateway::federation
