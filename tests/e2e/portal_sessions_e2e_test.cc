// Signing in to the portal against the four daemons: a key pasted once
// gives a server-side, read-only session in an HttpOnly cookie; every POST
// needs the same origin and its form's CSRF token; sign-in never keeps an
// id the browser brought (fixation); signing out, signing out everywhere
// and revoking the key end sessions; the network never takes a session id
// for a credential; and no log holds a key or a session id.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

namespace reg = ::rcp::registry::v1;
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kMembersMeeting[] = "/en/processes/bali-process/meetings/som-2027-02";
constexpr char kMembersTitle[] = "Senior Officials";

// One browser: its cookie jar, and the origin its forms come from.
class Browser {
 public:
  Browser(int port) : port_(port), origin_(absl::StrCat("http://127.0.0.1:", port)) {}

  httplib::Result Get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    auto r = c.Get(path, Headers());
    Keep(r);
    return r;
  }

  // A form POST as a browser sends it from one of our pages (`origin`
  // empty: no Origin header at all).
  httplib::Result Post(const std::string& path, const httplib::Params& form, const std::string& origin = "same",
                       const std::string& fetch_site = "") {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    httplib::Headers headers = Headers();
    if (origin == "same") {
      headers.emplace("Origin", origin_);
    } else if (!origin.empty()) {
      headers.emplace("Origin", origin);
    }
    if (!fetch_site.empty()) headers.emplace("Sec-Fetch-Site", fetch_site);
    auto r = c.Post(path, headers, httplib::detail::params_to_query_str(form), "application/x-www-form-urlencoded");
    Keep(r);
    return r;
  }

  // The CSRF token of the first form on `page`.
  static std::string TokenOf(const std::string& page) {
    std::smatch m;
    if (!std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([^\"]+)\""))) return "";
    return m[1];
  }

  // Opens the sign-in page and signs in with `key`.
  httplib::Result SignIn(const std::string& key, const std::string& next = "/en/") {
    auto page = Get("/en/sign-in");
    if (!page) return page;
    return Post("/en/sign-in", {{"csrf", TokenOf(page->body)}, {"key", key}, {"next", next}});
  }

  // Signs out, from any page's form.
  httplib::Result SignOut(const std::string& path = "/en/sign-out") {
    auto page = Get("/en/account");
    return Post(path, {{"csrf", page ? TokenOf(page->body) : ""}});
  }

  std::map<std::string, std::string>& cookies() { return cookies_; }

 private:
  httplib::Headers Headers() const {
    std::string cookie;
    for (const auto& [name, value] : cookies_) absl::StrAppend(&cookie, cookie.empty() ? "" : "; ", name, "=", value);
    if (cookie.empty()) return {};
    return {{"Cookie", cookie}};
  }
  void Keep(const httplib::Result& r) {
    if (!r) return;
    for (auto [it, end] = r->headers.equal_range("Set-Cookie"); it != end; ++it) {
      const std::string& set = it->second;
      std::string pair = set.substr(0, set.find(';'));
      std::string name = pair.substr(0, pair.find('='));
      std::string value = pair.substr(pair.find('=') + 1);
      if (absl::StrContains(set, "Max-Age=0")) {
        cookies_.erase(name);
      } else {
        cookies_[name] = value;
      }
    }
  }

  int port_;
  std::string origin_;
  std::map<std::string, std::string> cookies_;
};

std::vector<std::string> SetCookies(const httplib::Response& r) {
  std::vector<std::string> out;
  for (auto [it, end] = r.headers.equal_range("Set-Cookie"); it != end; ++it) out.push_back(it->second);
  return out;
}

std::string Unescaped(const std::string& page) { return absl::StrReplaceAll(page, {{"&#x2F;", "/"}}); }

class PortalSessionsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new rcp::testing::TempDir();
    DeploymentOptions options;
    options.id = "bali-process.rcp";
    // A short authentication TTL, the bound on revocation, for the test.
    options.gateway_flags = {"--auth_cache_ttl=1s"};
    deployment_ = new Deployment(dir_->Sub("bali"), options);
    ASSERT_THAT(deployment_->Start(), IsOk());
  }
  static void TearDownTestSuite() {
    delete deployment_;
    delete dir_;
  }

  static rcp::testing::TempDir* dir_;
  static Deployment* deployment_;
};

rcp::testing::TempDir* PortalSessionsE2eTest::dir_ = nullptr;
Deployment* PortalSessionsE2eTest::deployment_ = nullptr;

