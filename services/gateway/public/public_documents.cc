#include "services/gateway/public/public_documents.h"

#include "services/gateway/public/transfers.h"

namespace rcp::gateway {

namespace doc = ::rcp::documents::v1;

grpc::ServerUnaryReactor* PublicDocuments::CreateDocument(grpc::CallbackServerContext* context,
                                                          const doc::CreateDocumentRequest* request,
                                                          doc::Document* response) {
  return f_.Unary("CreateDocument", context, request, response, async(), &Async::CreateDocument);
}

grpc::ServerUnaryReactor* PublicDocuments::GetDocument(grpc::CallbackServerContext* context,
                                                       const doc::GetDocumentRequest* request,
                                                       doc::Document* response) {
  return f_.Unary("GetDocument", context, request, response, async(), &Async::GetDocument);
}

grpc::ServerUnaryReactor* PublicDocuments::ListDocuments(grpc::CallbackServerContext* context,
                                                         const doc::ListDocumentsRequest* request,
                                                         doc::ListDocumentsResponse* response) {
  return f_.Unary("ListDocuments", context, request, response, async(), &Async::ListDocuments);
}

grpc::ServerUnaryReactor* PublicDocuments::UpdateDocument(grpc::CallbackServerContext* context,
                                                          const doc::UpdateDocumentRequest* request,
                                                          doc::Document* response) {
  return f_.Unary("UpdateDocument", context, request, response, async(), &Async::UpdateDocument);
}

grpc::ServerUnaryReactor* PublicDocuments::ListContentVersions(grpc::CallbackServerContext* context,
                                                               const doc::ListContentVersionsRequest* request,
                                                               doc::ListContentVersionsResponse* response) {
  return f_.Unary("ListContentVersions", context, request, response, async(), &Async::ListContentVersions);
}

grpc::ServerUnaryReactor* PublicDocuments::StartUpload(grpc::CallbackServerContext* context,
                                                       const doc::StartUploadRequest* request,
                                                       doc::UploadSession* response) {
  return f_.Unary("StartUpload", context, request, response, async(), &Async::StartUpload);
}

grpc::ServerUnaryReactor* PublicDocuments::GetUploadSession(grpc::CallbackServerContext* context,
                                                            const doc::GetUploadSessionRequest* request,
                                                            doc::UploadSession* response) {
  return f_.Unary("GetUploadSession", context, request, response, async(), &Async::GetUploadSession);
}

grpc::ServerUnaryReactor* PublicDocuments::CommitUpload(grpc::CallbackServerContext* context,
                                                        const doc::CommitUploadRequest* request,
                                                        doc::ContentVersion* response) {
  return f_.Unary("CommitUpload", context, request, response, async(), &Async::CommitUpload);
}

grpc::ServerUnaryReactor* PublicDocuments::CancelUpload(grpc::CallbackServerContext* context,
                                                        const doc::CancelUploadRequest* request,
                                                        doc::UploadSession* response) {
  return f_.Unary("CancelUpload", context, request, response, async(), &Async::CancelUpload);
}

grpc::ServerReadReactor<doc::UploadChunk>* PublicDocuments::UploadChunks(grpc::CallbackServerContext* context,
                                                                        doc::UploadSession* response) {
  return StartUploadProxy(&f_, context, response);
}

grpc::ServerWriteReactor<doc::DownloadChunk>* PublicDocuments::Download(grpc::CallbackServerContext* context,
                                                                       const doc::DownloadRequest* request) {
  return StartDownloadProxy(&f_, context, *request);
}

}  // namespace rcp::gateway
