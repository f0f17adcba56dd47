// rcpctl's resumable, verified transfers against the real documents service
// (in process, over a loopback channel, store in a temporary directory).
#include "tools/rcpctl/transfer.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/server/server.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "services/documents/documents_service.h"
#include "tools/rcpctl/client.h"
#include "tools/rcpctl/commands/doc.h"

namespace rcp::rcpctl {
namespace {

namespace fs = std::filesystem;
namespace dv1 = ::rcp::documents::v1;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;

constexpr int64_t kMiB = int64_t{1} << 20;

std::string Describe(const grpc::Status& s) { return FormatError(s); }

std::string Content(int64_t size, int seed) {
  std::string data(static_cast<size_t>(size), '\0');
  uint32_t x = 2463534242u + static_cast<uint32_t>(seed);
  for (auto& c : data) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return data;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

class RcpctlTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    documents::DocumentsOptions o;
    o.store.path = dir_.Sub("metadata");
    o.content_dir = dir_.Sub("content");
    auto store = documents::DocumentsStore::Open(o);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    service_ = std::make_unique<documents::DocumentsService>(store_.get(), &pool_);
    server::ServerOptions so;
    so.service_name = "rcpctl-transfer-test";
    server_ = std::make_unique<server::Server>(so);
    server_->AddService(service_.get());
    ASSERT_THAT(server_->Start(), IsOk());

    ConnectionOptions connection;
    connection.address = "127.0.0.1:" + std::to_string(server_->port());
    connection.key = "rcp_test_secret";  // sent, ignored by the bare service
    ASSERT_TRUE(Client::Connect(connection, &client_).ok());

    // The document, created the way `rcpctl doc create` does.
    std::ostringstream out, err;
    Output output{&out, &err, /*json=*/false, /*progress=*/false};
    DocCreateOptions create;
    create.process = "midsa";
    create.id = "labour-migration-plan";
    create.symbol = "MIDSA/2026/1";
    create.title = "Labour migration plan of action";
    create.kind = "plan-of-action";
    grpc::Status s = DocCreate(*client_, output, create);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_THAT(out.str(), HasSubstr("processes/midsa/documents/labour-migration-plan"));
  }
  void TearDown() override { server_->Shutdown(); }

  UploadOptions Upload(const std::string& file, const std::string& language = "en") {
    UploadOptions u;
    u.document = document_;
    u.language = language;
    u.path = file;
    u.state_dir = dir_.Sub("state");
    u.retry.initial_backoff = std::chrono::milliseconds(10);
    u.notice = [this](const std::string& m) { notices_ += m + "\n"; };
    return u;
  }
  DownloadOptions Download(const std::string& file) {
    DownloadOptions d;
    d.document = document_;
    d.language = "en";
    d.output_path = file;
    d.retry.initial_backoff = std::chrono::milliseconds(10);
    d.notice = [this](const std::string& m) { notices_ += m + "\n"; };
    return d;
  }
  std::vector<std::string> StateFiles() {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.Sub("state") + "/uploads", ec))
      files.push_back(e.path());
    return files;
  }
  dv1::UploadSession Session(const std::string& name) {
    grpc::ClientContext ctx;
    dv1::GetUploadSessionRequest req;
    req.set_name(name);
    dv1::UploadSession session;
    grpc::Status s = client_->documents().GetUploadSession(&ctx, req, &session);
    EXPECT_TRUE(s.ok()) << Describe(s);
    return session;
  }
  // The session named by the (only) state file.
  std::string SavedSession() {
    auto files = StateFiles();
    if (files.size() != 1) return "";
    std::string content = io::ReadFile(files[0]).value();
    auto start = content.find("session=");
    return content.substr(start + 8, content.find('\n', start) - start - 8);
  }
  // Uploads `data` in one go; returns the content version.
  dv1::ContentVersion Put(const std::string& data) {
    std::string file = dir_.Sub("put.bin");
    WriteFile(file, data);
    UploadResult result;
    grpc::Status s = rcpctl::Upload(*client_, Upload(file), &result);
    EXPECT_TRUE(s.ok()) << Describe(s);
    return result.version;
  }

  rcp::testing::TempDir dir_;
  ThreadPool pool_{4};
  std::unique_ptr<documents::DocumentsStore> store_;
  std::unique_ptr<documents::DocumentsService> service_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Client> client_;
  std::string document_ = "processes/midsa/documents/labour-migration-plan";
  std::string notices_;
};

