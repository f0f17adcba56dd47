// rcp.documents.v1.Documents as the gateway serves it. Every method goes
// through the policy table (access/policy.cc): reads and downloads of
// documents the caller may see; creating, changing and uploading by the
// secretariat or chair of the document's process; upload sessions only by
// who started them. The transfers are proxied (transfers.h). Watch is
// internal.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_DOCUMENTS_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_DOCUMENTS_H_

#include "rcp/documents/v1/documents.grpc.pb.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway {

class PublicDocuments final : public rcp::documents::v1::Documents::CallbackService {
 public:
  explicit PublicDocuments(upstream::Deps deps)
      : f_(deps, rcp::documents::v1::Documents::service_full_name()) {}

  grpc::ServerUnaryReactor* CreateDocument(grpc::CallbackServerContext* context,
                                           const rcp::documents::v1::CreateDocumentRequest* request,
                                           rcp::documents::v1::Document* response) override;
  grpc::ServerUnaryReactor* GetDocument(grpc::CallbackServerContext* context,
                                        const rcp::documents::v1::GetDocumentRequest* request,
                                        rcp::documents::v1::Document* response) override;
  grpc::ServerUnaryReactor* ListDocuments(grpc::CallbackServerContext* context,
                                          const rcp::documents::v1::ListDocumentsRequest* request,
                                          rcp::documents::v1::ListDocumentsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDocument(grpc::CallbackServerContext* context,
                                           const rcp::documents::v1::UpdateDocumentRequest* request,
                                           rcp::documents::v1::Document* response) override;
  grpc::ServerUnaryReactor* ListContentVersions(
      grpc::CallbackServerContext* context, const rcp::documents::v1::ListContentVersionsRequest* request,
      rcp::documents::v1::ListContentVersionsResponse* response) override;
  grpc::ServerUnaryReactor* StartUpload(grpc::CallbackServerContext* context,
                                        const rcp::documents::v1::StartUploadRequest* request,
                                        rcp::documents::v1::UploadSession* response) override;
  grpc::ServerUnaryReactor* GetUploadSession(grpc::CallbackServerContext* context,
                                             const rcp::documents::v1::GetUploadSessionRequest* request,
                                             rcp::documents::v1::UploadSession* response) override;
  grpc::ServerUnaryReactor* CommitUpload(grpc::CallbackServerContext* context,
                                         const rcp::documents::v1::CommitUploadRequest* request,
                                         rcp::documents::v1::ContentVersion* response) override;
  grpc::ServerUnaryReactor* CancelUpload(grpc::CallbackServerContext* context,
                                         const rcp::documents::v1::CancelUploadRequest* request,
                                         rcp::documents::v1::UploadSession* response) override;

  grpc::ServerReadReactor<rcp::documents::v1::UploadChunk>* UploadChunks(
      grpc::CallbackServerContext* context, rcp::documents::v1::UploadSession* response) override;
  grpc::ServerWriteReactor<rcp::documents::v1::DownloadChunk>* Download(
      grpc::CallbackServerContext* context, const rcp::documents::v1::DownloadRequest* request) override;

 private:
  using Async = rcp::documents::v1::Documents::StubInterface::async_interface;
  Async* async() { return f_.deps().upstream->documents()->async(); }

  upstream::Forwarder f_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_DOCUMENTS_H_
