// rcp-documentsd as users run it: real binary, real port, real data dir, and
// content that is generated on the fly (never held whole in memory) and
// verified by SHA-256 on the way up and on the way down.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/status/status.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "rcp/documents/v1/documents.grpc.pb.h"

namespace rcp {
namespace {

using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
namespace v1 = ::rcp::documents::v1;

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kChunk = kMiB;

// ------------------------------------------------------------ test content

// `size` deterministic pseudo-random bytes named by `seed`: the 8-byte word
// at index i is SplitMix64(seed, i), so any range can be regenerated on its
// own (a resumed upload starts wherever the server says).
class Content {
 public:
  Content(uint64_t seed, int64_t size) : seed_(seed), size_(size) {}
  int64_t size() const { return size_; }

  // Bytes [offset, offset + n) clipped to the content's end.
  std::string Bytes(int64_t offset, int64_t n) const {
    n = std::max<int64_t>(0, std::min(n, size_ - offset));
    std::string out(static_cast<size_t>(n), '\0');
    int64_t i = 0;
    while (i < n) {
      int64_t pos = offset + i;
      uint64_t word = Word(static_cast<uint64_t>(pos) / 8);
      int shift = static_cast<int>(pos % 8);
      for (int b = shift; b < 8 && i < n; ++b, ++i) {
        out[static_cast<size_t>(i)] = static_cast<char>((word >> (8 * b)) & 0xff);
      }
    }
    return out;
  }

  // Computed chunk by chunk, never holding the whole content.
  std::string Sha256Hex() const {
    crypto::Sha256 sha;
    for (int64_t offset = 0; offset < size_; offset += kChunk) sha.Update(Bytes(offset, kChunk));
    return sha.HexDigest();
  }

 private:
  uint64_t Word(uint64_t i) const {
    uint64_t z = seed_ * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL + 0x94d049bb133111ebULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t seed_;
  int64_t size_;
};

// The daemon's resident set (VmRSS), in bytes; -1 when unreadable.
int64_t ResidentBytes(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    long long kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kb) == 1) return kb * 1024;
  }
  return -1;
}

// ----------------------------------------------------------- client helper

using Stub = v1::Documents::Stub;

absl::StatusOr<v1::Document> CreateDocument(Stub* stub, const std::string& id, const std::string& symbol) {
  v1::CreateDocumentRequest req;
  req.set_parent("processes/bali-process");
  req.set_document_id(id);
  req.set_request_id(absl::StrCat("e2e-", id));
  auto* d = req.mutable_document();
  d->set_symbol(symbol);
  d->set_title(absl::StrCat("Report ", symbol));
  d->set_kind(v1::REPORT);
  d->set_visibility(rcp::common::v1::PUBLIC);
  grpc::ClientContext ctx;
  v1::Document doc;
  RCP_RETURN_IF_ERROR(FromGrpcStatus(stub->CreateDocument(&ctx, req, &doc)));
  return doc;
}

absl::StatusOr<v1::UploadSession> StartUpload(Stub* stub, const std::string& document, const std::string& language,
                                              int64_t size, const std::string& sha256) {
  v1::StartUploadRequest req;
  req.set_document(document);
  req.set_language(language);
  req.set_media_type("application/octet-stream");
  req.set_declared_size(size);
  req.set_declared_sha256(sha256);
  grpc::ClientContext ctx;
  v1::UploadSession session;
  RCP_RETURN_IF_ERROR(FromGrpcStatus(stub->StartUpload(&ctx, req, &session)));
  return session;
}

absl::StatusOr<v1::UploadSession> GetSession(Stub* stub, const std::string& upload) {
  v1::GetUploadSessionRequest req;
  req.set_name(upload);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::UploadSession session;
  RCP_RETURN_IF_ERROR(FromGrpcStatus(stub->GetUploadSession(&ctx, req, &session)));
  return session;
}

absl::StatusOr<v1::ContentVersion> Commit(Stub* stub, const std::string& upload) {
  v1::CommitUploadRequest req;
  req.set_name(upload);
  grpc::ClientContext ctx;
  v1::ContentVersion version;
  RCP_RETURN_IF_ERROR(FromGrpcStatus(stub->CommitUpload(&ctx, req, &version)));
  return version;
}

