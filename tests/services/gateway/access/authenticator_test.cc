// The authentication cache: a key costs one registry lookup per TTL, a
// principal is never used past its key's expiry, and registry outages are
// UNAVAILABLE (retry), never UNAUTHENTICATED (a client would drop its key).
#include "services/gateway/access/authenticator.h"

#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>

#include <set>

#include "common/crypto/crypto.h"
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
  absl::StatusOr<reg::CreateWebSessionResponse> CreateWebSession(const reg::CreateWebSessionRequest& r) override {
    ++lookups;
    if (!answer.ok()) return answer;
    if (r.key() != "rcp_k1_secret") return absl::UnauthenticatedError("key: unknown or wrong key");
    sessions.erase(r.ends_id_sha256());
    sessions.insert(r.id_sha256());
    reg::CreateWebSessionResponse created;
    *created.mutable_principal() = principal;
    created.mutable_principal()->set_web_session(true);
    return created;
  }
  absl::StatusOr<reg::Principal> AuthenticateWebSession(const std::string& id_sha256) override {
    ++lookups;
    if (!answer.ok()) return answer;
    if (sessions.count(id_sha256) == 0) return absl::UnauthenticatedError("session: ended");
    reg::Principal p = principal;
    p.set_web_session(true);
    return p;
  }
  absl::Status DeleteWebSession(const std::string& id_sha256) override {
    sessions.erase(id_sha256);
    return absl::OkStatus();
  }
  absl::Status DeleteWebSessions(const std::string& api_key) override {
    if (api_key == principal.api_key()) sessions.clear();
    return absl::OkStatus();
  }
  int lookups = 0;
  absl::Status answer;
  reg::Principal principal;
  std::set<std::string> sessions;  // SHA-256 of their ids
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

TEST_F(AuthenticatorTest, EverySignInMakesANewSessionAndEndsTheOneTheVisitorBrought) {
  auto first = auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(Authenticator::IsSessionId(first->session_id)) << first->session_id;
  EXPECT_TRUE(first->principal->web_session());
  // Only the hash reaches the registry.
  EXPECT_EQ(source_.sessions, std::set<std::string>{crypto::Sha256Hex(first->session_id)});
  auto second = auth_.SignIn("rcp_k1_secret", first->session_id, WebSessionLimits{});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->session_id, first->session_id);
  EXPECT_THAT(auth_.AuthenticateSession(first->session_id), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  ASSERT_TRUE(auth_.AuthenticateSession(second->session_id).ok());
  EXPECT_EQ((*auth_.AuthenticateSession(second->session_id))->api_key(), "apiKeys/k1");
  // An id the visitor made up is no session, and is never sent on.
  const int before = source_.lookups;
  EXPECT_THAT(auth_.AuthenticateSession("not-a-session"), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  EXPECT_EQ(source_.lookups, before);
  EXPECT_THAT(auth_.SignIn("rcp_k1_wrong", "", WebSessionLimits{}), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  source_.answer = absl::UnavailableError("registry down");
  EXPECT_THAT(auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{}), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("")));
}

TEST_F(AuthenticatorTest, ASessionIsCachedForTheTtlAndSigningOutEndsItHereAtOnce) {
  auto in = auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{});
  ASSERT_TRUE(in.ok());
  const int after_sign_in = source_.lookups;
  ASSERT_TRUE(auth_.AuthenticateSession(in->session_id).ok());
  EXPECT_EQ(source_.lookups, after_sign_in);  // cached by the sign-in
  // Ended elsewhere (another gateway, a revoked key): seen within the TTL.
  source_.sessions.clear();
  EXPECT_TRUE(auth_.AuthenticateSession(in->session_id).ok());
  clock_.Advance(absl::Seconds(10));
  EXPECT_THAT(auth_.AuthenticateSession(in->session_id), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));

  auto again = auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{});
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(auth_.SignOut(again->session_id).ok());
  EXPECT_THAT(auth_.AuthenticateSession(again->session_id), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
}

TEST_F(AuthenticatorTest, SigningOutEverywhereEndsEverySessionOfTheKey) {
  auto laptop = auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{});
  auto phone = auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{});
  ASSERT_TRUE(laptop.ok() && phone.ok());
  ASSERT_TRUE(auth_.AuthenticateSession(phone->session_id).ok());
  ASSERT_TRUE(auth_.SignOutEverywhere(laptop->session_id).ok());
  EXPECT_TRUE(source_.sessions.empty());
  EXPECT_THAT(auth_.AuthenticateSession(laptop->session_id), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  EXPECT_THAT(auth_.AuthenticateSession(phone->session_id), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
}

TEST_F(AuthenticatorTest, ASessionIsACredentialOnlyWithThisProcesssProof) {
  auto in = auth_.SignIn("rcp_k1_secret", "", WebSessionLimits{});
  ASSERT_TRUE(in.ok());
  // As the portal sends it.
  grpc::ServerContext from_portal;
  grpc::testing::ServerContextTestSpouse portal_spouse(&from_portal);
  portal_spouse.AddClientMetadata("authorization", auth_.SessionAuthorization(in->session_id));
  ASSERT_TRUE(auth_.Authenticate(&from_portal).ok()) << auth_.Authenticate(&from_portal).status();
  EXPECT_TRUE((*auth_.Authenticate(&from_portal))->web_session());
  EXPECT_NE(auth_.TryCached(&from_portal), nullptr);
  // The id alone, or with the proof of another process (another gateway
  // replica, or a guess), is refused, even while the session lives.
  Authenticator other(&source_, &clock_, absl::Seconds(10));
  for (const std::string& header :
       {"Session " + in->session_id, "Session " + in->session_id + ".", other.SessionAuthorization(in->session_id)}) {
    grpc::ServerContext from_network;
    grpc::testing::ServerContextTestSpouse spouse(&from_network);
    spouse.AddClientMetadata("authorization", header);
    EXPECT_THAT(auth_.Authenticate(&from_network),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("must be 'Bearer")))
        << header;
    EXPECT_EQ(auth_.TryCached(&from_network), nullptr) << header;
  }
}

}  // namespace
}  // namespace rcp::gateway::access
