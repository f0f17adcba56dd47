// Ed25519 against RFC 8032's vectors; the signed encoding, byte for byte;
// envelopes that verify, and every way one must not; sealing.
#include "services/gateway/federation/signing.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/testing/status_matchers.h"

namespace rcp::gateway::federation {
namespace {

using namespace std::string_literals;  // NOLINT: expected bytes with a NUL in them

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

std::string Hex(const char* hex) { return absl::HexStringToBytes(hex); }

// RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
TEST(Ed25519, Rfc8032Vectors) {
  struct Vector {
    const char *secret, *public_key, *message, *signature;
  };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf"
       "5f0595bbe2"
       "4655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2"
       "eaeb4302ae"
       "eb00d291612bb0c00"},
  };
  for (const auto& v : vectors) {
    absl::StatusOr<SigningKey> key = SigningKey::FromPrivateKey(Hex(v.secret));
    ASSERT_THAT(key, IsOk());
    EXPECT_EQ(absl::BytesToHexString(key->public_key()), v.public_key);
    std::string signature = key->Sign(Hex(v.message));
    EXPECT_EQ(absl::BytesToHexString(signature), v.signature);
    EXPECT_TRUE(VerifySignature(key->public_key(), Hex(v.message), signature));
    EXPECT_FALSE(VerifySignature(key->public_key(), "something else", signature));
  }
  EXPECT_THAT(SigningKey::FromPrivateKey("short"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32")));
}

TEST(Ed25519, FreshKeysDifferAndTheirIdsNameThem) {
  absl::StatusOr<SigningKey> a = SigningKey::Generate(), b = SigningKey::Generate();
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_NE(a->public_key(), b->public_key());
  EXPECT_EQ(a->key_id().size(), std::string("ed25519:").size() + 16);
  EXPECT_EQ(a->key_id(), KeyIdOf(a->public_key()));
  EXPECT_NE(a->key_id(), b->key_id());
  // A key rebuilt from its private half is the same key.
  absl::StatusOr<SigningKey> again = SigningKey::FromPrivateKey(a->private_key());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->public_key(), a->public_key());
}

TEST(Encoding, IsLengthPrefixedAndDomainSeparated) {
  EXPECT_EQ(Encode("d", {"ab", "", "c d"}), "RCPSIG1 1 d 2 ab 0  3 c d");
  // A field boundary cannot be moved without changing the bytes.
  EXPECT_NE(Encode("d", {"a b", "c"}), Encode("d", {"a", "b c"}));
  EXPECT_NE(Encode("d1", {"x"}), Encode("d2", {"x"}));
}

fv1::Envelope SampleEnvelope() {
  fv1::Envelope e;
  e.set_payload_type("type.googleapis.com/rcp.common.v1.Change");
  e.set_payload(std::string("\x08\x07\x12\x00payload", 11));
  e.set_origin("bali-process.rcp");
  e.set_store("events");
  e.set_epoch(3);
  e.set_revision(42);
  e.set_registry_revision(17);
  e.add_recipients("colombo-process.rcp");
  return e;
}

TEST(Envelope, TheStatementCoversEveryFieldButTheSignature) {
  fv1::Envelope e = SampleEnvelope();
  e.set_key_id("ed25519:0123456789abcdef");
  EXPECT_EQ(EnvelopeStatement(e),
            "RCPSIG1 26 rcp.federation.v1.Envelope 40 type.googleapis.com/rcp.common.v1.Change 11 "
            "\x08\x07\x12\x00payload 16 bali-process.rcp 6 events 1 3 2 42 2 17 1 1 19 "
            "colombo-process.rcp 24 ed25519:0123456789abcdef"s);
  std::string before = EnvelopeStatement(e);
  e.set_signature("anything");
  EXPECT_EQ(EnvelopeStatement(e), before);
}

class SignedEnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SigningKey::Generate();
    ASSERT_THAT(key, IsOk());
    key_ = std::make_unique<SigningKey>(*key);
    keys_.set_deployment_id("bali-process.rcp");
    auto* k = keys_.add_keys();
    k->set_key_id(key_->key_id());
    k->set_public_key(key_->public_key());
    envelope_ = SampleEnvelope();
    SignEnvelope(*key_, &envelope_);
  }
  std::unique_ptr<SigningKey> key_;
  fv1::ServerKeys keys_;
  fv1::Envelope envelope_;
};

TEST_F(SignedEnvelopeTest, VerifiesAsSigned) {
  EXPECT_EQ(envelope_.key_id(), key_->key_id());
  EXPECT_EQ(envelope_.signature().size(), kSignatureSize);
  EXPECT_THAT(VerifyEnvelope(keys_, envelope_), IsOk());
}