absl::StatusOr<v1::Document> GetDocument(Stub* stub, const std::string& name) {
  v1::GetDocumentRequest req;
  req.set_name(name);
  grpc::ClientContext ctx;
  v1::Document doc;
  RCP_RETURN_IF_ERROR(FromGrpcStatus(stub->GetDocument(&ctx, req, &doc)));
  return doc;
}

// One UploadChunks stream sending content [from, to) in 1 MiB chunks; the
// caller may stop early by returning false from `after_chunk(next_offset)`,
// leaving the stream open (for the caller to break it).
class UploadStream {
 public:
  UploadStream(Stub* stub, std::string upload) : upload_(std::move(upload)) {
    writer_ = stub->UploadChunks(&ctx_, &session_);
  }
  grpc::ClientContext& context() { return ctx_; }

  // Sends [from, to); false when the stream broke (see Finish).
  bool Send(const Content& content, int64_t from, int64_t to) {
    for (int64_t offset = from; offset < to; offset += kChunk) {
      v1::UploadChunk chunk;
      if (first_) chunk.set_upload(upload_);
      first_ = false;
      chunk.set_offset(offset);
      chunk.set_data(content.Bytes(offset, std::min(kChunk, to - offset)));
      if (!writer_->Write(chunk)) return false;
    }
    return true;
  }
  // Half-closes and waits for the server's answer.
  absl::StatusOr<v1::UploadSession> Finish() {
    writer_->WritesDone();
    RCP_RETURN_IF_ERROR(FromGrpcStatus(writer_->Finish()));
    return session_;
  }

 private:
  std::string upload_;
  grpc::ClientContext ctx_;
  v1::UploadSession session_;
  std::unique_ptr<grpc::ClientWriter<v1::UploadChunk>> writer_;
  bool first_ = true;
};

// Continues `upload` from the server's committed offset to the end. A chunk
// of a broken stream still being stored when we asked moves the offset
// under us: the server answers FAILED_PRECONDITION and we ask again, as a
// tus client does. `attempts` counts the streams opened.
absl::StatusOr<v1::UploadSession> ResumeUpload(Stub* stub, const std::string& upload, const Content& content,
                                               int* attempts = nullptr) {
  absl::Status last;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    if (attempts != nullptr) *attempts = attempt;
    RCP_ASSIGN_OR_RETURN(v1::UploadSession session, GetSession(stub, upload));
    if (session.committed_offset() == content.size()) return session;
    UploadStream stream(stub, upload);
    stream.Send(content, session.committed_offset(), content.size());
    auto done = stream.Finish();
    if (done.ok() || !absl::IsFailedPrecondition(done.status())) return done;
    last = done.status();
    std::printf("resuming %s again: %s\n", upload.c_str(), last.ToString().c_str());
  }
  return last;
}

// StartUpload, one stream of every chunk, CommitUpload.
absl::StatusOr<v1::ContentVersion> Upload(Stub* stub, const std::string& document, const std::string& language,
                                          const Content& content, const std::string& sha256) {
  RCP_ASSIGN_OR_RETURN(v1::UploadSession session,
                       StartUpload(stub, document, language, content.size(), sha256));
  UploadStream stream(stub, session.name());
  stream.Send(content, 0, content.size());
  RCP_ASSIGN_OR_RETURN(v1::UploadSession sent, stream.Finish());
  if (sent.committed_offset() != content.size()) {
    return absl::InternalError(absl::StrCat("the stream ended at ", sent.committed_offset()));
  }
  return Commit(stub, session.name());
}

struct Downloaded {
  v1::ContentVersion version;  // from the first message
  int64_t bytes = 0;
  int64_t messages = 0;
  std::string sha256;
};

// Downloads, checking that chunks are contiguous and hashing as they come.
absl::StatusOr<Downloaded> Download(Stub* stub, const std::string& document, const std::string& language,
                                    int64_t offset = 0) {
  v1::DownloadRequest req;
  req.set_document(document);
  req.set_language(language);
  req.set_offset(offset);
  grpc::ClientContext ctx;
  auto reader = stub->Download(&ctx, req);
  Downloaded out;
  crypto::Sha256 sha;
  v1::DownloadChunk chunk;
  absl::Status order;
  while (reader->Read(&chunk)) {
    if (out.messages == 0) out.version = chunk.version();
    if (out.messages > 0 && chunk.has_version()) order = absl::InternalError("version sent twice");
    if (chunk.offset() != offset + out.bytes && order.ok()) {
      order = absl::InternalError(absl::StrCat("chunk at ", chunk.offset(), ", expected ", offset + out.bytes));
    }
    if (static_cast<int64_t>(chunk.data().size()) > kChunk && order.ok()) {
      order = absl::InternalError(absl::StrCat("chunk of ", chunk.data().size(), " bytes"));
    }
    sha.Update(chunk.data());
    out.bytes += static_cast<int64_t>(chunk.data().size());
    ++out.messages;
  }
  RCP_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  RCP_RETURN_IF_ERROR(order);
  out.sha256 = sha.HexDigest();
  return out;
}

