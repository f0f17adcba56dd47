// The portal's sign-in rules one by one: cookie attributes, CSRF tokens
// masked anew each time, the same-origin check, and `next` kept to our own
// paths.
#include "services/gateway/web/portal/sign_in.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
#include <string>

namespace rcp::gateway::web::portal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Cookies, HttpOnlyLaxAndOverHttpsSecureWithTheHostPrefix) {
  Cookies https(true);
  EXPECT_EQ(https.session_name(), "__Host-rcp-session");
  EXPECT_EQ(https.csrf_name(), "__Host-rcp-csrf");
  EXPECT_EQ(https.Set("__Host-rcp-session", "abc", absl::Hours(12)),
            "__Host-rcp-session=abc; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure");
  EXPECT_EQ(https.Remove("__Host-rcp-session"), "__Host-rcp-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
  Cookies http(false);
  EXPECT_EQ(http.session_name(), "rcp-session");
  EXPECT_THAT(http.Set("rcp-session", "abc", absl::Minutes(1)), Not(HasSubstr("Secure")));
}

TEST(CookieValue, TheNamedCookieExactlyAndTheFirstOfAName) {
  httplib::Request req;
  req.headers.emplace("Cookie", "rcp-session-old=x; rcp-session=abc; other=1; rcp-session=late");
  EXPECT_EQ(CookieValue(req, "rcp-session"), "abc");
  EXPECT_EQ(CookieValue(req, "other"), "1");
  EXPECT_EQ(CookieValue(req, "rcp-csrf"), "");
  EXPECT_EQ(CookieValue(httplib::Request(), "rcp-session"), "");
}

TEST(CsrfTokens, MaskedAnewEachTimeAndMatchingOnlyTheirSecret) {
  const std::string secret = NewCsrfSecret();
  EXPECT_EQ(secret.size(), 52u);
  std::set<std::string> tokens;
  for (int i = 0; i < 20; ++i) {
    std::string token = MaskedCsrfToken(secret);
    EXPECT_THAT(token, Not(HasSubstr(secret)));
    EXPECT_TRUE(CsrfTokenMatches(token, secret));
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 20u) << "never the same twice";
  const std::string token = MaskedCsrfToken(secret);
  EXPECT_FALSE(CsrfTokenMatches(token, NewCsrfSecret()));
  EXPECT_FALSE(CsrfTokenMatches(token, ""));
  EXPECT_FALSE(CsrfTokenMatches("", secret));
  EXPECT_FALSE(CsrfTokenMatches(token.substr(0, token.size() - 4), secret));
  EXPECT_FALSE(CsrfTokenMatches("not base64 !!", secret));
  std::string flipped = token;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(CsrfTokenMatches(flipped, secret));
}

TEST(SameOrigin, TheOriginExactlyOrElseSecFetchSiteSameOrigin) {
  const std::string origin = "https://portal.example";
  auto with = [](std::initializer_list<std::pair<const char*, const char*>> headers) {
    httplib::Request req;
    for (const auto& [name, value] : headers) req.headers.emplace(name, value);
    return req;
  };
  EXPECT_TRUE(SameOrigin(with({{"Origin", "https://portal.example"}}), origin));
  EXPECT_FALSE(SameOrigin(with({{"Origin", "https://portal.example.evil"}}), origin));
  EXPECT_FALSE(SameOrigin(with({{"Origin", "http://portal.example"}}), origin));
  EXPECT_FALSE(SameOrigin(with({{"Origin", "null"}}), origin));
  // What a browser sends from our pages, which have Referrer-Policy: no-referrer.
  EXPECT_TRUE(SameOrigin(with({{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}}), origin));
  EXPECT_FALSE(SameOrigin(with({{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}}), origin));
  // An Origin decides, whatever Sec-Fetch-Site claims.
  EXPECT_FALSE(SameOrigin(with({{"Origin", "https://evil"}, {"Sec-Fetch-Site", "same-origin"}}), origin));
  EXPECT_TRUE(SameOrigin(with({{"Sec-Fetch-Site", "same-origin"}}), origin));
  EXPECT_FALSE(SameOrigin(with({{"Sec-Fetch-Site", "same-site"}}), origin));
  EXPECT_FALSE(SameOrigin(with({{"Sec-Fetch-Site", "cross-site"}}), origin));
  EXPECT_FALSE(SameOrigin(with({}), origin));
}

TEST(SafeNext, OnlyThePortalsOwnPaths) {
  EXPECT_EQ(SafeNext("/en/calendar?process=igc", "fr"), "/en/calendar?process=igc");
  EXPECT_EQ(SafeNext("/es/processes/igc/meetings/m", "en"), "/es/processes/igc/meetings/m");
  for (const char* bad : {"", "https://evil.example/", "//evil.example/en/", "/en//evil", "/\\evil", "/en/\\evil",
                          "/v1/principal", "/calendar/x", "/de/", "/en", "/en/a b", "/en/\x01", "javascript:alert(1)"}) {
    EXPECT_EQ(SafeNext(bad, "fr"), "/fr/") << bad;
  }
  EXPECT_EQ(SafeNext(std::string("/en/") + std::string(1000, 'a'), "en"), "/en/");
}

}  // namespace
}  // namespace rcp::gateway::web::portal
