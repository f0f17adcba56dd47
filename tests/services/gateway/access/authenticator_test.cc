// The authentication cache: a key costs one registry lookup per TTL, a
// principal is never used past its key's expiry, and registry outages are
// UNAVAILABLE (retry), never UNAUTHENTICATED (a client would drop its key).
#include "services/gateway/access/authenticator.h"

#include <grpcpp/test/server_context_test_spouse.h>
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

// A call without an authorization header is the anonymous principal only
// where the gateway admits anonymous callers; a header that is there but
// wrong is UNAUTHENTICATED either way, so a client learns its key is bad.
TEST_F(AuthenticatorTest, OnlyACallWithNoHeaderAtAllIsAnonymousAndOnlyWhenAdmitted) {
  Authenticator admitting(&source_, &clock_, absl::Seconds(10), AnonymousCallers::kAdmitted);
  grpc::ServerContext none;
  ASSERT_TRUE(admitting.Authenticate(&none).ok());
  EXPECT_EQ(*admitting.Authenticate(&none), Authenticator::Anonymous());
  EXPECT_EQ(admitting.TryCached(&none), Authenticator::Anonymous());
  EXPECT_TRUE(Authenticator::Anonymous()->anonymous());
  EXPECT_TRUE(Authenticator::Anonymous()->party().empty());
  EXPECT_EQ(Authenticator::Anonymous()->rights_size(), 0);
  EXPECT_EQ(source_.lookups, 0);
  EXPECT_THAT(auth_.Authenticate(&none), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("authorization: missing")));
  EXPECT_EQ(auth_.TryCached(&none), nullptr);

  for (const char* header : {"", "Bearer ", "Basic abc", "Bearer rcp_k1_wrong"}) {
    grpc::ServerContext with;
    grpc::testing::ServerContextTestSpouse spouse(&with);  // holds the metadata's bytes
    spouse.AddClientMetadata("authorization", header);
    EXPECT_THAT(admitting.Authenticate(&with), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")))
        << "'" << header << "'";
    EXPECT_EQ(admitting.TryCached(&with), nullptr) << "'" << header << "'";
  }
  grpc::ServerContext keyed;
  grpc::testing::ServerContextTestSpouse keyed_spouse(&keyed);
  keyed_spouse.AddClientMetadata("authorization", "Bearer rcp_k1_secret");
  ASSERT_TRUE(admitting.Authenticate(&keyed).ok()) << admitting.Authenticate(&keyed).status();
  EXPECT_EQ((*admitting.Authenticate(&keyed))->api_key(), "apiKeys/k1");
}

}  // namespace
}  // namespace rcp::gateway::access
