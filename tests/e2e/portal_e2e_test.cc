// The observer portal over HTTP with the four daemons as child processes:
// its pages in three languages, only PUBLIC items without signing in, the
// same 404 for hidden and absent items, hostile titles kept inert, and the
// headers every page carries. (Browser tests: tests/web.)
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

namespace ev = ::rcp::events::v1;

// A page without the path its "Sign in" link returns to (the one part of a
// 404 page that differs with the path asked).
std::string WithoutNext(const std::string& page) {
  return std::regex_replace(page, std::regex("sign-in\\?next=[^\"]*"), "sign-in?next=");
}
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWorkshop[] = "processes/igc/meetings/gcim-iom-workshop-2005";
constexpr char kMembersMeeting[] = "processes/bali-process/meetings/som-2027-02";
constexpr char kCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

class PortalE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new rcp::testing::TempDir();
    DeploymentOptions options;
    options.id = "bali-process.rcp";
    deployment_ = new Deployment(dir_->Sub("bali"), options);
    ASSERT_THAT(deployment_->Start(), IsOk());
  }
  static void TearDownTestSuite() {
    delete deployment_;
    delete dir_;
  }

  static httplib::Result Get(const std::string& path, httplib::Headers headers = {}) {
    httplib::Client c("127.0.0.1", deployment_->http_port());
    c.set_read_timeout(30, 0);
    return c.Get(path, headers);
  }
  // A page: 200, HTML, with the headers every page has.
  static std::string Page(const std::string& path) {
    auto r = Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return "";
    EXPECT_EQ(r->status, 200) << path << "\n" << r->body;
    ExpectPageHeaders(*r, path);
    EXPECT_LE(r->body.size(), 100u * 1024) << path << ": pages stay under 100 KB";
    // The templates escape "/" in values as &#x2F; (the same to a browser).
    return absl::StrReplaceAll(r->body, {{"&#x2F;", "/"}});
  }
  static void ExpectPageHeaders(const httplib::Response& r, const std::string& path) {
    EXPECT_EQ(r.get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
    EXPECT_EQ(r.get_header_value("Content-Security-Policy"), kCsp) << path;
    EXPECT_EQ(r.get_header_value("Referrer-Policy"), "no-referrer") << path;
    EXPECT_EQ(r.get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.get_header_value("Vary"), "Cookie, Authorization, Accept-Language") << path;
    EXPECT_EQ(r.get_header_value("Cache-Control"), "public, max-age=60") << path;
    EXPECT_THAT(r.body, Not(HasSubstr("style="))) << path << ": no inline styles";
    EXPECT_THAT(r.body, Not(HasSubstr("<script"))) << path;
  }

  static rcp::testing::TempDir* dir_;
  static Deployment* deployment_;
};

rcp::testing::TempDir* PortalE2eTest::dir_ = nullptr;
Deployment* PortalE2eTest::deployment_ = nullptr;