TEST_F(PortalSessionsE2eTest, AMemberSignsInSeesWhatItsKeySeesAndSignsOut) {
  Browser browser(deployment_->http_port());
  auto anonymous = browser.Get(kMembersMeeting);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 404);

  auto form = browser.Get(absl::StrCat("/en/sign-in?next=", httplib::detail::encode_query_param(kMembersMeeting)));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_EQ(form->get_header_value("Cache-Control"), "no-store");
  EXPECT_THAT(form->body, HasSubstr("type=\"password\" autocomplete=\"off\""));
  EXPECT_THAT(Unescaped(form->body), HasSubstr(absl::StrCat("name=\"next\" value=\"", kMembersMeeting, "\"")));
  ASSERT_EQ(SetCookies(*form).size(), 1u);
  EXPECT_THAT(SetCookies(*form)[0], StartsWith("rcp-csrf="));
  EXPECT_THAT(SetCookies(*form)[0], HasSubstr("; HttpOnly; SameSite=Lax"));

  const std::string key = deployment_->Key("indonesia");
  auto signed_in = browser.Post("/en/sign-in", {{"csrf", Browser::TokenOf(form->body)},
                                                 {"key", absl::StrCat("  ", key, "\n")},  // as pasted
                                                 {"next", kMembersMeeting}});
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->status, 303);
  EXPECT_EQ(signed_in->get_header_value("Location"), kMembersMeeting);
  EXPECT_EQ(signed_in->get_header_value("Cache-Control"), "no-store");
  ASSERT_EQ(SetCookies(*signed_in).size(), 1u);
  const std::string cookie = SetCookies(*signed_in)[0];
  EXPECT_THAT(cookie, StartsWith("rcp-session="));
  EXPECT_THAT(cookie, HasSubstr("; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax"));
  EXPECT_THAT(cookie, Not(HasSubstr(key)));
  const std::string session = browser.cookies()["rcp-session"];
  ASSERT_EQ(session.size(), 52u);

  auto meeting = browser.Get(kMembersMeeting);
  ASSERT_TRUE(meeting);
  EXPECT_EQ(meeting->status, 200);
  EXPECT_THAT(meeting->body, HasSubstr(kMembersTitle));
  EXPECT_THAT(meeting->body, HasSubstr("Signed in as"));
  EXPECT_THAT(meeting->body, HasSubstr("Indonesia"));
  EXPECT_EQ(meeting->get_header_value("Cache-Control"), "no-store") << "a personal page";
  auto home = browser.Get("/en/");
  ASSERT_TRUE(home);
  EXPECT_THAT(home->body, HasSubstr(kMembersTitle)) << "the next meetings, as the key sees them";
  auto account = browser.Get("/en/account");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->status, 200);
  EXPECT_THAT(Unescaped(account->body), HasSubstr("apiKeys/"));
  EXPECT_THAT(account->body, HasSubstr("Read only"));
  EXPECT_THAT(account->body, HasSubstr("30 min"));
  EXPECT_THAT(account->body, HasSubstr("12 h"));
  EXPECT_THAT(account->body, HasSubstr("Bali Process"));

  // Downloads through the portal are the visitor's; /v1 never takes the
  // cookie (only Bearer keys), so it stays anonymous there.
  auto download = browser.Get("/en/processes/igc/documents/gcim-iom-workshop-2005-summary/download?language=en");
  ASSERT_TRUE(download);
  EXPECT_EQ(download->status, 200);
  EXPECT_EQ(download->get_header_value("Cache-Control"), "no-store");
  auto api = browser.Get("/v1/processes/bali-process/meetings/som-2027-02");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 404);

  auto out = browser.SignOut();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  EXPECT_EQ(out->get_header_value("Location"), "/en/");
  EXPECT_THAT(SetCookies(*out), ::testing::Contains(HasSubstr("rcp-session=; Path=/; Max-Age=0")));
  EXPECT_EQ(browser.cookies().count("rcp-session"), 0u);
  // The old id, kept by someone, is dead: the page is anonymous again, says
  // why, and removes the cookie.
  browser.cookies()["rcp-session"] = session;
  auto after = browser.Get(kMembersMeeting);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 404);
  EXPECT_THAT(after->body, HasSubstr("Your session has ended"));
  EXPECT_EQ(browser.cookies().count("rcp-session"), 0u);

  // No daemon logged the key's secret or the session id.
  const std::string secret = key.substr(key.rfind('_') + 1);
  for (auto part : {Deployment::Part::kGateway, Deployment::Part::kRegistry, Deployment::Part::kEvents,
                    Deployment::Part::kDocuments}) {
    const std::string log = deployment_->Log(part);
    EXPECT_FALSE(log.empty());
    EXPECT_THAT(log, Not(HasSubstr(secret)));
    EXPECT_THAT(log, Not(HasSubstr(session)));
  }
}