// ------------------------------------------------------------------ tests

class DocumentsE2eTest : public ::testing::Test {
 protected:
  std::unique_ptr<Daemon> StartDaemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("data")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto d = std::make_unique<Daemon>(rcp::testing::BuildDir() + "/services/documents/rcp-documentsd", args,
                                      dir_.Sub("log"));
    EXPECT_THAT(d->Start(), IsOk());
    return d;
  }
  static std::unique_ptr<Stub> NewStub(const Daemon& d) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(4 * kMiB);
    return v1::Documents::NewStub(
        grpc::CreateCustomChannel(d.address(), grpc::InsecureChannelCredentials(), args));
  }
  // Waits until the server has stored at least `offset` bytes of `upload`;
  // returns what it has stored.
  static absl::StatusOr<int64_t> AwaitStored(Stub* stub, const std::string& upload, int64_t offset) {
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (true) {
      RCP_ASSIGN_OR_RETURN(v1::UploadSession s, GetSession(stub, upload));
      if (s.committed_offset() >= offset) return s.committed_offset();
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat("stored ", s.committed_offset(), " of ", offset));
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  rcp::testing::TempDir dir_;
};

TEST_F(DocumentsE2eTest, SeedPublishesTheWorkshopReport) {
  std::string seed_dir = std::string(RCP_SOURCE_DIR) + "/deploy/seed";
  std::string seed = "--seed_file=" + seed_dir + "/documents.textproto";
  std::string expected = crypto::Sha256Hex(io::ReadFile(seed_dir + "/gcim-iom-workshop-2005-summary-report.txt").value());
  const std::string name = "processes/igc/documents/gcim-iom-workshop-2005-summary";

  auto d = StartDaemon({seed});
  auto stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document doc, GetDocument(stub.get(), name));
  EXPECT_EQ(doc.symbol(), "GCIM-IOM/RCP/2005/1");
  EXPECT_EQ(doc.kind(), v1::REPORT);
  EXPECT_EQ(doc.visibility(), rcp::common::v1::PUBLIC);
  ASSERT_EQ(doc.languages_size(), 1);
  EXPECT_EQ(doc.languages(0).language(), "en");
  EXPECT_EQ(doc.languages(0).version_count(), 1);
  EXPECT_EQ(doc.languages(0).latest().sha256(), expected);

  // The only language is the default download.
  RCP_ASSERT_OK_AND_ASSIGN(Downloaded got, Download(stub.get(), name, ""));
  EXPECT_EQ(got.sha256, expected);
  EXPECT_EQ(got.bytes, got.version.size_bytes());
  EXPECT_EQ(got.version.language(), "en");
  EXPECT_EQ(got.version.media_type(), "text/plain; charset=utf-8");

  // A second start with the seed adds nothing.
  v1::ListDocumentsRequest list;
  list.set_parent("processes/-");
  v1::ListDocumentsResponse before;
  {
    grpc::ClientContext ctx;
    ASSERT_THAT(FromGrpcStatus(stub->ListDocuments(&ctx, list, &before)), IsOk());
  }
  ASSERT_EQ(before.documents_size(), 1);
  ASSERT_THAT(d->Stop(SIGTERM), IsOk());
  d = StartDaemon({seed});
  stub = NewStub(*d);
  v1::ListDocumentsResponse after;
  {
    grpc::ClientContext ctx;
    ASSERT_THAT(FromGrpcStatus(stub->ListDocuments(&ctx, list, &after)), IsOk());
  }
  EXPECT_EQ(after.revision(), before.revision());
  ASSERT_EQ(after.documents_size(), 1);
  EXPECT_EQ(after.documents(0).languages(0).version_count(), 1);
}