TEST_F(PortalE2eTest, TheRootSendsEachBrowserToItsLanguage) {
  for (const auto& [accept, lang] :
       std::vector<std::pair<std::string, std::string>>{{"fr-CH, fr;q=0.9", "fr"}, {"es-MX", "es"}, {"", "en"}, {"de", "en"}}) {
    auto r = Get("/", accept.empty() ? httplib::Headers{} : httplib::Headers{{"Accept-Language", accept}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 303) << accept;
    EXPECT_EQ(r->get_header_value("Location"), absl::StrCat("/", lang, "/")) << accept;
    EXPECT_EQ(r->get_header_value("Vary"), "Accept-Language");
  }
}

TEST_F(PortalE2eTest, TheHomePageShowsTheProcessesAndThePublicMeetingsAhead) {
  const std::string home = Page("/en/");
  EXPECT_THAT(home, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(home, HasSubstr("Colombo Process Ministerial Consultation"));
  EXPECT_THAT(home, HasSubstr("Reunión Viceministerial"));
  EXPECT_THAT(home, Not(HasSubstr("Senior Officials"))) << "members only";
  EXPECT_THAT(home, Not(HasSubstr("Friends of the Chair"))) << "restricted";
  EXPECT_THAT(home, HasSubstr("href=\"#content\"")) << "a skip link";
  EXPECT_THAT(home, HasSubstr("Asia/Kathmandu, UTC+05:45"));
  const std::string french = Page("/fr/");
  EXPECT_THAT(french, HasSubstr("<html lang=\"fr\">"));
  EXPECT_THAT(french, HasSubstr("Prochaines réunions"));
  EXPECT_THAT(french, HasSubstr("href=\"/en/\" hreflang=\"en\" lang=\"en\">English</a>"));
  EXPECT_THAT(Page("/es/"), HasSubstr("Próximas reuniones"));
}

TEST_F(PortalE2eTest, TheCalendarListsWhatIsPublicFilteredByProcessKindAndStatus) {
  const std::string all = Page("/en/calendar");
  EXPECT_THAT(all, HasSubstr("GCIM–IOM Workshop on Regional Consultative Processes"));
  EXPECT_THAT(all, HasSubstr(absl::StrCat("href=\"/en/", kWorkshop, "\"")));
  EXPECT_THAT(all, Not(HasSubstr("Senior Officials")));
  EXPECT_THAT(all, HasSubstr(">Held<")) << "status in words";
  const std::string igc = Page("/en/calendar?process=igc");
  EXPECT_THAT(igc, HasSubstr("GCIM–IOM Workshop"));
  EXPECT_THAT(igc, Not(HasSubstr("Colombo Process Ministerial Consultation")));
  EXPECT_THAT(igc, HasSubstr("<option value=\"igc\" selected>"));
  const std::string held = Page("/en/calendar?status=HELD");
  EXPECT_THAT(held, HasSubstr("GCIM–IOM Workshop"));
  EXPECT_THAT(held, Not(HasSubstr("Colombo Process Ministerial Consultation")));
  const std::string workshops = Page("/es/calendar?kind=INTER_RCP_MEETING");
  EXPECT_THAT(workshops, HasSubstr("GCIM–IOM Workshop"));
  EXPECT_THAT(workshops, HasSubstr("Reunión inter-PCR"));
  auto bad = Get("/en/calendar?kind=PICNIC");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 404);
}

TEST_F(PortalE2eTest, AMeetingPageGivesItsDatesAgendaAndDocumentsInTheVisitorsLanguage) {
  const std::string page = Page(absl::StrCat("/en/", kWorkshop));
  EXPECT_THAT(page, HasSubstr("GCIM–IOM Workshop on Regional Consultative Processes</h1>"));
  EXPECT_THAT(page, HasSubstr("April 14, 2005"));
  EXPECT_THAT(page, HasSubstr("Geneva"));
  EXPECT_THAT(page, HasSubstr("Switzerland")) << "the host party by name";
  EXPECT_THAT(page, HasSubstr("Links between RCPs and the way forward"));
  EXPECT_THAT(page, HasSubstr("Summary Report"));
  EXPECT_THAT(page, HasSubstr("/en/processes/igc/documents/gcim-iom-workshop-2005-summary/download?language=en"));
  EXPECT_THAT(page, HasSubstr(">Held<"));
  const std::string french = Page(absl::StrCat("/fr/", kWorkshop));
  EXPECT_THAT(french, HasSubstr("14 avril 2005"));
  EXPECT_THAT(french, HasSubstr("Ordre du jour"));
  EXPECT_THAT(french, HasSubstr("Télécharger"));
  // The download link works for the same visitor.
  auto download = Get("/en/processes/igc/documents/gcim-iom-workshop-2005-summary/download?language=en");
  ASSERT_TRUE(download);
  EXPECT_EQ(download->status, 200);
}

TEST_F(PortalE2eTest, AMeetingTheVisitorMayNotSeeIsTheSamePageAsOneThatDoesNotExist) {
  auto hidden = Get(absl::StrCat("/en/", kMembersMeeting));
  auto absent = Get("/en/processes/bali-process/meetings/som-2099-01");
  auto bad_name = Get("/en/processes/BALI!/meetings/x");
  auto nowhere = Get("/en/no/such/page");
  ASSERT_TRUE(hidden && absent && bad_name && nowhere);
  for (const auto* r : {&hidden, &absent, &bad_name, &nowhere}) {
    EXPECT_EQ((*r)->status, 404);
    ExpectPageHeaders(**r, "404");
  }
  // Byte for byte but for the path each asked for, which the page's
  // "Sign in" link returns to.
  EXPECT_THAT(absl::StrReplaceAll(hidden->body, {{"&#x2F;", "/"}}),
              HasSubstr("href=\"/en/sign-in?next=%2Fen%2Fprocesses%2Fbali-process%2Fmeetings%2Fsom-2027-02\""));
  EXPECT_EQ(WithoutNext(hidden->body), WithoutNext(absent->body)) << "byte for byte";
  EXPECT_EQ(WithoutNext(hidden->body), WithoutNext(nowhere->body));
  EXPECT_EQ(WithoutNext(hidden->body), WithoutNext(bad_name->body));
  EXPECT_THAT(hidden->body, HasSubstr("Page not found"));
  EXPECT_THAT(hidden->body, Not(HasSubstr("Senior Officials")));
  auto encoded = Get("/en/processes/bali-process%2Fmeetings/x/meetings/y");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->status, 404);
}