TEST_F(RcpctlTransferTest, UploadResumesFromTheCommittedOffsetAfterAnInterruption) {
  const std::string data = Content(5 * kMiB + 12345, 1);
  const std::string file = dir_.Sub("plan-en.pdf");
  WriteFile(file, data);

  // First run: killed once 3 MiB are stored (the hook waits until the
  // server has them, so the test does not depend on timing).
  UploadOptions first = Upload(file);
  first.before_chunk = [&](int64_t offset) {
    if (offset < 3 * kMiB) return Interrupt::kNone;
    std::string session = SavedSession();
    for (int i = 0; i < 500 && Session(session).committed_offset() < 3 * kMiB; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Interrupt::kAbort;
  };
  UploadResult result;
  grpc::Status s = rcpctl::Upload(*client_, first, &result);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::CANCELLED) << Describe(s);
  ASSERT_EQ(StateFiles().size(), 1u) << "the session is remembered for the rerun";
  const std::string session = SavedSession();
  EXPECT_EQ(session, result.session);
  EXPECT_EQ(Session(session).committed_offset(), 3 * kMiB);
  EXPECT_EQ(Session(session).media_type(), "application/pdf");

  // Rerun: continues from 3 MiB, sending only the rest.
  UploadOptions again = Upload(file);
  int64_t first_offset = -1;
  int chunks = 0;
  again.before_chunk = [&](int64_t offset) {
    if (first_offset < 0) first_offset = offset;
    ++chunks;
    return Interrupt::kNone;
  };
  s = rcpctl::Upload(*client_, again, &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(result.session, session);
  EXPECT_EQ(result.resumed_from, 3 * kMiB);
  EXPECT_EQ(first_offset, 3 * kMiB);
  EXPECT_EQ(chunks, 3);  // 1 MiB, 1 MiB, 12345 bytes
  EXPECT_EQ(result.version.sha256(), crypto::Sha256Hex(data));
  EXPECT_EQ(result.version.size_bytes(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(result.version.version(), 1);
  EXPECT_THAT(notices_, HasSubstr("resuming " + session + " at byte 3145728"));
  EXPECT_TRUE(StateFiles().empty()) << "the state file is removed after the commit";

  // What is stored is the file, byte for byte.
  std::ostringstream back;
  DownloadOptions d = Download("");
  d.out = &back;
  DownloadResult got;
  s = rcpctl::Download(*client_, d, &got);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_TRUE(back.str() == data);
}

TEST_F(RcpctlTransferTest, AFileChangedDuringTheUploadIsRefusedAtCommitAndStartsOverNextTime) {
  const std::string data = Content(3 * kMiB, 4);
  const std::string file = dir_.Sub("changing.pdf");
  WriteFile(file, data);
  UploadOptions u = Upload(file);
  u.before_chunk = [&](int64_t offset) {
    // Someone saves over the file after its digest was taken.
    if (offset == kMiB) WriteFile(file, Content(3 * kMiB, 5));
    return Interrupt::kNone;
  };
  UploadResult result;
  grpc::Status s = rcpctl::Upload(*client_, u, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("declared_sha256"));
  EXPECT_TRUE(StateFiles().empty()) << "a session holding the wrong bytes is not resumed";
  // The next run uploads the file as it now is.
  s = rcpctl::Upload(*client_, Upload(file), &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(result.version.sha256(), crypto::Sha256Hex(Content(3 * kMiB, 5)));
}

TEST_F(RcpctlTransferTest, UploadRetriesABrokenStreamFromTheCommittedOffset) {
  const std::string data = Content(4 * kMiB + 1, 2);
  const std::string file = dir_.Sub("plan.docx");
  WriteFile(file, data);
  UploadOptions u = Upload(file, "fr");
  bool broken = false;
  std::map<int64_t, int> sent;  // chunk offset → times sent
  u.before_chunk = [&](int64_t offset) {
    if (offset == 2 * kMiB && !broken) {
      // Break once the server has what was sent (no chunk in flight, so
      // the test does not depend on timing).
      std::string session = SavedSession();
      for (int i = 0; i < 500 && Session(session).committed_offset() < 2 * kMiB; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      broken = true;
      return Interrupt::kBreakStream;
    }
    ++sent[offset];
    return Interrupt::kNone;
  };
  UploadResult result;
  grpc::Status s = rcpctl::Upload(*client_, u, &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_TRUE(broken);
  EXPECT_EQ(result.streams, 2);
  EXPECT_EQ(sent, (std::map<int64_t, int>{{0, 1}, {kMiB, 1}, {2 * kMiB, 1}, {3 * kMiB, 1}, {4 * kMiB, 1}}))
      << "the retry continues from the committed offset; nothing is sent twice";
  EXPECT_EQ(result.version.sha256(), crypto::Sha256Hex(data));
  EXPECT_EQ(result.version.language(), "fr");
  EXPECT_EQ(result.version.media_type(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_THAT(notices_, HasSubstr("retrying in"));
  EXPECT_TRUE(StateFiles().empty());
}

TEST_F(RcpctlTransferTest, UploadStartsOverWhenTheSessionIsGone) {
  const std::string data = Content(2 * kMiB + 7, 3);
  const std::string file = dir_.Sub("report.pdf");
  WriteFile(file, data);
  UploadOptions first = Upload(file);
  first.before_chunk = [](int64_t offset) { return offset >= kMiB ? Interrupt::kAbort : Interrupt::kNone; };
  UploadResult result;
  ASSERT_EQ(rcpctl::Upload(*client_, first, &result).error_code(), grpc::StatusCode::CANCELLED);
  const std::string old_session = SavedSession();
  ASSERT_FALSE(old_session.empty());
  {
    grpc::ClientContext ctx;
    dv1::CancelUploadRequest cancel;
    cancel.set_name(old_session);
    dv1::UploadSession cancelled;
    ASSERT_TRUE(client_->documents().CancelUpload(&ctx, cancel, &cancelled).ok());
  }
  grpc::Status s = rcpctl::Upload(*client_, Upload(file), &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_NE(result.session, old_session);
  EXPECT_EQ(result.resumed_from, 0);
  EXPECT_EQ(result.version.sha256(), crypto::Sha256Hex(data));
  EXPECT_THAT(notices_, HasSubstr("starting over"));
}

TEST_F(RcpctlTransferTest, UploadOfAMissingFileIsNotFound) {
  UploadResult result;
  grpc::Status s = rcpctl::Upload(*client_, Upload(dir_.Sub("nope.pdf")), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ExitCodeFor(s), kExitNotFound);
}

TEST_F(RcpctlTransferTest, DownloadVerifiesTheChecksum) {
  const std::string data = Content(3 * kMiB + 99, 4);
  dv1::ContentVersion version = Put(data);
  const std::string out = dir_.Sub("out.pdf");
  DownloadResult result;
  grpc::Status s = rcpctl::Download(*client_, Download(out), &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_TRUE(io::ReadFile(out).value() == data);
  EXPECT_EQ(result.version.sha256(), version.sha256());
  EXPECT_EQ(result.bytes_received, static_cast<int64_t>(data.size()));
  EXPECT_EQ(result.resumed_from, 0);
}

TEST_F(RcpctlTransferTest, DownloadResumesAPartialFile) {
  const std::string data = Content(5 * kMiB + 3, 5);
  Put(data);
  const std::string out = dir_.Sub("partial.pdf");

  DownloadOptions first = Download(out);
  first.before_chunk = [](int64_t offset) {
    return offset >= 2 * kMiB ? Interrupt::kAbort : Interrupt::kNone;
  };
  DownloadResult result;
  grpc::Status s = rcpctl::Download(*client_, first, &result);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::CANCELLED) << Describe(s);
  ASSERT_EQ(fs::file_size(out), static_cast<uintmax_t>(2 * kMiB)) << "the partial file is kept";
  EXPECT_THAT(notices_, HasSubstr("--resume"));

  DownloadOptions again = Download(out);
  again.resume = true;
  s = rcpctl::Download(*client_, again, &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(result.resumed_from, 2 * kMiB);
  EXPECT_EQ(result.bytes_received, static_cast<int64_t>(data.size()) - 2 * kMiB);
  EXPECT_TRUE(io::ReadFile(out).value() == data);

  // Resuming a complete file transfers nothing and verifies it again.
  s = rcpctl::Download(*client_, again, &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(result.bytes_received, 0);
}

TEST_F(RcpctlTransferTest, DownloadRetriesABrokenStream) {
  const std::string data = Content(3 * kMiB, 6);
  Put(data);
  const std::string out = dir_.Sub("retried.pdf");
  DownloadOptions d = Download(out);
  bool broken = false;
  d.before_chunk = [&](int64_t offset) {
    if (offset == kMiB && !broken) {
      broken = true;
      return Interrupt::kBreakStream;
    }
    return Interrupt::kNone;
  };
  DownloadResult result;
  grpc::Status s = rcpctl::Download(*client_, d, &result);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(result.streams, 2);
  EXPECT_TRUE(io::ReadFile(out).value() == data);
}

TEST_F(RcpctlTransferTest, ChecksumMismatchDeletesThePartialFileAndIsDataLoss) {
  const std::string data = Content(3 * kMiB + 5, 7);
  Put(data);
  const std::string out = dir_.Sub("corrupt.pdf");
  std::string partial = data.substr(0, 2 * kMiB);
  partial[12345] ^= 0x01;  // one flipped bit in what is "already downloaded"
  WriteFile(out, partial);
  DownloadOptions d = Download(out);
  d.resume = true;
  DownloadResult result;
  grpc::Status s = rcpctl::Download(*client_, d, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("SHA-256 mismatch"));
  EXPECT_EQ(ExitCodeFor(s), kExitDataLoss);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(RcpctlTransferTest, DownloadErrorsMapToExitCodes) {
  const std::string out = dir_.Sub("none.pdf");
  DownloadOptions d = Download(out);
  d.document = "processes/midsa/documents/no-such-document";
  DownloadResult result;
  grpc::Status s = rcpctl::Download(*client_, d, &result);
  EXPECT_EQ(ExitCodeFor(s), kExitNotFound) << Describe(s);
  EXPECT_FALSE(fs::exists(out)) << "no empty file is left behind";

  // A document without content yet: FAILED_PRECONDITION → 5.
  d = Download(out);
  d.language.clear();
  s = rcpctl::Download(*client_, d, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  EXPECT_EQ(ExitCodeFor(s), kExitInvalid);

  // Resuming a "partial" file longer than the content: OUT_OF_RANGE → 5.
  Put("short content");
  WriteFile(out, "a partial file longer than the content");
  d = Download(out);
  d.resume = true;
  s = rcpctl::Download(*client_, d, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE) << Describe(s);
  EXPECT_EQ(ExitCodeFor(s), kExitInvalid);

  // A server that is gone: UNAVAILABLE → 6 (after the retries).
  server_->Shutdown();
  d = Download(out);
  d.retry.max_attempts = 2;
  s = rcpctl::Download(*client_, d, &result);
  EXPECT_EQ(ExitCodeFor(s), kExitUnavailable) << Describe(s);
}

TEST_F(RcpctlTransferTest, CommandsUploadAndDownloadPrintTheVersion) {
  const std::string data = Content(kMiB + 1, 8);
  const std::string file = dir_.Sub("statistics.csv");
  WriteFile(file, data);
  std::ostringstream out, err;
  Output output{&out, &err, /*json=*/true, /*progress=*/false};
  DocUploadOptions up;
  up.document = "midsa/documents/labour-migration-plan";  // short form
  up.file = file;
  up.language = "pt";
  up.state_dir = dir_.Sub("state");
  grpc::Status s = DocUpload(*client_, output, up);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(out.str(), HasSubstr("\"sha256\": \"" + crypto::Sha256Hex(data) + "\""));
  EXPECT_THAT(out.str(), HasSubstr("\"mediaType\": \"text/csv\""));

  std::ostringstream content;
  Output raw{&content, &err, /*json=*/false, /*progress=*/false};
  DocDownloadOptions down;
  down.document = "processes/midsa/documents/labour-migration-plan";
  down.language = "pt";
  s = DocDownload(*client_, raw, down);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_TRUE(content.str() == data) << "to stdout: the content and nothing else";

  std::ostringstream shown;
  Output human{&shown, &err, /*json=*/false, /*progress=*/false};
  s = DocShow(*client_, human, "midsa/documents/labour-migration-plan");
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(shown.str(), HasSubstr("Symbol:"));
  EXPECT_THAT(shown.str(), HasSubstr("MIDSA/2026/1"));
  EXPECT_THAT(shown.str(), HasSubstr("LANGUAGE"));
  EXPECT_THAT(shown.str(), HasSubstr(crypto::Sha256Hex(data)));
}

}  // namespace
}  // namespace rcp::rcpctl