// kill -9 with an upload stream open: what the server had stored survives,
// and the upload continues from the committed offset it reports.
TEST_F(DocumentsE2eTest, KillNineMidUploadThenResume) {
  auto d = StartDaemon();
  auto stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document doc, CreateDocument(stub.get(), "kill-nine", "BALI/SOM/2024/9"));
  Content content(/*seed=*/9, 20 * kMiB);
  std::string sha256 = content.Sha256Hex();
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession session,
                           StartUpload(stub.get(), doc.name(), "en", content.size(), sha256));

  int64_t acknowledged = 0;
  {
    UploadStream stream(stub.get(), session.name());
    ASSERT_TRUE(stream.Send(content, 0, 10 * kMiB));
    // Some of it is stored (and reported) before the crash.
    RCP_ASSERT_OK_AND_ASSIGN(acknowledged, AwaitStored(stub.get(), session.name(), 4 * kMiB));
    ASSERT_THAT(d->Stop(SIGKILL), IsOk());
    EXPECT_FALSE(stream.Finish().ok());
  }

  d = StartDaemon();
  stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession after, GetSession(stub.get(), session.name()));
  EXPECT_EQ(after.state(), v1::UploadSession::ACTIVE);
  EXPECT_GE(after.committed_offset(), acknowledged) << "an acknowledged chunk was lost";
  EXPECT_LE(after.committed_offset(), 10 * kMiB);
  EXPECT_EQ(after.committed_offset() % kChunk, 0);
  std::printf("killed at %lld MiB reported, %lld MiB committed after restart\n",
              static_cast<long long>(acknowledged / kMiB), static_cast<long long>(after.committed_offset() / kMiB));

  // Nothing is visible before the commit.
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document pending, GetDocument(stub.get(), doc.name()));
  EXPECT_EQ(pending.languages_size(), 0);

  int attempts = 0;
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession sent, ResumeUpload(stub.get(), session.name(), content, &attempts));
  EXPECT_EQ(attempts, 1);  // nothing else was writing after the restart
  EXPECT_EQ(sent.committed_offset(), content.size());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ContentVersion version, Commit(stub.get(), session.name()));
  EXPECT_EQ(version.sha256(), sha256);
  EXPECT_EQ(version.size_bytes(), content.size());
  EXPECT_EQ(version.version(), 1);
  RCP_ASSERT_OK_AND_ASSIGN(Downloaded got, Download(stub.get(), doc.name(), "en"));
  EXPECT_EQ(got.bytes, content.size());
  EXPECT_EQ(got.sha256, sha256);

  // A stream the client breaks (TryCancel) resumes the same way.
  Content french(/*seed=*/10, 20 * kMiB);
  std::string french_sha = french.Sha256Hex();
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession fr,
                           StartUpload(stub.get(), doc.name(), "fr", french.size(), french_sha));
  {
    UploadStream stream(stub.get(), fr.name());
    ASSERT_TRUE(stream.Send(french, 0, 10 * kMiB));
    RCP_ASSERT_OK_AND_ASSIGN(acknowledged, AwaitStored(stub.get(), fr.name(), 4 * kMiB));
    stream.context().TryCancel();
    EXPECT_THAT(stream.Finish(), StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  }
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession broken, GetSession(stub.get(), fr.name()));
  EXPECT_GE(broken.committed_offset(), acknowledged);
  EXPECT_LE(broken.committed_offset(), 10 * kMiB);
  RCP_ASSERT_OK_AND_ASSIGN(sent, ResumeUpload(stub.get(), fr.name(), french, &attempts));
  std::printf("cancelled stream: resumed in %d stream(s)\n", attempts);
  RCP_ASSERT_OK_AND_ASSIGN(version, Commit(stub.get(), fr.name()));
  EXPECT_EQ(version.sha256(), french_sha);
  RCP_ASSERT_OK_AND_ASSIGN(got, Download(stub.get(), doc.name(), "fr"));
  EXPECT_EQ(got.sha256, french_sha);

  // Both survive a further crash.
  ASSERT_THAT(d->Stop(SIGKILL), IsOk());
  d = StartDaemon();
  stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(got, Download(stub.get(), doc.name(), "en"));
  EXPECT_EQ(got.sha256, sha256);
  RCP_ASSERT_OK_AND_ASSIGN(got, Download(stub.get(), doc.name(), "fr"));
  EXPECT_EQ(got.sha256, french_sha);
}