TEST_F(PortalE2eTest, HostileTitlesAndDescriptionsRenderAsInertText) {
  ev::CreateMeetingRequest create;
  create.set_meeting_id("hostile-2027");
  ev::Meeting* m = create.mutable_meeting();
  m->add_processes("processes/bali-process");
  m->set_title("<script>alert(1)</script><img src=x onerror=alert(2)> \u202Egnp.exe");
  m->set_description(
      "**Bold** and <script>alert(3)</script> and [a link](javascript:alert(4)) and <b onclick=\"x\">raw</b>");
  m->set_kind(ev::SIDE_MEETING);
  m->set_time_zone("Asia/Makassar");
  m->mutable_start_time()->set_seconds(1830000000);
  m->mutable_end_time()->set_seconds(1830003600);
  m->set_visibility(rcp::common::v1::PUBLIC);
  ev::Meeting created;
  ASSERT_THAT(CallWith(deployment_->Key("bali-secretariat"),
                       [&](auto* c) { return deployment_->events()->CreateMeeting(c, create, &created); }),
              IsOk());
  const std::string page = Page(absl::StrCat("/en/", created.name()));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("onerror=alert(2)>")));
  EXPECT_THAT(page, HasSubstr("<strong>Bold</strong>")) << "Markdown is rendered";
  EXPECT_THAT(page, Not(HasSubstr("javascript:")));
  EXPECT_THAT(page, Not(HasSubstr("onclick")));
  EXPECT_THAT(page, HasSubstr("dir=\"auto\">&lt;script&gt;")) << "user strings carry dir=auto";
  const std::string calendar = Page("/en/calendar?process=bali-process");
  EXPECT_THAT(calendar, HasSubstr("&lt;script&gt;alert(1)"));
}

TEST_F(PortalE2eTest, AProcessPageGivesItsMembersChairsMeetingsAndLatestDocuments) {
  const std::string page = Page("/en/processes/igc");
  EXPECT_THAT(page, HasSubstr("Inter-governmental Consultations on Asylum, Refugee and Migration Policies</h1>"));
  EXPECT_THAT(page, HasSubstr("<th scope=\"col\">Party</th>"));
  EXPECT_THAT(page, HasSubstr("<td dir=\"auto\">Switzerland</td><td>Member</td>"));
  EXPECT_THAT(page, HasSubstr("GCIM–IOM Workshop")) << "a past meeting";
  EXPECT_THAT(page, HasSubstr("Summary Report")) << "its latest documents";
  EXPECT_THAT(page, HasSubstr("Chairs</h2>"));
  const std::string bali = Page("/fr/processes/bali-process");
  EXPECT_THAT(bali, HasSubstr("Membres et observateurs"));
  EXPECT_THAT(bali, Not(HasSubstr("Senior Officials"))) << "members only";
  auto absent = Get("/en/processes/no-such-process");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->status, 404);
}

