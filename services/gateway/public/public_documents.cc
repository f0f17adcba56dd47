#include "services/gateway/public/public_documents.h"

#include "services/gateway/public/transfers.h"

namespace rcp::gateway {

namespace v1 = ::rcp::documents::v1;

grpc::ServerUnaryReactor* PublicDocuments::CreateDocument(grpc::CallbackServerContext* context,
                                                          const v1::CreateDocumentRequest* request,
                                                          v1::Document* response) {
  return f_.Unary("CreateDocument", context, request, response, async(), &Async::CreateDocument);
}

grpc::ServerUnaryReactor* PublicDocuments::GetDocument(grpc::CallbackServerContext* context,
                                                       const v1::GetDocumentRequest* request,
                                                       v1::Document* response) {
  return f_.Unary("GetDocument", context, request, response, async(), &Async::GetDocument);
}

grpc::ServerUnaryReactor* PublicDocuments::ListDocuments(grpc::CallbackServerContext* context,
                                                         const v1::ListDocumentsRequest* request,
                                                         v1::ListDocumentsResponse* response) {
  return f_.Unary("ListDocuments", context, request, response, async(), &Async::ListDocuments);
}

grpc::ServerUnaryReactor* PublicDocuments::UpdateDocument(grpc::CallbackServerContext* context,
                                                          const v1::UpdateDocumentRequest* request,
                                                          v1::Document* response) {
  return f_.Unary("UpdateDocument", context, request, response, async(), &Async::UpdateDocument);
}

grpc::ServerUnaryReactor* PublicDocuments::ListContentVersions(grpc::CallbackServerContext* context,
                                                               const v1::ListContentVersionsRequest* request,
                                                               v1::ListContentVersionsResponse* response) {
  return f_.Unary("ListContentVersions", context, request, response, async(), &Async::ListContentVersions);
}

grpc::ServerUnaryReactor* PublicDocuments::StartUpload(grpc::CallbackServerContext* context,
                                                       const v1::StartUploadRequest* request,
                                                       v1::UploadSession* response) {
  return f_.Unary("StartUpload", context, request, response, async(), &Async::StartUpload);
}

grpc::ServerUnaryReactor* PublicDocuments::GetUploadSession(grpc::CallbackServerContext* context,
                                                            const v1::GetUploadSessionRequest* request,
                                                            v1::UploadSession* response) {
  return f_.Unary("GetUploadSession", context, request, response, async(), &Async::GetUploadSession);
}

grpc::ServerUnaryReactor* PublicDocuments::CommitUpload(grpc::CallbackServerContext* context,
                                                        const v1::CommitUploadRequest* request,
                                                        v1::ContentVersion* response) {
  return f_.Unary("CommitUpload", context, request, response, async(), &Async::CommitUpload);
}

grpc::ServerUnaryReactor* PublicDocuments::CancelUpload(grpc::CallbackServerContext* context,
                                                        const v1::CancelUploadRequest* request,
                                                        v1::UploadSession* response) {
  return f_.Unary("CancelUpload", context, request, response, async(), &Async::CancelUpload);
}

grpc::ServerReadReactor<v1::UploadChunk>* PublicDocuments::UploadChunks(grpc::CallbackServerContext* context,
                                                                        v1::UploadSession* response) {
  return StartUploadProxy(&f_, context, response);
}

grpc::ServerWriteReactor<v1::DownloadChunk>* PublicDocuments::Download(grpc::CallbackServerContext* context,
                                                                       const v1::DownloadRequest* request) {
  return StartDownloadProxy(&f_, context, *request);
}

}  // namespace rcp::gateway
