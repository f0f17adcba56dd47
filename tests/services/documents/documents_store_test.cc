// Documents, language versions and transfers over a real RocksDB store.
#include "services/documents/documents_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/audience/audience.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::documents {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::IsOkAndHolds;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

const storage::WriteContext kCtx{"apiKeys/secretariat"};

std::string Bytes(size_t n, int seed) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u + seed;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

class DocumentsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    DocumentsOptions o;
    o.store.path = dir_.Sub("metadata");
    o.content_dir = dir_.Sub("content");
    o.store.clock = &clock_;
    o.max_document_bytes = 8 << 20;
    o.upload_ttl = absl::Hours(1);
    o.reap_interval = absl::Hours(1000);  // reaped by hand in tests
    auto s = DocumentsStore::Open(o);
    ASSERT_THAT(s, IsOk());
    store_ = std::move(*s);
  }
  absl::StatusOr<v1::Document> Create(const std::string& symbol, const std::string& id = "") {
    v1::CreateDocumentRequest req;
    req.set_parent("processes/bali-process");
    req.set_document_id(id);
    auto* d = req.mutable_document();
    d->set_symbol(symbol);
    d->set_title("Co-chairs' statement");
    d->set_kind(v1::DECLARATION);
    d->set_visibility(rcp::common::v1::PUBLIC);
    return store_->CreateDocument(kCtx, req);
  }
  absl::StatusOr<v1::UploadSession> Start(const std::string& doc, const std::string& data,
                                          const std::string& language = "en") {
    v1::StartUploadRequest req;
    req.set_document(doc);
    req.set_language(language);
    req.set_media_type("application/pdf");
    req.set_declared_size(static_cast<int64_t>(data.size()));
    req.set_declared_sha256(crypto::Sha256Hex(data));
    return store_->StartUpload(kCtx, req);
  }
  absl::Status Send(const std::string& upload, const std::string& data, int64_t from = 0,
                    int64_t chunk = 300000) {
    for (int64_t off = from; off < static_cast<int64_t>(data.size()); off += chunk) {
      auto s = store_->AppendChunk(upload, off, absl::string_view(data).substr(off, chunk));
      if (!s.ok()) return s.status();
    }
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ContentVersion> Commit(const std::string& upload) {
    v1::CommitUploadRequest req;
    req.set_name(upload);
    return store_->CommitUpload(kCtx, req);
  }
  absl::StatusOr<v1::ContentVersion> Upload(const std::string& doc, const std::string& data,
                                            const std::string& language = "en") {
    auto session = Start(doc, data, language);
    if (!session.ok()) return session.status();
    RCP_RETURN_IF_ERROR(Send(session->name(), data));
    return Commit(session->name());
  }
  absl::StatusOr<std::string> Download(const std::string& doc, const std::string& language = "en",
                                       int64_t version = 0, int64_t offset = 0, int64_t length = 0) {
    v1::DownloadRequest req;
    req.set_document(doc);
    req.set_language(language);
    req.set_version(version);
    req.set_offset(offset);
    req.set_length(length);
    RCP_ASSIGN_OR_RETURN(DownloadCursor cursor, store_->OpenDownload(req));
    std::string out;
    std::string chunk;
    for (;;) {
      RCP_RETURN_IF_ERROR(store_->ReadChunk(&cursor, &chunk));
      if (chunk.empty()) break;
      out += chunk;
    }
    return out;
  }
  // Files in the content store's "parts" (uploads in progress) or "blobs"
  // (committed content).
  size_t ContentFiles(const std::string& area) {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("content/" + area))) {
      (void)e;
      ++n;
    }
    return n;
  }
  v1::Document Get(const std::string& name) {
    v1::GetDocumentRequest req;
    req.set_name(name);
    auto d = store_->GetDocument(req);
    EXPECT_THAT(d, IsOk());
    return d.ok() ? *d : v1::Document();
  }

  rcp::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  std::unique_ptr<DocumentsStore> store_;
};

TEST_F(DocumentsStoreTest, UploadCommitAndDownloadWholeAndRanges) {
  auto doc = Create("BALI/SOM/2005/3", "som-3");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(1'000'000, 1);
  auto v = Upload(doc->name(), data);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->name(), "processes/bali-process/documents/som-3/languages/en/versions/1");
  EXPECT_EQ(v->sha256(), crypto::Sha256Hex(data));
  EXPECT_EQ(v->size_bytes(), 1'000'000);
  EXPECT_EQ(v->uploader(), "apiKeys/secretariat");
  v1::Document d = Get(doc->name());
  ASSERT_EQ(d.languages_size(), 1);
  EXPECT_EQ(d.languages(0).latest().version(), 1);
  EXPECT_NE(d.etag(), doc->etag());

  auto all = Download(doc->name());
  ASSERT_THAT(all, IsOk());
  EXPECT_TRUE(*all == data);
  // Ranges cross the stored chunk boundaries (300,000 bytes).
  for (auto [offset, length] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 1}, {299'999, 2}, {300'000, 300'000}, {123'456, 654'321}, {999'999, 0}, {1'000'000, 0}}) {
    auto part = Download(doc->name(), "en", 0, offset, length);
    ASSERT_THAT(part, IsOk());
    int64_t want = length == 0 ? 1'000'000 - offset : length;
    EXPECT_TRUE(*part == data.substr(offset, want)) << offset << "+" << length;
  }
  EXPECT_THAT(Download(doc->name(), "en", 0, 1'000'001),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("offset: 1000001 is past the end")));
}