// 1 GiB up and down through the daemon, which holds about one chunk at a
// time: its resident set grows by less than 64 MiB.
TEST_F(DocumentsE2eTest, OneGibRoundTripKeepsDaemonMemoryBounded) {
  absl::Time t0 = absl::Now();
  auto d = StartDaemon();
  auto stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document doc, CreateDocument(stub.get(), "one-gib", "BALI/STAT/2024/1"));
  Content content(/*seed=*/1024, 1024 * kMiB);
  std::string sha256 = content.Sha256Hex();
  absl::Time hashed = absl::Now();

  int64_t baseline = ResidentBytes(d->pid());
  ASSERT_GT(baseline, 0);
  std::atomic<int64_t> peak{baseline};
  std::atomic<bool> stop{false};
  std::thread sampler([&] {
    while (!stop) {
      int64_t rss = ResidentBytes(d->pid());
      if (rss > peak) peak = rss;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  auto version = Upload(stub.get(), doc.name(), "en", content, sha256);
  absl::Time uploaded = absl::Now();
  int64_t peak_upload = peak;
  auto got = Download(stub.get(), doc.name(), "en");
  absl::Time downloaded = absl::Now();
  stop = true;
  sampler.join();

  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(version->size_bytes(), content.size());
  EXPECT_EQ(version->sha256(), sha256);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->bytes, content.size());
  EXPECT_EQ(got->sha256, sha256);
  EXPECT_EQ(got->messages, content.size() / kChunk);

  double up_s = absl::ToDoubleSeconds(uploaded - hashed);
  double down_s = absl::ToDoubleSeconds(downloaded - uploaded);
  std::printf("1 GiB: hash %.1f s, upload %.1f s (%.0f MB/s), download %.1f s (%.0f MB/s), total %.1f s\n",
              absl::ToDoubleSeconds(hashed - t0), up_s, content.size() / up_s / 1e6, down_s,
              content.size() / down_s / 1e6, absl::ToDoubleSeconds(downloaded - t0));
  std::printf("daemon RSS: %.1f MiB after start, peak %.1f MiB during upload, %.1f MiB overall (+%.1f MiB)\n",
              baseline / double(kMiB), peak_upload / double(kMiB), peak / double(kMiB),
              (peak - baseline) / double(kMiB));
  EXPECT_LT(peak - baseline, 64 * kMiB) << "the daemon's memory grew with the document";
}

TEST_F(DocumentsE2eTest, BadInputOverGrpc) {
  auto d = StartDaemon();
  auto stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document doc, CreateDocument(stub.get(), "bad-input", "BALI/SOM/2024/4"));
  Content content(/*seed=*/4, 3 * kMiB + 12345);
  std::string sha256 = content.Sha256Hex();

  // A wrong checksum fails the commit and leaves nothing visible.
  std::string wrong = Content(/*seed=*/5, content.size()).Sha256Hex();
  EXPECT_THAT(Upload(stub.get(), doc.name(), "en", content, wrong),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("declared_sha256")));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document after, GetDocument(stub.get(), doc.name()));
  EXPECT_EQ(after.languages_size(), 0);
  {
    v1::ListContentVersionsRequest req;
    req.set_document(doc.name());
    grpc::ClientContext ctx;
    v1::ListContentVersionsResponse resp;
    ASSERT_THAT(FromGrpcStatus(stub->ListContentVersions(&ctx, req, &resp)), IsOk());
    EXPECT_EQ(resp.versions_size(), 0);
  }
  EXPECT_THAT(Download(stub.get(), doc.name(), "en"), StatusIs(absl::StatusCode::kNotFound, ::testing::_));

  // A chunk at the wrong offset is refused, naming the offset to use.
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession session,
                           StartUpload(stub.get(), doc.name(), "en", content.size(), sha256));
  {
    UploadStream stream(stub.get(), session.name());
    ASSERT_TRUE(stream.Send(content, 0, kChunk));
    RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession sent, stream.Finish());
    EXPECT_EQ(sent.committed_offset(), kChunk);
  }
  {
    UploadStream skip(stub.get(), session.name());
    skip.Send(content, 2 * kChunk, 3 * kChunk);
    EXPECT_THAT(skip.Finish(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("offset: the session's committed offset is 1048576")));
  }
  // Committing early says where to continue; the session stays open.
  EXPECT_THAT(Commit(stub.get(), session.name()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("from offset 1048576")));
  RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession sent, ResumeUpload(stub.get(), session.name(), content));
  EXPECT_EQ(sent.committed_offset(), content.size());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ContentVersion version, Commit(stub.get(), session.name()));
  EXPECT_EQ(version.sha256(), sha256);
  // Data beyond the declared size is refused.
  {
    RCP_ASSERT_OK_AND_ASSIGN(v1::UploadSession small,
                             StartUpload(stub.get(), doc.name(), "de", 100, Content(4, 100).Sha256Hex()));
    UploadStream more(stub.get(), small.name());
    more.Send(Content(4, 200), 0, 200);
    EXPECT_THAT(more.Finish(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("declared_size")));
  }

  // A language that is not a BCP 47 tag.
  EXPECT_THAT(StartUpload(stub.get(), doc.name(), "english", content.size(), sha256),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("language")));

  // Ranges: a tail read works; past the end is OUT_OF_RANGE.
  RCP_ASSERT_OK_AND_ASSIGN(Downloaded tail, Download(stub.get(), doc.name(), "en", content.size() - 100));
  EXPECT_EQ(tail.bytes, 100);
  RCP_ASSERT_OK_AND_ASSIGN(Downloaded empty, Download(stub.get(), doc.name(), "en", content.size()));
  EXPECT_EQ(empty.bytes, 0);
  EXPECT_EQ(empty.version.sha256(), sha256);
  EXPECT_THAT(Download(stub.get(), doc.name(), "en", content.size() + 1),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("past the end")));
}

