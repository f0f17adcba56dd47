// rcp.documents.v1.Documents as the gateway serves it (rules: policy.cc):
// reads and downloads of documents the caller may see; creating, changing
// and uploading by the secretariat or chair of the document's process;
// upload sessions only by who started them. Transfers are proxied one
// message at a time in each direction. Watch is internal.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_DOCUMENTS_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_DOCUMENTS_H_

#include "rcp/documents/v1/documents.grpc.pb.h"
#include "services/gateway/forward.h"

namespace rcp::gateway {

class PublicDocuments final : public rcp::documents::v1::Documents::CallbackService {
 public:
  explicit PublicDocuments(Deps deps) : f_(deps) {}

#define RCP_GATEWAY_METHOD(Method, Request, Response)                          \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,       \
                                   const rcp::documents::v1::Request* request, \
                                   rcp::documents::v1::Response* response) override;
  RCP_GATEWAY_METHOD(CreateDocument, CreateDocumentRequest, Document)
  RCP_GATEWAY_METHOD(GetDocument, GetDocumentRequest, Document)
  RCP_GATEWAY_METHOD(ListDocuments, ListDocumentsRequest, ListDocumentsResponse)
  RCP_GATEWAY_METHOD(UpdateDocument, UpdateDocumentRequest, Document)
  RCP_GATEWAY_METHOD(ListContentVersions, ListContentVersionsRequest, ListContentVersionsResponse)
  RCP_GATEWAY_METHOD(StartUpload, StartUploadRequest, UploadSession)
  RCP_GATEWAY_METHOD(GetUploadSession, GetUploadSessionRequest, UploadSession)
  RCP_GATEWAY_METHOD(CommitUpload, CommitUploadRequest, ContentVersion)
  RCP_GATEWAY_METHOD(CancelUpload, CancelUploadRequest, UploadSession)
#undef RCP_GATEWAY_METHOD

  grpc::ServerReadReactor<rcp::documents::v1::UploadChunk>* UploadChunks(
      grpc::CallbackServerContext* context, rcp::documents::v1::UploadSession* response) override;
  grpc::ServerWriteReactor<rcp::documents::v1::DownloadChunk>* Download(
      grpc::CallbackServerContext* context, const rcp::documents::v1::DownloadRequest* request) override;

  // The document when `p` may see it, else NOT_FOUND.
  absl::StatusOr<rcp::documents::v1::Document> Visible(const policy::Principal& p, const std::string& name,
                                                       const grpc::ServerContextBase* client);
  // The session when `p` started it (or is an admin), else NOT_FOUND.
  absl::StatusOr<rcp::documents::v1::UploadSession> OwnSession(const policy::Principal& p,
                                                               const std::string& name,
                                                               const grpc::ServerContextBase* client);
  Forwarder& forwarder() { return f_; }
  rcp::documents::v1::Documents::Stub* stub() { return f_.upstream()->documents(); }

 private:
  Forwarder f_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_DOCUMENTS_H_