TEST_F(PortalE2eTest, TheLibrarySearchesWhatIsPublicAndAHiddenSymbolFindsNothingAsAnyString) {
  const std::string secretariat = deployment_->Key("bali-secretariat");
  for (const auto& [id, symbol, visibility] :
       std::vector<std::tuple<std::string, std::string, rcp::common::v1::Visibility>>{
           {"som-2027-outcome", "BALI/SOM/2027/9", rcp::common::v1::PUBLIC},
           {"som-2027-outcome-rev", "BALI/SOM/2027/9/Rev.1", rcp::common::v1::PUBLIC},
           {"som-2027-secret", "BALI/SOM/2027/SECRET", rcp::common::v1::MEMBERS}}) {
    rcp::documents::v1::CreateDocumentRequest create;
    create.set_parent("processes/bali-process");
    create.set_document_id(id);
    create.mutable_document()->set_symbol(symbol);
    create.mutable_document()->set_title(absl::StrCat("Outcome statement ", id));
    create.mutable_document()->set_kind(rcp::documents::v1::DECLARATION);
    create.mutable_document()->set_visibility(visibility);
    rcp::documents::v1::Document created;
    ASSERT_THAT(CallWith(secretariat,
                         [&](auto* c) { return deployment_->documents()->CreateDocument(c, create, &created); }),
                IsOk());
  }
  const std::string found = Page("/en/documents?q=som/2027/9");
  EXPECT_THAT(found, HasSubstr("BALI/SOM/2027/9/Rev.1"));
  EXPECT_THAT(found, HasSubstr("href=\"/en/processes/bali-process/documents/som-2027-outcome\""));
  auto strip = [](std::string body, const std::string& q) {
    return absl::StrReplaceAll(body, {{q, "Q"}});
  };
  const std::string hidden = Page("/en/documents?q=SECRET");
  const std::string random = Page("/en/documents?q=QZXWV");
  EXPECT_EQ(strip(hidden, "SECRET"), strip(random, "QZXWV")) << "a hidden symbol finds what any string finds";
  EXPECT_THAT(hidden, HasSubstr("No documents match."));
  EXPECT_THAT(Page("/en/documents?kind=REPORT"), HasSubstr("Summary Report"));
  EXPECT_THAT(Page("/en/documents?kind=DECLARATION"), Not(HasSubstr("Summary Report")));
  EXPECT_THAT(Page("/es/documents?process=igc"), HasSubstr("Biblioteca de documentos"));

  // The document page: languages, versions with their SHA-256, revisions.
  const std::string original = Page("/en/processes/bali-process/documents/som-2027-outcome");
  EXPECT_THAT(original, HasSubstr("Revisions and corrigenda"));
  EXPECT_THAT(original, HasSubstr("href=\"/en/processes/bali-process/documents/som-2027-outcome-rev\""));
  const std::string revision = Page("/en/processes/bali-process/documents/som-2027-outcome-rev");
  EXPECT_THAT(revision, HasSubstr("Revises or corrects"));
  const std::string summary = Page("/en/processes/igc/documents/gcim-iom-workshop-2005-summary");
  EXPECT_THAT(summary, HasSubstr("GCIM-IOM/RCP/2005/1"));
  EXPECT_THAT(summary, HasSubstr("Content versions"));
  EXPECT_THAT(summary, HasSubstr("<code class=\"digest\">"));
  EXPECT_THAT(summary, HasSubstr("href=\"/en/processes/igc/documents/gcim-iom-workshop-2005-summary/download?language=en\""
                                 " hreflang=\"en\" type=\"text/plain; charset=utf-8\">Download (en, 42 KB)</a>"));
  EXPECT_THAT(summary, HasSubstr("download?language=en&amp;version=1"));
  EXPECT_THAT(summary, HasSubstr("href=\"/en/processes/igc/meetings/gcim-iom-workshop-2005\""));
  auto hidden_document = Get("/en/processes/bali-process/documents/som-2027-secret");
  auto absent_document = Get("/en/processes/bali-process/documents/never");
  ASSERT_TRUE(hidden_document && absent_document);
  EXPECT_EQ(hidden_document->status, 404);
  EXPECT_EQ(WithoutNext(hidden_document->body), WithoutNext(absent_document->body));
}

TEST_F(PortalE2eTest, TheStylesheetIsServedAndEveryLanguageLinksToTheSamePageInTheOthers) {
  auto css = Get("/static/portal.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_THAT(css->body, HasSubstr(".skip:focus"));
  const std::string page = Page("/es/calendar?process=igc");
  EXPECT_THAT(page, HasSubstr("href=\"/fr/calendar?process=igc\""));
  EXPECT_THAT(page, HasSubstr("href=\"/en/calendar?process=igc\""));
  EXPECT_THAT(page, HasSubstr("aria-current=\"true\">Español</a>"));
}

}  // namespace
