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

  grpc::ServerUnaryReactor* CreateDocument(grpc::CallbackServerContext* context,
                                           const v1::CreateDocumentRequest* request,
                                           v1::Document* response) override;
  grpc::ServerUnaryReactor* GetDocument(grpc::CallbackServerContext* context,
                                        const v1::GetDocumentRequest* request,
                                        v1::Document* response) override;
  grpc::ServerUnaryReactor* ListDocuments(grpc::CallbackServerContext* context,
                                          const v1::ListDocumentsRequest* request,
                                          v1::ListDocumentsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDocument(grpc::CallbackServerContext* context,
                                           const v1::UpdateDocumentRequest* request,
                                           v1::Document* response) override;
  grpc::ServerUnaryReactor* ListContentVersions(grpc::CallbackServerContext* context,
                                                const v1::ListContentVersionsRequest* request,
                                                v1::ListContentVersionsResponse* response) override;
  grpc::ServerUnaryReactor* StartUpload(grpc::CallbackServerContext* context,
                                        const v1::StartUploadRequest* request,
                                        v1::UploadSession* response) override;
  grpc::ServerUnaryReactor* GetUploadSession(grpc::CallbackServerContext* context,
                                             const v1::GetUploadSessionRequest* request,
                                             v1::UploadSession* response) override;
  grpc::ServerUnaryReactor* CommitUpload(grpc::CallbackServerContext* context,
                                         const v1::CommitUploadRequest* request,
                                         v1::ContentVersion* response) override;
  grpc::ServerUnaryReactor* CancelUpload(grpc::CallbackServerContext* context,
                                         const v1::CancelUploadRequest* request,
                                         v1::UploadSession* response) override;

  // Internal: mirrors' content, fetched by the gateway's federation.
  grpc::ServerUnaryReactor* ListContentFetches(grpc::CallbackServerContext* context,
                                               const v1::ListContentFetchesRequest* request,
                                               v1::ListContentFetchesResponse* response) override;
  grpc::ServerUnaryReactor* WriteFetchedContent(grpc::CallbackServerContext* context,
                                                const v1::WriteFetchedContentRequest* request,
                                                v1::ContentFetch* response) override;

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
