// Documents' content over HTTP (GET /v1/{document}:download) with the four
// daemons as child processes: the bytes gRPC's Download gives, ranges and
// their conditions, uploaded HTML and SVG kept inert, and the policy's 404
// for what the caller may not see.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

namespace doc = ::rcp::documents::v1;
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kSummary[] = "processes/igc/documents/gcim-iom-workshop-2005-summary";
constexpr char kBali[] = "processes/bali-process";

class DownloadsE2eTest : public ::testing::Test {
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

  static std::unique_ptr<httplib::Client> Http() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", deployment_->http_port());
    c->set_read_timeout(30, 0);
    return c;
  }
  static httplib::Headers WithKey(const std::string& name, httplib::Headers more = {}) {
    more.emplace("Authorization", "Bearer " + deployment_->Key(name));
    return more;
  }

  // The content as gRPC's Download gives it to `key` (empty: none).
  static std::string OverGrpc(const std::string& key, const std::string& document, const std::string& language = "") {
    std::string data;
    EXPECT_THAT(CallWith(key,
                         [&](grpc::ClientContext* c) {
                           doc::DownloadRequest req;
                           req.set_document(document);
                           req.set_language(language);
                           auto reader = deployment_->documents()->Download(c, req);
                           doc::DownloadChunk chunk;
                           while (reader->Read(&chunk)) data += chunk.data();
                           return reader->Finish();
                         }),
                IsOk());
    return data;
  }

  // A new document of the Bali Process with `content` in `language`, made
  // by its secretariat.
  static std::string NewDocument(const std::string& id, const std::string& symbol, rcp::common::v1::Visibility visibility,
                                 const std::string& language, const std::string& media_type,
                                 const std::string& content) {
    const std::string key = deployment_->Key("bali-secretariat");
    doc::CreateDocumentRequest create;
    create.set_parent(kBali);
    create.set_document_id(id);
    create.mutable_document()->set_symbol(symbol);
    create.mutable_document()->set_title("Uploaded for the download tests");
    create.mutable_document()->set_kind(doc::BACKGROUND_PAPER);
    create.mutable_document()->set_visibility(visibility);
    doc::Document created;
    EXPECT_THAT(CallWith(key, [&](auto* c) { return deployment_->documents()->CreateDocument(c, create, &created); }),
                IsOk());
    Upload(created.name(), language, media_type, content);
    return created.name();
  }

  static void Upload(const std::string& document, const std::string& language, const std::string& media_type,
                     const std::string& content) {
    const std::string key = deployment_->Key("bali-secretariat");
    doc::StartUploadRequest start;
    start.set_document(document);
    start.set_language(language);
    start.set_media_type(media_type);
    start.set_declared_size(static_cast<int64_t>(content.size()));
    start.set_declared_sha256(rcp::crypto::Sha256Hex(content));
    doc::UploadSession session;
    ASSERT_THAT(CallWith(key, [&](auto* c) { return deployment_->documents()->StartUpload(c, start, &session); }),
                IsOk());
    doc::UploadSession after;
    ASSERT_THAT(CallWith(key,
                         [&](auto* c) {
                           auto writer = deployment_->documents()->UploadChunks(c, &after);
                           doc::UploadChunk chunk;
                           chunk.set_upload(session.name());
                           chunk.set_data(content);
                           writer->Write(chunk);
                           writer->WritesDone();
                           return writer->Finish();
                         }),
                IsOk());
    doc::CommitUploadRequest commit;
    commit.set_name(session.name());
    doc::ContentVersion version;
    ASSERT_THAT(CallWith(key, [&](auto* c) { return deployment_->documents()->CommitUpload(c, commit, &version); }),
                IsOk());
  }

  static rcp::testing::TempDir* dir_;
  static Deployment* deployment_;
};

rcp::testing::TempDir* DownloadsE2eTest::dir_ = nullptr;
Deployment* DownloadsE2eTest::deployment_ = nullptr;