TEST_F(PortalSessionsE2eTest, EveryPostNeedsTheSameOriginAndItsFormsToken) {
  Browser browser(deployment_->http_port());
  auto form = browser.Get("/en/sign-in");
  ASSERT_TRUE(form);
  const std::string token = Browser::TokenOf(form->body);
  ASSERT_FALSE(token.empty());
  // Masked anew on every answer: the same secret, another token.
  auto again = browser.Get("/en/sign-in");
  ASSERT_TRUE(again);
  EXPECT_NE(Browser::TokenOf(again->body), token);
  EXPECT_TRUE(SetCookies(*again).empty()) << "the CSRF cookie is kept";

  const httplib::Params good{{"csrf", token}, {"key", deployment_->Key("indonesia")}};
  struct Refusal {
    std::string why;
    std::string origin;
    std::string fetch_site;
  };
  for (const Refusal& r : std::vector<Refusal>{{"another site's Origin", "https://evil.example", ""},
                                              {"no Origin and no Sec-Fetch-Site", "", ""},
                                              {"no Origin, a cross-site fetch", "", "cross-site"},
                                              {"the same host on another port", "http://127.0.0.1:1", ""},
                                              {"a null Origin", "null", ""},
                                              {"a null Origin, a cross-site fetch", "null", "cross-site"}}) {
    auto answer = browser.Post("/en/sign-in", good, r.origin, r.fetch_site);
    ASSERT_TRUE(answer) << r.why;
    EXPECT_EQ(answer->status, 403) << r.why;
    EXPECT_THAT(answer->body, HasSubstr("Request refused")) << r.why;
    EXPECT_EQ(browser.cookies().count("rcp-session"), 0u) << r.why;
  }
  for (const auto& [why, csrf] : std::vector<std::pair<std::string, std::string>>{
           {"no token", ""}, {"a made-up token", "AAAA"}, {"a token cut short", token.substr(0, 20)}}) {
    auto answer = browser.Post("/en/sign-in", {{"csrf", csrf}, {"key", deployment_->Key("indonesia")}});
    ASSERT_TRUE(answer) << why;
    EXPECT_EQ(answer->status, 403) << why;
  }
  // Another browser's token does not fit this browser's cookie.
  Browser other(deployment_->http_port());
  auto other_form = other.Get("/en/sign-in");
  ASSERT_TRUE(other_form);
  auto crossed = browser.Post("/en/sign-in", {{"csrf", Browser::TokenOf(other_form->body)},
                                              {"key", deployment_->Key("indonesia")}});
  ASSERT_TRUE(crossed);
  EXPECT_EQ(crossed->status, 403);
  // Without the cookie, no token is any good.
  Browser cookieless(deployment_->http_port());
  auto no_cookie = cookieless.Post("/en/sign-in", good);
  ASSERT_TRUE(no_cookie);
  EXPECT_EQ(no_cookie->status, 403);

  // A wrong key: the form again, 401, and no session.
  auto wrong = browser.Post("/en/sign-in", {{"csrf", token}, {"key", "rcp_nosuchkey_secret"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_THAT(wrong->body, HasSubstr("That key was not accepted"));
  EXPECT_THAT(wrong->body, Not(HasSubstr("rcp_nosuchkey_secret"))) << "the key is never echoed";
  EXPECT_EQ(browser.cookies().count("rcp-session"), 0u);

  // Sec-Fetch-Site alone will do when a browser sends no Origin.
  auto fetched = browser.Post("/en/sign-in", {{"csrf", token}, {"key", deployment_->Key("indonesia")},
                                               {"next", "//evil.example/x"}},
                              "", "same-origin");
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->status, 303);
  EXPECT_EQ(fetched->get_header_value("Location"), "/en/") << "next must be one of our paths";
  EXPECT_EQ(browser.cookies().count("rcp-session"), 1u);

  // Signing out is a form too.
  auto forged_out = browser.Post("/en/sign-out", {{"csrf", ""}});
  ASSERT_TRUE(forged_out);
  EXPECT_EQ(forged_out->status, 403);
  EXPECT_EQ(browser.cookies().count("rcp-session"), 1u);
  auto sign_in_elsewhere = browser.Get("/en/sign-in?next=https://evil.example/");
  ASSERT_TRUE(sign_in_elsewhere);
  EXPECT_THAT(Unescaped(sign_in_elsewhere->body), HasSubstr("name=\"next\" value=\"/en/\""));
}

TEST_F(PortalSessionsE2eTest, SigningInNeverKeepsAnIdTheBrowserBrought) {
  // An attacker signs in with its own key and plants its session id in the
  // victim's browser; the victim then signs in with its key.
  Browser attacker(deployment_->http_port());
  auto attacker_in = attacker.SignIn(deployment_->Key("unhcr-observer"));
  ASSERT_TRUE(attacker_in);
  ASSERT_EQ(attacker_in->status, 303);
  const std::string planted = attacker.cookies()["rcp-session"];
  ASSERT_FALSE(planted.empty());

  Browser victim(deployment_->http_port());
  victim.cookies()["rcp-session"] = planted;
  auto victim_in = victim.SignIn(deployment_->Key("indonesia"));
  ASSERT_TRUE(victim_in);
  ASSERT_EQ(victim_in->status, 303);
  const std::string own = victim.cookies()["rcp-session"];
  EXPECT_NE(own, planted);
  auto victims_page = victim.Get(kMembersMeeting);
  ASSERT_TRUE(victims_page);
  EXPECT_EQ(victims_page->status, 200);
  EXPECT_THAT(victims_page->body, HasSubstr("Indonesia"));
  // The planted session ended with the sign-in: the attacker cannot follow
  // the victim's browsing through it, nor keep using it.
  auto attackers_page = attacker.Get("/en/account");
  ASSERT_TRUE(attackers_page);
  EXPECT_EQ(attackers_page->status, 303);
  EXPECT_THAT(attackers_page->get_header_value("Location"), HasSubstr("/en/sign-in"));

  // An id made up by anyone is no session.
  Browser forger(deployment_->http_port());
  forger.cookies()["rcp-session"] = std::string(52, 'a');
  auto forged = forger.Get(kMembersMeeting);
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 404);
  EXPECT_EQ(forger.cookies().count("rcp-session"), 0u);
}

TEST_F(PortalSessionsE2eTest, SigningOutEverywhereEndsTheKeysSessionsInEveryBrowser) {
  Browser laptop(deployment_->http_port());
  Browser phone(deployment_->http_port());
  Browser colleague(deployment_->http_port());
  ASSERT_TRUE(laptop.SignIn(deployment_->Key("indonesia")));
  ASSERT_TRUE(phone.SignIn(deployment_->Key("indonesia")));
  ASSERT_TRUE(colleague.SignIn(deployment_->Key("bali-secretariat")));
  auto phone_page = phone.Get(kMembersMeeting);
  ASSERT_TRUE(phone_page);
  ASSERT_EQ(phone_page->status, 200);

  auto out = laptop.SignOut("/en/sign-out-everywhere");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  auto gone = phone.Get(kMembersMeeting);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  EXPECT_THAT(gone->body, HasSubstr("Your session has ended"));
  auto still = colleague.Get(kMembersMeeting);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200) << "another key's session";
}

