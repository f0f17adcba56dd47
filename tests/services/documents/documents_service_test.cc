// rcp.documents.v1.Documents over a real loopback channel: the streaming
// transfers and their errors as a client sees them.
#include "services/documents/documents_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/audience/audience.h"
#include "common/crypto/crypto.h"
#include "common/server/server.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::documents {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

class DocumentsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DocumentsOptions o;
    o.store.path = dir_.Sub("metadata");
    o.content_dir = dir_.Sub("content");
    auto s = DocumentsStore::Open(o);
    ASSERT_THAT(s, IsOk());
    store_ = std::move(*s);
    service_ = std::make_unique<DocumentsService>(store_.get(), &pool_);
    server::ServerOptions so;
    so.service_name = "documents-test";
    server_ = std::make_unique<server::Server>(so);
    server_->AddService(service_.get());
    ASSERT_THAT(server_->Start(), IsOk());
    stub_ = v1::Documents::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                                       grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    v1::CreateDocumentRequest req;
    req.set_parent("processes/midsa");
    req.set_document_id("labour-migration-plan");
    req.mutable_document()->set_symbol("MIDSA/2026/1");
    req.mutable_document()->set_title("Labour migration plan of action");
    req.mutable_document()->set_kind(v1::PLAN_OF_ACTION);
    req.mutable_document()->set_visibility(rcp::common::v1::MEMBERS);
    ASSERT_THAT(FromGrpcStatus(stub_->CreateDocument(&ctx, req, &doc_)), IsOk());
  }
  void TearDown() override { server_->Shutdown(); }

  v1::UploadSession Start(const std::string& data, const std::string& language = "pt") {
    grpc::ClientContext ctx;
    v1::StartUploadRequest req;
    req.set_document(doc_.name());
    req.set_language(language);
    req.set_media_type("application/pdf");
    req.set_declared_size(static_cast<int64_t>(data.size()));
    req.set_declared_sha256(crypto::Sha256Hex(data));
    v1::UploadSession session;
    EXPECT_THAT(FromGrpcStatus(stub_->StartUpload(&ctx, req, &session)), IsOk());
    return session;
  }
  // Streams data[from, to) in chunks; returns the stream's status and the
  // session it reported.
  absl::Status Stream(const v1::UploadSession& session, const std::string& data, int64_t from, int64_t to,
                      v1::UploadSession* out, int64_t chunk = 100'000) {
    grpc::ClientContext ctx;
    auto writer = stub_->UploadChunks(&ctx, out);
    for (int64_t off = from; off < to; off += chunk) {
      v1::UploadChunk c;
      if (off == from) c.set_upload(session.name());
      c.set_offset(off);
      c.set_data(data.substr(off, std::min(chunk, to - off)));
      if (!writer->Write(c)) break;
    }
    writer->WritesDone();
    return FromGrpcStatus(writer->Finish());
  }
  absl::StatusOr<std::string> Download(const std::string& language, int64_t offset,
                                       v1::ContentVersion* version) {
    grpc::ClientContext ctx;
    v1::DownloadRequest req;
    req.set_document(doc_.name());
    req.set_language(language);
    req.set_offset(offset);
    auto reader = stub_->Download(&ctx, req);
    std::string out;
    v1::DownloadChunk chunk;
    bool first = true;
    while (reader->Read(&chunk)) {
      if (first && version) *version = chunk.version();
      first = false;
      out += chunk.data();
    }
    RCP_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
    return out;
  }

  rcp::testing::TempDir dir_;
  ThreadPool pool_{8};
  std::unique_ptr<DocumentsStore> store_;
  std::unique_ptr<DocumentsService> service_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::Documents::Stub> stub_;
  v1::Document doc_;
};