TEST_F(DownloadsE2eTest, APublicDocumentDownloadsWithoutAKeyAsGrpcGivesItSandboxedAndNamed) {
  const std::string bytes = OverGrpc("", kSummary);
  ASSERT_GT(bytes.size(), 100u);
  const std::string path = absl::StrCat("/v1/", kSummary, ":download");
  auto r = Http()->Get(path);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, bytes);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Content-Length"), std::to_string(bytes.size()));
  EXPECT_EQ(r->get_header_value("Content-Disposition"), "inline; filename=\"GCIM-IOM-RCP-2005-1.en.txt\"");
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"), "sandbox; default-src 'none'");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(r->get_header_value("ETag"), absl::StrCat("\"", rcp::crypto::Sha256Hex(bytes), "\""));
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=60");

  // With a key: the same bytes, a personal answer.
  auto keyed = Http()->Get(path, WithKey("unhcr-observer"));
  ASSERT_TRUE(keyed);
  ASSERT_EQ(keyed->status, 200) << keyed->body;
  EXPECT_EQ(keyed->body, bytes);
  EXPECT_EQ(keyed->get_header_value("Cache-Control"), "no-store");
  EXPECT_FALSE(keyed->has_header("Access-Control-Allow-Origin"));

  // HEAD: the headers alone.
  auto head = Http()->Head(path);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(bytes.size()));

  // The language and the version named; both wrong ones say which.
  auto named = Http()->Get(path + "?language=en&version=1");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->status, 200) << named->body;
  EXPECT_EQ(named->body, bytes);
  auto no_french = Http()->Get(path + "?language=fr");
  ASSERT_TRUE(no_french);
  EXPECT_EQ(no_french->status, 404) << no_french->body;
  auto no_such_version = Http()->Get(path + "?version=7");
  ASSERT_TRUE(no_such_version);
  EXPECT_EQ(no_such_version->status, 404) << no_such_version->body;
  auto bad = Http()->Get(path + "?format=zip");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("format"));
  auto bad_version = Http()->Get(path + "?version=latest");
  ASSERT_TRUE(bad_version);
  EXPECT_EQ(bad_version->status, 400);
  EXPECT_THAT(bad_version->body, HasSubstr("version"));
}

TEST_F(DownloadsE2eTest, RangesResumeAgainstTheExactBytes) {
  const std::string bytes = OverGrpc("", kSummary);
  const std::string size = std::to_string(bytes.size());
  const std::string path = absl::StrCat("/v1/", kSummary, ":download");
  const std::string etag = absl::StrCat("\"", rcp::crypto::Sha256Hex(bytes), "\"");
  struct Case {
    const char* range;
    size_t offset;
    size_t length;
  };
  for (const Case& c : {Case{"bytes=0-9", 0, 10}, Case{"bytes=10-", 10, bytes.size() - 10},
                        Case{"bytes=-7", bytes.size() - 7, 7}, Case{"bytes=5-100000000", 5, bytes.size() - 5}}) {
    SCOPED_TRACE(c.range);
    auto r = Http()->Get(path, {{"Range", c.range}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 206) << r->body;
    EXPECT_EQ(r->body, bytes.substr(c.offset, c.length));
    EXPECT_EQ(r->get_header_value("Content-Range"),
              absl::StrCat("bytes ", c.offset, "-", c.offset + c.length - 1, "/", size));
    EXPECT_EQ(r->get_header_value("Content-Length"), std::to_string(c.length));
  }
  // If-Range: the part while the bytes are the same, else all of them.
  auto same = Http()->Get(path, {{"Range", "bytes=0-9"}, {"If-Range", etag}});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 206);
  EXPECT_EQ(same->body, bytes.substr(0, 10));
  for (const char* stale : {"\"0000\"", "Wed, 21 Oct 2015 07:28:00 GMT"}) {
    auto changed = Http()->Get(path, {{"Range", "bytes=0-9"}, {"If-Range", stale}});
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->status, 200) << stale;
    EXPECT_EQ(changed->body, bytes) << stale;
    EXPECT_FALSE(changed->has_header("Content-Range")) << stale;
  }
  // Several ranges: the whole body, never multipart.
  auto several = Http()->Get(path, {{"Range", "bytes=0-1,5-6"}});
  ASSERT_TRUE(several);
  EXPECT_EQ(several->status, 200);
  EXPECT_EQ(several->body, bytes);
  // Past the end: 416, saying how long it is.
  auto past = Http()->Get(path, {{"Range", absl::StrCat("bytes=", size, "-")}});
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 416) << past->body;
  EXPECT_EQ(past->get_header_value("Content-Range"), absl::StrCat("bytes */", size));
  // A copy still good is not sent again.
  auto cached = Http()->Get(path, {{"If-None-Match", etag}});
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->status, 304);
  EXPECT_TRUE(cached->body.empty());
  EXPECT_EQ(cached->get_header_value("ETag"), etag);
}