TEST_F(PortalSessionsE2eTest, RevokingTheKeyEndsItsSessionsWithinTheAuthenticationTtl) {
  auto key = deployment_->NewKey("parties/IDN");
  ASSERT_THAT(key, IsOk());
  Browser browser(deployment_->http_port());
  ASSERT_TRUE(browser.SignIn(*key));
  auto page = browser.Get(kMembersMeeting);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);

  reg::Principal who;
  ASSERT_THAT(CallWith(*key, [&](auto* c) { return deployment_->gateway()->WhoAmI(c, {}, &who); }), IsOk());
  reg::RevokeApiKeyRequest revoke;
  revoke.set_name(who.api_key());
  reg::ApiKey revoked;
  ASSERT_THAT(CallWith(deployment_->Key("admin"),
                       [&](auto* c) { return deployment_->registry()->RevokeApiKey(c, revoke, &revoked); }),
              IsOk());
  const absl::Time revoked_at = absl::Now();
  int status = 200;
  while (status == 200 && absl::Now() - revoked_at < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(100));
    auto r = browser.Get(kMembersMeeting);
    ASSERT_TRUE(r);
    status = r->status;
  }
  EXPECT_EQ(status, 404);
  // --auth_cache_ttl=1s, with room for a loaded machine.
  EXPECT_LT(absl::Now() - revoked_at, absl::Seconds(3));
}

TEST_F(PortalSessionsE2eTest, ASessionIdIsNoCredentialOnTheNetworkAndASessionWritesNothing) {
  Browser browser(deployment_->http_port());
  ASSERT_TRUE(browser.SignIn(deployment_->Key("bali-secretariat")));
  const std::string session = browser.cookies()["rcp-session"];
  ASSERT_FALSE(session.empty());
  // Over gRPC from outside, "Session <id>" is refused, and so it is on /v1.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context.AddMetadata("authorization", "Session " + session);
  reg::Principal who;
  grpc::Status s = deployment_->gateway()->WhoAmI(&context, {}, &who);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  httplib::Client c("127.0.0.1", deployment_->http_port());
  auto api = c.Get("/v1/principal", {{"Authorization", "Session " + session}});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
  // The portal has no form that writes: a POST elsewhere is no route.
  auto page = browser.Get("/en/account");
  ASSERT_TRUE(page);
  auto write = browser.Post("/en/processes/bali-process/meetings/som-2027-02", {{"csrf", Browser::TokenOf(page->body)}});
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 404);
}

}  // namespace