TEST_F(DocumentsServiceTest, StreamedUploadInTwoStreamsThenDownloadFromAnOffset) {
  std::string data(3'000'000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  v1::UploadSession session = Start(data);
  v1::UploadSession after;
  // The first stream stops part-way, as a broken connection would.
  ASSERT_THAT(Stream(session, data, 0, 1'300'000, &after), IsOk());
  EXPECT_EQ(after.committed_offset(), 1'300'000);
  grpc::ClientContext gctx;
  v1::GetUploadSessionRequest get;
  get.set_name(session.name());
  v1::UploadSession status;
  ASSERT_THAT(FromGrpcStatus(stub_->GetUploadSession(&gctx, get, &status)), IsOk());
  ASSERT_THAT(Stream(session, data, status.committed_offset(), 3'000'000, &after), IsOk());
  grpc::ClientContext cctx;
  v1::CommitUploadRequest commit;
  commit.set_name(session.name());
  v1::ContentVersion version;
  ASSERT_THAT(FromGrpcStatus(stub_->CommitUpload(&cctx, commit, &version)), IsOk());
  EXPECT_EQ(version.sha256(), crypto::Sha256Hex(data));

  v1::ContentVersion first;
  auto all = Download("pt", 0, &first);
  ASSERT_THAT(all, IsOk());
  EXPECT_TRUE(*all == data);
  EXPECT_EQ(first.size_bytes(), 3'000'000);
  EXPECT_EQ(first.sha256(), version.sha256());
  EXPECT_EQ(first.media_type(), "application/pdf");
  auto tail = Download("pt", 2'500'001, nullptr);
  ASSERT_THAT(tail, IsOk());
  EXPECT_TRUE(*tail == data.substr(2'500'001));
}

TEST_F(DocumentsServiceTest, StreamErrorsNameTheField) {
  std::string data(1000, 'x');
  v1::UploadSession session = Start(data);
  v1::UploadSession out;
  EXPECT_THAT(Stream(session, data, 10, 1000, &out),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("offset")));
  grpc::ClientContext ctx;
  auto writer = stub_->UploadChunks(&ctx, &out);
  v1::UploadChunk nameless;
  nameless.set_data("abc");
  writer->Write(nameless);
  writer->WritesDone();
  EXPECT_THAT(FromGrpcStatus(writer->Finish()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("upload")));
  EXPECT_THAT(Download("pt", 0, nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no pt version")));
  EXPECT_THAT(Download("", 0, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no content")));
}

// The adapter reads the caller's viewer from x-rcp-viewer-bin: the MEMBERS
// document of the fixture is not listed for an observer; a viewer that
// does not parse is INVALID_ARGUMENT.
TEST_F(DocumentsServiceTest, ListDocumentsIsFilteredForTheViewerTheCallCarries) {
  auto list = [&](const std::string* viewer) -> absl::StatusOr<v1::ListDocumentsResponse> {
    grpc::ClientContext ctx;
    if (viewer != nullptr) ctx.AddMetadata(audience::kViewerHeader, *viewer);
    v1::ListDocumentsResponse resp;
    RCP_RETURN_IF_ERROR(FromGrpcStatus(stub_->ListDocuments(&ctx, {}, &resp)));
    return resp;
  };
  audience::Viewer observer;
  observer.set_party("parties/unhcr");
  auto* rights = observer.add_rights();
  rights->set_process("processes/midsa");
  rights->add_roles(registry::v1::OBSERVER);
  audience::Viewer member = observer;
  member.set_party("parties/ZAF");
  member.mutable_rights(0)->set_roles(0, registry::v1::MEMBER);
  std::string as_observer = observer.SerializeAsString();
  std::string as_member = member.SerializeAsString();
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListDocumentsResponse seen_by_observer, list(&as_observer));
  EXPECT_EQ(seen_by_observer.documents_size(), 0);
  EXPECT_TRUE(seen_by_observer.next_page_token().empty());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListDocumentsResponse seen_by_member, list(&as_member));
  ASSERT_EQ(seen_by_member.documents_size(), 1);
  EXPECT_EQ(seen_by_member.documents(0).name(), doc_.name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListDocumentsResponse internal, list(nullptr));
  EXPECT_EQ(internal.documents_size(), 1);
  std::string garbage("\xff\xff\xff\xff", 4);
  EXPECT_THAT(list(&garbage), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(audience::kViewerHeader)));
}

}  // namespace
}  // namespace rcp::documents