TEST_F(DocumentsStoreTest, EveryUploadIsANewVersionAndOldOnesStayDownloadable) {
  auto doc = Create("BALI/SOM/2005/4");
  ASSERT_THAT(doc, IsOk());
  std::string first = Bytes(5000, 1), second = Bytes(7000, 2);
  ASSERT_THAT(Upload(doc->name(), first), IsOk());
  auto v2 = Upload(doc->name(), second);
  ASSERT_THAT(v2, IsOk());
  EXPECT_EQ(v2->version(), 2);
  EXPECT_TRUE(*Download(doc->name()) == second) << "latest is the default";
  EXPECT_TRUE(*Download(doc->name(), "en", 1) == first);
  v1::ListContentVersionsRequest list;
  list.set_document(doc->name());
  auto versions = store_->ListContentVersions(list);
  ASSERT_THAT(versions, IsOk());
  ASSERT_EQ(versions->versions_size(), 2);
  EXPECT_EQ(versions->versions(0).version(), 2) << "newest first";
  EXPECT_THAT(Download(doc->name(), "en", 3), StatusIs(absl::StatusCode::kNotFound, HasSubstr("version 3")));
}

TEST_F(DocumentsStoreTest, WrongChecksumMakesNothingVisibleAndReclaimsTheBytes) {
  auto doc = Create("BALI/SOM/2005/5");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(400'000, 3);
  v1::StartUploadRequest req;
  req.set_document(doc->name());
  req.set_language("en");
  req.set_media_type("application/pdf");
  req.set_declared_size(400'000);
  req.set_declared_sha256(crypto::Sha256Hex("something else"));
  auto session = store_->StartUpload(kCtx, req);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(Send(session->name(), data), IsOk());
  uint64_t before = store_->store()->revision();
  // Other bytes than declared are the client's error, as S3, GCS and tus
  // answer them.
  auto refused = Commit(session->name());
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("declared_sha256")));
  rcp::common::v1::FieldViolation violation;
  ASSERT_TRUE(GetDetail(refused.status(), &violation));
  EXPECT_EQ(violation.field(), "declared_sha256");
  EXPECT_EQ(Get(doc->name()).languages_size(), 0);
  EXPECT_EQ(store_->store()->revision(), before) << "no change record";
  EXPECT_EQ(ContentFiles("parts"), 0u);
  EXPECT_EQ(ContentFiles("blobs"), 0u);
  EXPECT_THAT(store_->AppendChunk(session->name(), 400'000, "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("CANCELLED")));
}

TEST_F(DocumentsStoreTest, MoreOrFewerBytesThanDeclared) {
  auto doc = Create("BALI/SOM/2005/6");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(1000, 4);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  auto too_many = store_->AppendChunk(session->name(), 0, data + "!");
  EXPECT_THAT(too_many, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceed the declared 1000")));
  rcp::common::v1::FieldViolation violation;
  ASSERT_TRUE(GetDetail(too_many.status(), &violation));
  EXPECT_EQ(violation.field(), "declared_size");
  // Too few is not an error of the bytes sent: the rest may follow.
  ASSERT_THAT(store_->AppendChunk(session->name(), 0, data.substr(0, 600)), IsOk());
  EXPECT_THAT(Commit(session->name()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("declared_size: received 600 of 1000 bytes")));
  ASSERT_THAT(store_->AppendChunk(session->name(), 600, data.substr(600)), IsOk());
  auto v = Commit(session->name());
  ASSERT_THAT(v, IsOk());
  auto again = Commit(session->name());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->name(), v->name()) << "commit is idempotent";
}

TEST_F(DocumentsStoreTest, ChunkAtTheWrongOffsetIsRefused) {
  auto doc = Create("BALI/SOM/2005/7");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(1000, 5);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(store_->AppendChunk(session->name(), 0, data.substr(0, 500)), IsOk());
  EXPECT_THAT(
      store_->AppendChunk(session->name(), 700, data.substr(700)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(
                   "offset: the session's committed offset is 0 and this upload has received 500; got 700")));
  ASSERT_THAT(store_->FlushUpload(session->name()), IsOk());
  EXPECT_THAT(store_->AppendChunk(session->name(), 0, data.substr(0, 500)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("offset: the session's committed offset is 500; got 0")));
  EXPECT_THAT(store_->AppendChunk(session->name(), 700, data.substr(700)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("offset")));
  EXPECT_THAT(store_->AppendChunk(session->name(), 500, std::string(kMaxChunkBytes + 1, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data: a chunk holds at most")));
}

TEST_F(DocumentsStoreTest, UnknownAndExpiredSessionsAreNotFoundAndExpiredDataIsReclaimed) {
  EXPECT_THAT(store_->AppendChunk("uploads/nope", 0, "x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("uploads/nope")));
  EXPECT_THAT(store_->AppendChunk("nope", 0, "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("upload")));
  auto doc = Create("BALI/SOM/2005/8");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(1000, 6);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(store_->AppendChunk(session->name(), 0, data.substr(0, 500)), IsOk());
  EXPECT_EQ(ContentFiles("parts"), 1u);
  clock_.Advance(absl::Minutes(61));
  EXPECT_THAT(store_->AppendChunk(session->name(), 500, data.substr(500)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("expired")));
  auto reaped = store_->ReapExpiredUploads();
  ASSERT_THAT(reaped, IsOk());
  EXPECT_EQ(*reaped, 1);
  EXPECT_EQ(ContentFiles("parts"), 0u);
  v1::GetUploadSessionRequest get;
  get.set_name(session->name());
  EXPECT_THAT(store_->GetUploadSession(get),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(session->name())));
}

TEST_F(DocumentsStoreTest, ActivityKeepsASessionAlive) {
  auto doc = Create("BALI/SOM/2005/9");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(3000, 7);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Minutes(50));
    ASSERT_THAT(store_->AppendChunk(session->name(), i * 1000, data.substr(i * 1000, 1000)), IsOk());
  }
  EXPECT_THAT(Commit(session->name()), IsOk());
}

TEST_F(DocumentsStoreTest, LanguageTagsAreBcp47AndNormalized) {
  auto doc = Create("BALI/SOM/2005/10");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(100, 8);
  for (const char* bad : {"english", "e", "xx", "en_US", "en-", "zz-Latn"}) {
    EXPECT_THAT(Start(doc->name(), data, bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("language")))
        << bad;
  }
  auto v = Upload(doc->name(), data, "zh-hans-cn");
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->language(), "zh-Hans-CN");
  ASSERT_THAT(Upload(doc->name(), data, "AR"), IsOk());
  EXPECT_EQ(Get(doc->name()).languages(0).language(), "ar");
  EXPECT_THAT(Download(doc->name(), ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("choose one of ar, zh-Hans-CN")));
}

TEST_F(DocumentsStoreTest, DocumentOverTheSizeLimitIsRefused) {
  auto doc = Create("BALI/SOM/2005/11");
  ASSERT_THAT(doc, IsOk());
  v1::StartUploadRequest req;
  req.set_document(doc->name());
  req.set_language("en");
  req.set_media_type("application/pdf");
  req.set_declared_size((8 << 20) + 1);
  req.set_declared_sha256(std::string(64, 'a'));
  EXPECT_THAT(store_->StartUpload(kCtx, req), StatusIs(absl::StatusCode::kInvalidArgument,
                                                       HasSubstr("declared_size: must be at most 8388608")));
  req.set_declared_size(10);
  req.set_declared_sha256("abc");
  EXPECT_THAT(store_->StartUpload(kCtx, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("declared_sha256")));
  req.set_declared_sha256(std::string(64, 'a'));
  req.set_media_type("pdf");
  EXPECT_THAT(store_->StartUpload(kCtx, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("media_type")));
}

TEST_F(DocumentsStoreTest, SymbolsAreUniqueAndRevisionsLinkToTheirOriginal) {
  auto original = Create("BALI/SOM/2005/3");
  ASSERT_THAT(original, IsOk());
  EXPECT_THAT(Create("BALI/SOM/2005/3"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("document.symbol")));
  auto rev = Create("BALI/SOM/2005/3/Rev.1");
  ASSERT_THAT(rev, IsOk());
  EXPECT_EQ(rev->original(), original->name());
  auto corr = Create("BALI/SOM/2005/3/Corr.1");
  ASSERT_THAT(corr, IsOk());
  EXPECT_EQ(corr->original(), original->name());
  EXPECT_THAT(Create("BALI/SOM/2005/99/Rev.1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("create the original first")));
  EXPECT_THAT(Create("bali som"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.symbol")));
}

TEST_F(DocumentsStoreTest, IdenticalContentIsStoredOnce) {
  auto a = Create("BALI/SOM/2005/12");
  auto b = Create("BALI/SOM/2005/13");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  std::string data = Bytes(900'000, 9);
  ASSERT_THAT(Upload(a->name(), data), IsOk());
  EXPECT_EQ(ContentFiles("blobs"), 1u);
  ASSERT_THAT(Upload(b->name(), data, "fr"), IsOk());
  EXPECT_EQ(ContentFiles("blobs"), 1u);
  EXPECT_EQ(ContentFiles("parts"), 0u);
  EXPECT_TRUE(*Download(b->name(), "fr") == data);
}

TEST_F(DocumentsStoreTest, ConcurrentUploadsToDifferentLanguagesOfOneDocument) {
  auto doc = Create("BALI/SOM/2005/14");
  ASSERT_THAT(doc, IsOk());
  std::vector<std::string> languages = {"en", "fr", "es", "ar", "ru", "zh", "pt"};
  std::vector<std::thread> uploaders;
  std::vector<absl::Status> results(languages.size());
  for (size_t i = 0; i < languages.size(); ++i) {
    uploaders.emplace_back(
        [&, i] { results[i] = Upload(doc->name(), Bytes(700'000, 10 + i), languages[i]).status(); });
  }
  for (auto& t : uploaders) t.join();
  for (const auto& r : results) EXPECT_THAT(r, IsOk());
  v1::Document d = Get(doc->name());
  EXPECT_EQ(d.languages_size(), static_cast<int>(languages.size()));
  for (size_t i = 0; i < languages.size(); ++i) {
    auto got = Download(doc->name(), languages[i]);
    ASSERT_THAT(got, IsOk());
    EXPECT_TRUE(*got == Bytes(700'000, 10 + i)) << languages[i];
  }
}

TEST_F(DocumentsStoreTest, UploadResumesAfterTheStoreRestarts) {
  auto doc = Create("BALI/SOM/2005/15");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(2'000'000, 11);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(Send(session->name(), data.substr(0, 1'200'000)), IsOk());
  ASSERT_THAT(store_->FlushUpload(session->name()), IsOk());  // the end of a stream
  Open();  // the running hash is gone; it is rebuilt from the part file
  v1::GetUploadSessionRequest get;
  get.set_name(session->name());
  auto resumed = store_->GetUploadSession(get);
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(resumed->committed_offset(), 1'200'000);
  ASSERT_THAT(Send(session->name(), data, resumed->committed_offset()), IsOk());
  auto v = Commit(session->name());
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->sha256(), crypto::Sha256Hex(data));
  EXPECT_TRUE(*Download(doc->name()) == data);
}

TEST_F(DocumentsStoreTest, BytesNotYetCommittedAreResentAfterARestart) {
  // A crash between sync points: the part file holds more than the session
  // records. The extra bytes are dropped and the client resends them from
  // the committed offset, with different chunk boundaries even.
  auto doc = Create("BALI/SOM/2005/18");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(3'000'000, 13);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(Send(session->name(), data.substr(0, 1'000'000)), IsOk());
  ASSERT_THAT(store_->FlushUpload(session->name()), IsOk());
  ASSERT_THAT(Send(session->name(), data.substr(0, 2'500'000), 1'000'000), IsOk());  // never flushed
  Open();
  v1::GetUploadSessionRequest get;
  get.set_name(session->name());
  auto resumed = store_->GetUploadSession(get);
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(resumed->committed_offset(), 1'000'000);
  EXPECT_THAT(store_->AppendChunk(session->name(), 2'500'000, "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("committed offset is 1000000")));
  ASSERT_THAT(Send(session->name(), data, 1'000'000, 777'777), IsOk());
  auto v = Commit(session->name());
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->sha256(), crypto::Sha256Hex(data));
  EXPECT_TRUE(*Download(doc->name()) == data);
}

TEST_F(DocumentsStoreTest, AStreamResentFromTheCommittedOffsetStartsOverFromThere) {
  // The client's stream broke; it asks the committed offset and resends
  // while this process still holds the interrupted stream's bytes.
  auto doc = Create("BALI/SOM/2005/19");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(2'000'000, 14);
  std::string other = Bytes(2'000'000, 15);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(Send(session->name(), other.substr(0, 1'500'000)), IsOk());
  ASSERT_THAT(Send(session->name(), data), IsOk());  // from 0, the committed offset
  auto v = Commit(session->name());
  ASSERT_THAT(v, IsOk()) << "the first stream's bytes are not part of the content";
  EXPECT_TRUE(*Download(doc->name()) == data);
}

TEST_F(DocumentsStoreTest, ContentThatNoRecordNamesIsSweptAtOpen) {
  auto doc = Create("BALI/SOM/2005/20");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(100'000, 16);
  ASSERT_THAT(Upload(doc->name(), data), IsOk());
  // As a crash would leave them: a blob published but never recorded, and
  // the part of a session that no longer exists.
  std::ofstream(dir_.Sub("content/blobs/" + crypto::Sha256Hex("orphan"))) << "orphan";
  std::ofstream(dir_.Sub("content/parts/gone")) << "partial";
  Open();
  EXPECT_EQ(ContentFiles("blobs"), 1u);
  EXPECT_EQ(ContentFiles("parts"), 0u);
  EXPECT_TRUE(*Download(doc->name()) == data);
}

TEST_F(DocumentsStoreTest, CancelledUploadIsReclaimed) {
  auto doc = Create("BALI/SOM/2005/16");
  ASSERT_THAT(doc, IsOk());
  std::string data = Bytes(10'000, 12);
  auto session = Start(doc->name(), data);
  ASSERT_THAT(session, IsOk());
  ASSERT_THAT(store_->AppendChunk(session->name(), 0, data.substr(0, 5000)), IsOk());
  v1::CancelUploadRequest cancel;
  cancel.set_name(session->name());
  auto cancelled = store_->CancelUpload(kCtx, cancel);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->state(), v1::UploadSession::CANCELLED);
  EXPECT_EQ(ContentFiles("parts"), 0u);
  EXPECT_THAT(Commit(session->name()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cancelled")));
}

TEST_F(DocumentsStoreTest, ListFiltersAndUpdateWithEtag) {
  auto a = Create("BALI/SOM/2005/17");
  auto b = Create("BALI/SOM/2005/18");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_THAT(Upload(a->name(), Bytes(10, 13), "fr"), IsOk());
  v1::UpdateDocumentRequest up;
  *up.mutable_document() = Get(b->name());
  up.mutable_document()->add_tags("trafficking");
  up.mutable_document()->set_meeting("processes/bali-process/meetings/som-2005");
  up.mutable_update_mask()->add_paths("tags");
  up.mutable_update_mask()->add_paths("meeting");
  ASSERT_THAT(store_->UpdateDocument(kCtx, up), IsOk());
  EXPECT_THAT(store_->UpdateDocument(kCtx, up), StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
  up.mutable_update_mask()->add_paths("symbol");
  EXPECT_THAT(store_->UpdateDocument(kCtx, up),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));

  auto names = [&](v1::ListDocumentsRequest req) {
    std::vector<std::string> out;
    auto resp = store_->ListDocuments(req);
    EXPECT_THAT(resp, IsOk());
    if (resp.ok())
      for (const auto& d : resp->documents()) out.push_back(d.name());
    return out;
  };
  v1::ListDocumentsRequest by_language;
  by_language.set_language("fr");
  EXPECT_EQ(names(by_language), std::vector<std::string>{a->name()});
  v1::ListDocumentsRequest by_tag;
  by_tag.set_tag("trafficking");
  EXPECT_EQ(names(by_tag), std::vector<std::string>{b->name()});
  v1::ListDocumentsRequest by_meeting;
  by_meeting.set_meeting("processes/bali-process/meetings/som-2005");
  EXPECT_EQ(names(by_meeting), std::vector<std::string>{b->name()});
  v1::ListDocumentsRequest in_process;
  in_process.set_parent("processes/bali-process");
  EXPECT_EQ(names(in_process).size(), 2u);
}

// ------------------------------------------------------------ viewers
//
// Hole 1 of issue 9 for documents: ListDocuments keeps only what the
// caller may see before paging.

constexpr char kBali[] = "processes/bali-process";
constexpr char kColombo[] = "processes/colombo-process";

audience::Viewer ViewerWith(const std::string& party, const std::string& process, registry::v1::Role role) {
  audience::Viewer v;
  v.set_party(party);
  auto* r = v.add_rights();
  r->set_process(process);
  r->add_roles(role);
  return v;
}

class DocumentsViewerTest : public DocumentsStoreTest {
 protected:
  absl::StatusOr<v1::Document> CreateIn(const std::string& parent, const std::string& id,
                                        rcp::common::v1::Visibility visibility,
                                        std::vector<std::string> parties = {}, const std::string& tag = "") {
    v1::CreateDocumentRequest req;
    req.set_parent(parent);
    req.set_document_id(id);
    auto* d = req.mutable_document();
    d->set_symbol(absl::AsciiStrToUpper(absl::StrCat(id, "/2027")));
    d->set_title("Senior officials' meeting report");
    d->set_kind(v1::REPORT);
    d->set_visibility(visibility);
    for (const auto& p : parties) d->add_restricted_parties(p);
    if (!tag.empty()) d->add_tags(tag);
    return store_->CreateDocument(kCtx, req);
  }
  // Every page of a List for `viewer`; checks that a page with a token is
  // full and that the page count follows from what came back.
  std::vector<std::string> ListFor(const audience::Viewer* viewer, v1::ListDocumentsRequest req, int page_size) {
    std::vector<std::string> all;
    req.set_page_size(page_size);
    int pages = 0;
    do {
      auto resp = store_->ListDocuments(req, viewer);
      EXPECT_THAT(resp, IsOk());
      if (!resp.ok()) break;
      ++pages;
      if (!resp->next_page_token().empty()) {
        EXPECT_EQ(resp->documents_size(), page_size) << "a page with a token is full";
      }
      for (const auto& d : resp->documents()) all.push_back(d.name());
      req.set_page_token(resp->next_page_token());
    } while (!req.page_token().empty() && pages < 1000);
    EXPECT_EQ(static_cast<size_t>(pages), std::max<size_t>(1, (all.size() + page_size - 1) / page_size));
    return all;
  }
};

TEST_F(DocumentsViewerTest, AnObserverPagingHiddenDocumentsLearnsNothing) {
  ASSERT_THAT(CreateIn(kBali, "som-report", rcp::common::v1::MEMBERS, {}, "som-2027"), IsOk());
  ASSERT_THAT(CreateIn(kBali, "friends-note", rcp::common::v1::RESTRICTED, {"parties/AUS"}, "som-2027"), IsOk());
  ASSERT_THAT(CreateIn(kBali, "public-summary", rcp::common::v1::PUBLIC, {}, "ministerial-2027"), IsOk());
  audience::Viewer unhcr = ViewerWith("parties/unhcr", kBali, registry::v1::OBSERVER);
  auto first_page = [&](const std::string& tag) {
    v1::ListDocumentsRequest req;
    req.set_parent(kBali);
    req.set_tag(tag);
    req.set_page_size(1);
    return store_->ListDocuments(req, &unhcr);
  };
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListDocumentsResponse hidden, first_page("som-2027"));
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListDocumentsResponse none, first_page("no-such-tag"));
  EXPECT_EQ(hidden.documents_size(), 0);
  EXPECT_TRUE(hidden.next_page_token().empty()) << "as for a tag without documents";
  EXPECT_EQ(none.documents_size(), 0);
  EXPECT_TRUE(none.next_page_token().empty());
  v1::ListDocumentsRequest all;
  all.set_parent(kBali);
  EXPECT_EQ(ListFor(&unhcr, all, 1), std::vector<std::string>{"processes/bali-process/documents/public-summary"});
  audience::Viewer member = ViewerWith("parties/THA", kBali, registry::v1::MEMBER);
  EXPECT_EQ(ListFor(&member, all, 1),
            (std::vector<std::string>{"processes/bali-process/documents/public-summary",
                                      "processes/bali-process/documents/som-report"}));
}

// Search matches symbols and titles in the scan, with the viewer, before
// paging: a hidden document's exact symbol finds what a random string finds.
TEST_F(DocumentsViewerTest, SearchingAHiddenSymbolIsLikeSearchingARandomString) {
  ASSERT_THAT(CreateIn(kBali, "public-summary", rcp::common::v1::PUBLIC), IsOk());
  ASSERT_THAT(CreateIn(kBali, "som-report", rcp::common::v1::MEMBERS), IsOk());
  audience::Viewer unhcr = ViewerWith("parties/unhcr", kBali, registry::v1::OBSERVER);
  audience::Viewer member = ViewerWith("parties/THA", kBali, registry::v1::MEMBER);
  auto search = [&](const audience::Viewer* viewer, const std::string& query) {
    v1::ListDocumentsRequest req;
    req.set_query(query);
    return ListFor(viewer, req, 1);
  };
  const std::vector<std::string> summary{"processes/bali-process/documents/public-summary"};
  const std::vector<std::string> report{"processes/bali-process/documents/som-report"};
  EXPECT_EQ(search(&unhcr, "PUBLIC-SUMMARY/2027"), summary);
  EXPECT_EQ(search(&unhcr, "public-summary"), summary) << "ignoring ASCII case";
  EXPECT_EQ(search(&member, "SOM-REPORT/2027"), report);
  EXPECT_EQ(search(&unhcr, "SOM-REPORT/2027"), search(&unhcr, "XQ-NOTHING-7731"));
  EXPECT_TRUE(search(&unhcr, "SOM-REPORT/2027").empty());
  // Titles too: both are "Senior officials' meeting report".
  EXPECT_EQ(search(&unhcr, "officials' MEETING").size(), 1u);
  EXPECT_EQ(search(&member, "officials' MEETING").size(), 2u);
  v1::ListDocumentsRequest long_query;
  long_query.set_query(std::string(201, 'x'));
  EXPECT_THAT(store_->ListDocuments(long_query, &unhcr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query")));
}

TEST_F(DocumentsViewerTest, EveryViewerPagesThroughExactlyWhatItMaySee) {
  const rcp::common::v1::Visibility kVisibilities[] = {rcp::common::v1::PUBLIC, rcp::common::v1::MEMBERS,
                                                       rcp::common::v1::RESTRICTED};
  for (int i = 0; i < 18; ++i) {
    auto visibility = kVisibilities[i % 3];
    std::vector<std::string> parties;
    if (visibility == rcp::common::v1::RESTRICTED) parties = {i % 2 ? "parties/unhcr" : "parties/AUS"};
    ASSERT_THAT(CreateIn(i % 4 == 3 ? kColombo : kBali, absl::StrCat("d", 10 + i), visibility, parties), IsOk());
  }
  audience::Viewer viewers[] = {ViewerWith("parties/unhcr", kBali, registry::v1::OBSERVER),
                                ViewerWith("parties/THA", kBali, registry::v1::MEMBER),
                                ViewerWith("parties/iom", kBali, registry::v1::SECRETARIAT)};
  viewers[2].add_process_limit(kBali);
  v1::ListDocumentsRequest everywhere;
  std::vector<std::string> everything = ListFor(nullptr, everywhere, 1000);
  ASSERT_EQ(everything.size(), 18u);
  for (const auto& viewer : viewers) {
    std::vector<std::string> want;
    for (const auto& name : everything) {
      RCP_ASSERT_OK_AND_ASSIGN(v1::Document d, [&] {
        v1::GetDocumentRequest get;
        get.set_name(name);
        return store_->GetDocument(get);
      }());
      if (audience::MaySee(viewer, rcp::resource::Kind::kDocument, d)) want.push_back(name);
    }
    ASSERT_LT(want.size(), everything.size()) << viewer.party();
    for (int page_size : {1, 2, 5, 1000}) {
      EXPECT_EQ(ListFor(&viewer, everywhere, page_size), want) << viewer.party() << " page_size " << page_size;
    }
  }
  // The Bali secretariat's key, limited to Bali, lists none of Colombo's.
  for (const auto& name : ListFor(&viewers[2], everywhere, 3)) {
    EXPECT_TRUE(absl::StartsWith(name, std::string(kBali) + "/")) << name;
  }
}

}  // namespace
}  // namespace rcp::documents

namespace rcp::documents {
namespace {

// ================================================================ mirrors

namespace fv1 = ::rcp::federation::v1;

// A document of another deployment, as federation applies it: its metadata
// and versions at once, its content fetched afterwards and visible only once
// it hashes to the SHA-256 its origin signed; content nobody names any more
// is reclaimed.
class DocumentMirrorTest : public DocumentsStoreTest {
 protected:
  static constexpr char kName[] = "processes/colombo-process/documents/report";

  fv1::ApplyMirrorsRequest Mirror(const std::string& content, uint64_t revision, const std::string& name = kName) {
    v1::Document d;
    d.set_name(name);
    d.set_symbol("CP/2027/1");
    d.set_title("Labour migration report");
    d.set_kind(v1::REPORT);
    d.set_visibility(rcp::common::v1::PUBLIC);
    v1::ContentVersion v;
    v.set_name(absl::StrCat(name, "/languages/en/versions/1"));
    v.set_language("en");
    v.set_version(1);
    v.set_media_type("text/plain");
    v.set_size_bytes(static_cast<int64_t>(content.size()));
    v.set_sha256(crypto::Sha256Hex(content));
    auto* lang = d.add_languages();
    lang->set_language("en");
    *lang->mutable_latest() = v;
    lang->set_version_count(1);
    fv1::ApplyMirrorsRequest req;
    req.set_source("federationPeers/colombo-process.rcp");
    req.set_generation(1);
    auto* item = req.add_items();
    item->mutable_envelope()->set_origin("colombo-process.rcp");
    item->mutable_envelope()->set_store("documents");
    item->mutable_envelope()->set_epoch(1);
    item->mutable_envelope()->set_revision(revision);
    item->mutable_item()->set_name(name);
    item->mutable_item()->set_kind("document");
    item->mutable_item()->mutable_value()->PackFrom(d);
    *item->mutable_item()->add_content_versions() = v;
    return req;
  }
  absl::StatusOr<v1::ContentFetch> Write(const std::string& sha, int64_t offset, absl::string_view data) {
    v1::WriteFetchedContentRequest req;
    req.set_sha256(sha);
    req.set_offset(offset);
    req.set_data(std::string(data));
    return store_->WriteFetchedContent(req);
  }
  std::vector<v1::ContentFetch> Fetches() {
    auto r = store_->ListContentFetches({});
    EXPECT_THAT(r, IsOk());
    return r.ok() ? std::vector<v1::ContentFetch>(r->fetches().begin(), r->fetches().end())
                  : std::vector<v1::ContentFetch>();
  }
};

TEST_F(DocumentMirrorTest, ContentIsFetchedAfterItsMetadataAndVisibleOnlyOnceVerified) {
  const std::string content = Bytes(3 * 1024 * 1024 + 17, 4);
  const std::string sha = crypto::Sha256Hex(content);
  ASSERT_THAT(store_->mirrors()->Apply(Mirror(content, 5)), IsOk());
  // The metadata is there at once; the content is pending.
  EXPECT_EQ(Get(kName).languages(0).latest().sha256(), sha);
  EXPECT_THAT(Download(kName), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("being fetched")));
  std::vector<v1::ContentFetch> fetches = Fetches();
  ASSERT_EQ(fetches.size(), 1u);
  EXPECT_EQ(fetches[0].sha256(), sha);
  EXPECT_EQ(fetches[0].document(), kName);
  EXPECT_EQ(fetches[0].received_bytes(), 0);
  ASSERT_EQ(fetches[0].sources_size(), 1);
  EXPECT_EQ(fetches[0].sources(0), "federationPeers/colombo-process.rcp");

  // Chunks at the fetch's offset only.
  ASSERT_THAT(Write(sha, 0, absl::string_view(content).substr(0, 1 << 20)), IsOk());
  EXPECT_THAT(Write(sha, 0, absl::string_view(content).substr(0, 10)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("continue from 1048576")));
  // A restart loses what was not durable: the fetch resumes from its record.
  Open();
  fetches = Fetches();
  ASSERT_EQ(fetches.size(), 1u);
  int64_t from = fetches[0].received_bytes();
  EXPECT_EQ(from, 0);  // less than the 8 MiB between syncs
  absl::StatusOr<v1::ContentFetch> last;
  for (int64_t off = from; off < static_cast<int64_t>(content.size()); off += 1 << 20) {
    last = Write(sha, off, absl::string_view(content).substr(off, 1 << 20));
    ASSERT_THAT(last, IsOk());
  }
  EXPECT_TRUE(last->done());
  EXPECT_THAT(Fetches(), ::testing::IsEmpty());
  RCP_ASSERT_OK_AND_ASSIGN(std::string downloaded, Download(kName));
  EXPECT_EQ(downloaded, content);
  EXPECT_THAT(Write(sha, 0, "x"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("no fetch")));
}

TEST_F(DocumentMirrorTest, ContentThatDoesNotHashToTheSignedDigestIsRefusedAndFetchedAgain) {
  const std::string content = Bytes(5000, 5);
  const std::string sha = crypto::Sha256Hex(content);
  ASSERT_THAT(store_->mirrors()->Apply(Mirror(content, 5)), IsOk());
  std::string tampered = content;
  tampered[100] ^= 1;
  EXPECT_THAT(Write(sha, 0, tampered), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("fetched again")));
  EXPECT_THAT(Download(kName), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("being fetched")));
  ASSERT_EQ(Fetches().size(), 1u);
  EXPECT_EQ(Fetches()[0].received_bytes(), 0);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ContentFetch done, Write(sha, 0, content));
  EXPECT_TRUE(done.done());
  RCP_ASSERT_OK_AND_ASSIGN(std::string downloaded, Download(kName));
  EXPECT_EQ(downloaded, content);
}

TEST_F(DocumentMirrorTest, ContentHeldAlreadyIsNotFetchedAndContentNobodyNamesIsReclaimed) {
  const std::string shared = Bytes(4000, 6);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document own, Create("BALI/SOM/2027/1"));
  ASSERT_THAT(Upload(own.name(), shared), IsOk());
  // The same bytes, mirrored: nothing to fetch, downloadable at once.
  ASSERT_THAT(store_->mirrors()->Apply(Mirror(shared, 5)), IsOk());
  EXPECT_THAT(Fetches(), ::testing::IsEmpty());
  RCP_ASSERT_OK_AND_ASSIGN(std::string downloaded, Download(kName));
  EXPECT_EQ(downloaded, shared);
  // A newer version of the mirror names other content: the old is still
  // named by this deployment's own document, and stays.
  const std::string other = Bytes(3000, 7);
  ASSERT_THAT(store_->mirrors()->Apply(Mirror(other, 6)), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ContentFetch done, Write(crypto::Sha256Hex(other), 0, other));
  ASSERT_TRUE(done.done());
  EXPECT_THAT(store_->ReclaimContent(), IsOkAndHolds(0));
  EXPECT_EQ(ContentFiles("blobs"), 2u);
  // Withdrawn, the mirror's content goes; the document's own stays.
  fv1::WithdrawMirrorsRequest withdraw;
  withdraw.set_source("federationPeers/colombo-process.rcp");
  withdraw.add_withdrawals()->set_name(kName);
  withdraw.mutable_withdrawals(0)->set_kind("document");
  ASSERT_THAT(store_->mirrors()->Withdraw(withdraw), IsOk());
  EXPECT_THAT(store_->ReclaimContent(), IsOkAndHolds(1));
  EXPECT_EQ(ContentFiles("blobs"), 1u);
  RCP_ASSERT_OK_AND_ASSIGN(downloaded, Download(own.name()));
  EXPECT_EQ(downloaded, shared);
  // A pending fetch whose mirror went is dropped with its part.
  const std::string pending = Bytes(2000, 8);
  ASSERT_THAT(store_->mirrors()->Apply(Mirror(pending, 9, "processes/colombo-process/documents/draft")), IsOk());
  ASSERT_THAT(Write(crypto::Sha256Hex(pending), 0, absl::string_view(pending).substr(0, 100)), IsOk());
  withdraw.mutable_withdrawals(0)->set_name("processes/colombo-process/documents/draft");
  ASSERT_THAT(store_->mirrors()->Withdraw(withdraw), IsOk());
  EXPECT_THAT(store_->ReclaimContent(), IsOk());
  EXPECT_THAT(Fetches(), ::testing::IsEmpty());
  EXPECT_EQ(ContentFiles("parts"), 0u);
}

TEST_F(DocumentMirrorTest, ListItemsExportsADocumentWithEveryContentVersion) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document own, Create("BALI/SOM/2027/1"));
  ASSERT_THAT(Upload(own.name(), Bytes(100, 1)), IsOk());
  ASSERT_THAT(Upload(own.name(), Bytes(200, 2)), IsOk());
  ASSERT_THAT(Upload(own.name(), Bytes(300, 3), "fr"), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(fv1::ListItemsResponse items, store_->mirrors()->ListItems({}));
  ASSERT_EQ(items.items_size(), 1);
  EXPECT_EQ(items.items(0).item().content_versions_size(), 3);
  EXPECT_GT(items.items(0).revision(), 0u);
}

}  // namespace
}  // namespace rcp::documents
