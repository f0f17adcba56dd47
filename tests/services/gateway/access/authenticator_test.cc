// The authentication cache: a key costs one registry lookup per TTL, a
// principal is never used past its key's expiry, and registry outages are
// UNAVAILABLE (retry), never UNAUTHENTICATED (a client would drop its key).
#include "services/gateway/access/authenticator.h"

#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "common/time/timestamp.h"

namespace rcp::gateway::access {
namespace {

using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
namespace reg = ::rcp::registry::v1;

class CountingSource : public PrincipalSource {
 public:
  absl::StatusOr<reg::Principal> Authenticate(const std::string& key) override {
    ++lookups;
    if (!answer.ok()) return answer;
    if (key != "rcp_k1_secret") return absl::UnauthenticatedError("key: unknown or wrong key");
    return principal;
  }
  absl::StatusOr<reg::Principal> ResolveKeyName(const std::string& name) override {
    ++lookups;
    if (name != principal.api_key()) return absl::UnauthenticatedError("key: unknown");
    return principal;
  }
  int lookups = 0;
  absl::Status answer;
  reg::Principal principal;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() {
    source_.principal.set_api_key("apiKeys/k1");
    source_.principal.set_party("parties/IDN");
    *source_.principal.mutable_valid_until() = ToTimestamp(clock_.Now() + absl::Hours(1));
  }
  CountingSource source_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  Authenticator auth_{&source_, &clock_, absl::Seconds(10)};
};

TEST_F(AuthenticatorTest, OneLookupPerKeyPerTtl) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(auth_.AuthenticateKey("rcp_k1_secret").ok());
  EXPECT_EQ(source_.lookups, 1);
  clock_.Advance(absl::Seconds(9));
  ASSERT_TRUE(auth_.AuthenticateKey("rcp_k1_secret").ok());
  EXPECT_EQ(source_.lookups, 1);
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(auth_.AuthenticateKey("rcp_k1_secret").ok());
  EXPECT_EQ(source_.lookups, 2);
}

TEST_F(AuthenticatorTest, NeverPastTheKeysExpiry) {
  *source_.principal.mutable_valid_until() = ToTimestamp(clock_.Now() + absl::Seconds(3));
  ASSERT_TRUE(auth_.AuthenticateKey("rcp_k1_secret").ok());
  clock_.Advance(absl::Seconds(3));
  ASSERT_TRUE(auth_.AuthenticateKey("rcp_k1_secret").ok());
  EXPECT_EQ(source_.lookups, 2);  // cached for 10 s, but expired after 3
}

TEST_F(AuthenticatorTest, WrongKeysAreNotCachedAndOutagesAreUnavailable) {
  EXPECT_THAT(auth_.AuthenticateKey("rcp_k1_wrong"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("key")));
  EXPECT_THAT(auth_.AuthenticateKey("rcp_k1_wrong"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("key")));
  EXPECT_EQ(source_.lookups, 2);
  source_.answer = absl::DeadlineExceededError("registry slow");
  EXPECT_THAT(auth_.AuthenticateKey("rcp_k1_secret"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("authentication is unavailable")));
}

TEST_F(AuthenticatorTest, KeyNamesAreCachedApartFromSecrets) {
  ASSERT_TRUE(auth_.ResolveKeyName("apiKeys/k1").ok());
  ASSERT_TRUE(auth_.AuthenticateKey("rcp_k1_secret").ok());
  EXPECT_EQ(source_.lookups, 2);
  ASSERT_TRUE(auth_.ResolveKeyName("apiKeys/k1").ok());
  EXPECT_EQ(source_.lookups, 2);
  EXPECT_THAT(auth_.ResolveKeyName("apiKeys/other"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
}

}  // namespace
}  // namespace rcp::gateway::access