TEST_F(DownloadsE2eTest, UploadedHtmlAndSvgAreAttachmentsThatCannotRunOnTheOrigin) {
  const std::string html = "<!doctype html><script>document.title='pwned'</script><p>hello</p>";
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>";
  const std::string html_doc =
      NewDocument("inert-html", "BALI/TEST/HTML/1", rcp::common::v1::PUBLIC, "en", "text/html", html);
  const std::string svg_doc =
      NewDocument("inert-svg", "BALI/TEST/SVG/1", rcp::common::v1::PUBLIC, "fr", "image/svg+xml", svg);
  struct Case {
    std::string document, body, type, disposition;
  };
  for (const Case& c : {Case{html_doc, html, "text/html", "attachment; filename=\"BALI-TEST-HTML-1.en.html\""},
                        Case{svg_doc, svg, "image/svg+xml", "attachment; filename=\"BALI-TEST-SVG-1.fr.svg\""}}) {
    SCOPED_TRACE(c.document);
    auto r = Http()->Get(absl::StrCat("/v1/", c.document, ":download"));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body, c.body);
    EXPECT_EQ(r->get_header_value("Content-Type"), c.type);
    EXPECT_EQ(r->get_header_value("Content-Disposition"), c.disposition);
    EXPECT_EQ(r->get_header_value("Content-Security-Policy"), "sandbox; default-src 'none'");
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  // A PDF shows in place, and a second language is chosen by name.
  const std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
  const std::string pdf_doc =
      NewDocument("a-pdf", "BALI/TEST/PDF/1", rcp::common::v1::PUBLIC, "en", "application/pdf", pdf);
  Upload(pdf_doc, "es", "application/pdf", pdf + "es");
  auto spanish = Http()->Get(absl::StrCat("/v1/", pdf_doc, ":download?language=es"));
  ASSERT_TRUE(spanish);
  ASSERT_EQ(spanish->status, 200) << spanish->body;
  EXPECT_EQ(spanish->body, pdf + "es");
  EXPECT_EQ(spanish->get_header_value("Content-Disposition"), "inline; filename=\"BALI-TEST-PDF-1.es.pdf\"");
  // Two languages and none named: Download's own answer.
  auto which = Http()->Get(absl::StrCat("/v1/", pdf_doc, ":download"));
  ASSERT_TRUE(which);
  EXPECT_EQ(which->status, 400) << which->body;
  EXPECT_THAT(which->body, HasSubstr("language"));
}

TEST_F(DownloadsE2eTest, WhatTheCallerMayNotSeeIsNotFoundExactlyLikeWhatDoesNotExist) {
  const std::string members = NewDocument("members-only", "BALI/TEST/MEMBERS/1", rcp::common::v1::MEMBERS, "en",
                                          "text/plain", "for members");
  const std::string absent = "processes/bali-process/documents/never-was";
  for (const std::string& who : {std::string(""), std::string("unhcr-observer")}) {
    SCOPED_TRACE(who.empty() ? "without a key" : who);
    httplib::Headers headers = who.empty() ? httplib::Headers{} : WithKey(who);
    auto hidden = Http()->Get(absl::StrCat("/v1/", members, ":download"), headers);
    auto missing = Http()->Get(absl::StrCat("/v1/", absent, ":download"), headers);
    ASSERT_TRUE(hidden && missing);
    EXPECT_EQ(hidden->status, 404);
    EXPECT_EQ(missing->status, 404);
    std::string hidden_body = hidden->body, missing_body = missing->body;
    hidden_body.replace(hidden_body.find(members), members.size(), "X");
    missing_body.replace(missing_body.find(absent), absent.size(), "X");
    EXPECT_EQ(hidden_body, missing_body);
    EXPECT_EQ(hidden->get_header_value("Content-Type"), missing->get_header_value("Content-Type"));
    EXPECT_FALSE(hidden->has_header("ETag")) << "nothing of the content leaks";
    EXPECT_FALSE(hidden->has_header("Content-Disposition"));
  }
  auto member = Http()->Get(absl::StrCat("/v1/", members, ":download"), WithKey("indonesia"));
  ASSERT_TRUE(member);
  EXPECT_EQ(member->status, 200) << member->body;
  EXPECT_EQ(member->body, "for members");
  EXPECT_EQ(member->get_header_value("Content-Disposition"), "inline; filename=\"BALI-TEST-MEMBERS-1.en.txt\"");
  // An encoded "/" never reaches another resource.
  auto encoded = Http()->Get("/v1/processes/bali-process%2Fdocuments/x:download");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->status, 400);
}

}  // namespace