// Two languages of one document uploaded at the same time both commit.
TEST_F(DocumentsE2eTest, ConcurrentUploadsOfTwoLanguagesBothCommit) {
  auto d = StartDaemon();
  auto stub = NewStub(*d);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Document doc, CreateDocument(stub.get(), "two-languages", "BALI/SOM/2024/2"));
  struct Upload_ {
    std::string language;
    Content content;
    std::string sha256;
    absl::StatusOr<v1::ContentVersion> version;
  };
  std::vector<Upload_> uploads = {{"en", Content(21, 12 * kMiB + 1), "", absl::UnknownError("")},
                                  {"fr", Content(22, 9 * kMiB + 7), "", absl::UnknownError("")}};
  for (auto& u : uploads) u.sha256 = u.content.Sha256Hex();
  std::vector<std::thread> threads;
  for (auto& u : uploads) {
    threads.emplace_back([&stub, &doc, &u] {
      u.version = Upload(stub.get(), doc.name(), u.language, u.content, u.sha256);
    });
  }
  for (auto& t : threads) t.join();
  for (auto& u : uploads) {
    ASSERT_THAT(u.version, IsOk()) << u.language;
    EXPECT_EQ(u.version->language(), u.language);
    EXPECT_EQ(u.version->version(), 1);
    EXPECT_EQ(u.version->sha256(), u.sha256);
  }

  RCP_ASSERT_OK_AND_ASSIGN(v1::Document after, GetDocument(stub.get(), doc.name()));
  ASSERT_EQ(after.languages_size(), 2);
  EXPECT_EQ(after.languages(0).language(), "en");
  EXPECT_EQ(after.languages(1).language(), "fr");
  for (const auto& language : {"en", "fr"}) {
    v1::ListDocumentsRequest list;
    list.set_parent("processes/bali-process");
    list.set_language(language);
    grpc::ClientContext ctx;
    v1::ListDocumentsResponse listed;
    ASSERT_THAT(FromGrpcStatus(stub->ListDocuments(&ctx, list, &listed)), IsOk());
    ASSERT_EQ(listed.documents_size(), 1) << language;
    EXPECT_EQ(listed.documents(0).name(), doc.name());
  }
  for (auto& u : uploads) {
    RCP_ASSERT_OK_AND_ASSIGN(Downloaded got, Download(stub.get(), doc.name(), u.language));
    EXPECT_EQ(got.bytes, u.content.size());
    EXPECT_EQ(got.sha256, u.sha256);
  }
  // With two languages, a download must name one.
  EXPECT_THAT(Download(stub.get(), doc.name(), ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("language")));
}

}  // namespace
}  // namespace rcp
