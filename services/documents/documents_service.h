// rcp.documents.v1.Documents over gRPC's callback API. Unary methods run the
// DocumentsStore call on the service's pool; uploads read one chunk at a
// time and downloads write one chunk at a time, doing their storage work on
// the pool, so memory per transfer is one chunk and no gRPC thread blocks.
// ListDocuments is filtered for the viewer the call carries
// (audience::kViewerHeader).
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_SERVICE_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_SERVICE_H_

#include "common/concurrency/thread_pool.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "services/documents/documents_store.h"

namespace rcp::documents {

class DocumentsService final : public v1::Documents::CallbackService {
 public:
  // Neither is owned; both must outlive the service.
  DocumentsService(DocumentsStore* store, ThreadPool* pool) : store_(store), pool_(pool) {}

#define RCP_DOCUMENTS_METHOD(Method, Request, Response)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, const Request* request, \
                                   Response* response) override;
  RCP_DOCUMENTS_METHOD(CreateDocument, v1::CreateDocumentRequest, v1::Document)
  RCP_DOCUMENTS_METHOD(GetDocument, v1::GetDocumentRequest, v1::Document)
  RCP_DOCUMENTS_METHOD(ListDocuments, v1::ListDocumentsRequest, v1::ListDocumentsResponse)
  RCP_DOCUMENTS_METHOD(UpdateDocument, v1::UpdateDocumentRequest, v1::Document)
  RCP_DOCUMENTS_METHOD(ListContentVersions, v1::ListContentVersionsRequest, v1::ListContentVersionsResponse)
  RCP_DOCUMENTS_METHOD(StartUpload, v1::StartUploadRequest, v1::UploadSession)
  RCP_DOCUMENTS_METHOD(GetUploadSession, v1::GetUploadSessionRequest, v1::UploadSession)
  RCP_DOCUMENTS_METHOD(CommitUpload, v1::CommitUploadRequest, v1::ContentVersion)
  RCP_DOCUMENTS_METHOD(CancelUpload, v1::CancelUploadRequest, v1::UploadSession)
#undef RCP_DOCUMENTS_METHOD

  grpc::ServerReadReactor<v1::UploadChunk>* UploadChunks(grpc::CallbackServerContext* context,
                                                         v1::UploadSession* response) override;
  grpc::ServerWriteReactor<v1::DownloadChunk>* Download(grpc::CallbackServerContext* context,
                                                        const v1::DownloadRequest* request) override;
  grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) override;

 private:
  DocumentsStore* store_;
  ThreadPool* pool_;
};

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_SERVICE_H_