TEST_F(SignedEnvelopeTest, AnyAlteredFieldFailsToVerify) {
  std::vector<std::function<void(fv1::Envelope*)>> alterations = {
      [](fv1::Envelope* e) { (*e->mutable_payload())[5] ^= 1; },
      [](fv1::Envelope* e) { e->set_payload_type("type.googleapis.com/rcp.events.v1.Meeting"); },
      [](fv1::Envelope* e) { e->set_store("documents"); },
      [](fv1::Envelope* e) { e->set_epoch(4); },
      [](fv1::Envelope* e) { e->set_revision(41); },
      [](fv1::Envelope* e) { e->set_registry_revision(18); },
      [](fv1::Envelope* e) { e->add_recipients("igc.rcp"); },  // a relay widening the audience
      [](fv1::Envelope* e) { e->clear_recipients(); },
      [](fv1::Envelope* e) { (*e->mutable_signature())[0] ^= 1; },
  };
  for (size_t i = 0; i < alterations.size(); ++i) {
    fv1::Envelope altered = envelope_;
    alterations[i](&altered);
    EXPECT_THAT(VerifyEnvelope(keys_, altered),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")))
        << "alteration " << i;
  }
}

TEST_F(SignedEnvelopeTest, UnknownRevokedAndForeignKeys) {
  fv1::Envelope unknown = envelope_;
  unknown.set_key_id("ed25519:ffffffffffffffff");
  EXPECT_THAT(VerifyEnvelope(keys_, unknown), StatusIs(absl::StatusCode::kNotFound, HasSubstr("key_id")));
  fv1::ServerKeys revoked = keys_;
  revoked.mutable_keys(0)->set_revoked(true);
  EXPECT_THAT(VerifyEnvelope(revoked, envelope_),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revoked")));
  // A retired (expired, not revoked) key keeps verifying what it signed.
  fv1::ServerKeys retired = keys_;
  retired.mutable_keys(0)->mutable_expire_time()->set_seconds(1800000000);
  EXPECT_THAT(VerifyEnvelope(retired, envelope_), IsOk());
  // Another deployment's keys do not judge this one's envelopes.
  fv1::ServerKeys other = keys_;
  other.set_deployment_id("igc.rcp");
  EXPECT_THAT(VerifyEnvelope(other, envelope_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("origin")));
}

TEST(KeyChain, ASuccessorMustBeVouchedForByItsPredecessor) {
  auto old_key = SigningKey::Generate();
  auto new_key = SigningKey::Generate();
  ASSERT_THAT(old_key, IsOk());
  ASSERT_THAT(new_key, IsOk());
  fv1::ServerKeys keys;
  keys.set_deployment_id("bali-process.rcp");
  fv1::ServerKey* current = keys.add_keys();
  current->set_key_id(new_key->key_id());
  current->set_public_key(new_key->public_key());
  current->mutable_create_time()->set_seconds(1800000000);
  current->set_predecessor_key_id(old_key->key_id());
  current->set_predecessor_signature(old_key->Sign(KeyStatement(keys.deployment_id(), *current)));
  fv1::ServerKey* retired = keys.add_keys();
  retired->set_key_id(old_key->key_id());
  retired->set_public_key(old_key->public_key());
  EXPECT_THAT(VerifyKeyChain(keys), IsOk());
  // Signed for another deployment, or by another key: not vouched for.
  fv1::ServerKeys elsewhere = keys;
  elsewhere.set_deployment_id("igc.rcp");
  EXPECT_THAT(VerifyKeyChain(elsewhere), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("keys[0]")));
  fv1::ServerKeys forged = keys;
  forged.mutable_keys(0)->set_predecessor_signature(
      new_key->Sign(KeyStatement(keys.deployment_id(), *current)));
  EXPECT_THAT(VerifyKeyChain(forged), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("predecessor")));
  fv1::ServerKeys misnamed = keys;
  misnamed.mutable_keys(1)->set_key_id("ed25519:0000000000000000");
  EXPECT_THAT(VerifyKeyChain(misnamed),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("keys[1].key_id")));
}

TEST(Sealing, OpensOnlyWithTheSameKeyAndContext) {
  std::string sealing_key(kSealingKeySize, 'k');
  absl::StatusOr<std::string> sealed = Seal(sealing_key, "private half", "ed25519:0123456789abcdef");
  ASSERT_THAT(sealed, IsOk());
  EXPECT_EQ(sealed->size(), 12 + std::string("private half").size() + 16);
  EXPECT_EQ(sealed->find("private half"), std::string::npos);
  absl::StatusOr<std::string> opened = Unseal(sealing_key, *sealed, "ed25519:0123456789abcdef");
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, "private half");
  // Sealing twice never gives the same bytes (fresh nonce).
  EXPECT_NE(*Seal(sealing_key, "private half", "ctx"), *Seal(sealing_key, "private half", "ctx"));
  EXPECT_THAT(Unseal(std::string(kSealingKeySize, 'x'), *sealed, "ed25519:0123456789abcdef"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("does not open")));
  EXPECT_THAT(Unseal(sealing_key, *sealed, "ed25519:ffffffffffffffff"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("")));
  std::string altered = *sealed;
  altered[14] ^= 1;
  EXPECT_THAT(Unseal(sealing_key, altered, "ed25519:0123456789abcdef"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("")));
  EXPECT_THAT(Unseal(sealing_key, "short", "x"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("")));
  EXPECT_THAT(Seal("short", "x", "y"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32")));
}

}  // namespace
}  // namespace rcp::gateway::federation
