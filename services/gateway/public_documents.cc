#include "services/gateway/public_documents.h"

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace rcp::gateway {

namespace v1 = ::rcp::documents::v1;

namespace {
bool CanSee(const policy::Principal& p, const v1::Document& d) {
  return policy::CanSee(p, std::vector<std::string>{policy::ProcessOf(d.name())}, d.visibility(),
                        d.restricted_parties());
}
}  // namespace

absl::StatusOr<v1::Document> PublicDocuments::Visible(const policy::Principal& p, const std::string& name,
                                                      const grpc::ServerContextBase* client) {
  v1::GetDocumentRequest get;
  get.set_name(name);
  v1::Document d;
  RCP_RETURN_IF_ERROR(
      f_.Read(p, client, [&](grpc::ClientContext* c) { return stub()->GetDocument(c, get, &d); }));
  if (!CanSee(p, d)) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return d;
}

absl::StatusOr<v1::UploadSession> PublicDocuments::OwnSession(const policy::Principal& p,
                                                              const std::string& name,
                                                              const grpc::ServerContextBase* client) {
  v1::GetUploadSessionRequest get;
  get.set_name(name);
  v1::UploadSession s;
  RCP_RETURN_IF_ERROR(
      f_.Read(p, client, [&](grpc::ClientContext* c) { return stub()->GetUploadSession(c, get, &s); }));
  if (!policy::IsAdmin(p) && s.uploader() != p.api_key())
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  return s;
}

grpc::ServerUnaryReactor* PublicDocuments::CreateDocument(grpc::CallbackServerContext* context,
                                                          const v1::CreateDocumentRequest* request,
                                                          v1::Document* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [request](const policy::Principal& p) {
        return policy::CheckWriter(p, std::vector<std::string>{request->parent()}, "parent");
      },
      RCP_UPSTREAM_CALL(stub, CreateDocument));
}

grpc::ServerUnaryReactor* PublicDocuments::GetDocument(grpc::CallbackServerContext* context,
                                                       const v1::GetDocumentRequest* request,
                                                       v1::Document* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, GetDocument),
                      [request](const policy::Principal& p, v1::Document* d) -> absl::Status {
                        if (!CanSee(p, *d))
                          return absl::NotFoundError(absl::StrCat(request->name(), " not found"));
                        return absl::OkStatus();
                      });
}

grpc::ServerUnaryReactor* PublicDocuments::ListDocuments(grpc::CallbackServerContext* context,
                                                         const v1::ListDocumentsRequest* request,
                                                         v1::ListDocumentsResponse* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, ListDocuments),
                      [](const policy::Principal& p, v1::ListDocumentsResponse* resp) -> absl::Status {
                        // A page may come back shorter; its token stays valid (AIP-158).
                        auto* items = resp->mutable_documents();
                        items->erase(std::remove_if(items->begin(), items->end(),
                                                    [&](const v1::Document& d) { return !CanSee(p, d); }),
                                     items->end());
                        return absl::OkStatus();
                      });
}

grpc::ServerUnaryReactor* PublicDocuments::UpdateDocument(grpc::CallbackServerContext* context,
                                                          const v1::UpdateDocumentRequest* request,
                                                          v1::Document* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_ASSIGN_OR_RETURN(v1::Document d, Visible(p, request->document().name(), context));
    RCP_RETURN_IF_ERROR(
        policy::CheckWriter(p, std::vector<std::string>{policy::ProcessOf(d.name())}, "document.name"));
    return f_.Write(p, context,
                    [&](grpc::ClientContext* c) { return stub()->UpdateDocument(c, *request, response); });
  });
}

grpc::ServerUnaryReactor* PublicDocuments::ListContentVersions(grpc::CallbackServerContext* context,
                                                               const v1::ListContentVersionsRequest* request,
                                                               v1::ListContentVersionsResponse* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_RETURN_IF_ERROR(Visible(p, request->document(), context).status());
    return f_.Read(p, context, [&](grpc::ClientContext* c) {
      return stub()->ListContentVersions(c, *request, response);
    });
  });
}

grpc::ServerUnaryReactor* PublicDocuments::StartUpload(grpc::CallbackServerContext* context,
                                                       const v1::StartUploadRequest* request,
                                                       v1::UploadSession* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_ASSIGN_OR_RETURN(v1::Document d, Visible(p, request->document(), context));
    RCP_RETURN_IF_ERROR(
        policy::CheckWriter(p, std::vector<std::string>{policy::ProcessOf(d.name())}, "document"));
    return f_.Write(p, context,
                    [&](grpc::ClientContext* c) { return stub()->StartUpload(c, *request, response); });
  });
}

#define RCP_GATEWAY_SESSION_METHOD(Method, Request, Response, Call)                                       \
  grpc::ServerUnaryReactor* PublicDocuments::Method(grpc::CallbackServerContext* context,                 \
                                                    const v1::Request* request, v1::Response* response) { \
    return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {                            \
      RCP_RETURN_IF_ERROR(OwnSession(p, request->name(), context).status());                              \
      return f_.Call(p, context,                                                                          \
                     [&](grpc::ClientContext* c) { return stub()->Method(c, *request, response); });      \
    });                                                                                                   \
  }
RCP_GATEWAY_SESSION_METHOD(GetUploadSession, GetUploadSessionRequest, UploadSession, Read)
RCP_GATEWAY_SESSION_METHOD(CommitUpload, CommitUploadRequest, ContentVersion, Write)
RCP_GATEWAY_SESSION_METHOD(CancelUpload, CancelUploadRequest, UploadSession, Write)
#undef RCP_GATEWAY_SESSION_METHOD

namespace {

// Client → gateway → documents, one chunk at a time: a chunk is read from
// the client only after the previous one was written upstream.
class UploadProxy : public grpc::ServerReadReactor<v1::UploadChunk> {
 public:
  UploadProxy(PublicDocuments* service, grpc::CallbackServerContext* context, v1::UploadSession* response)
      : service_(service), context_(context), response_(response) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    service_->forwarder().deps().pool->Schedule([this, ok] { Step(ok); });
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (writer_) upstream_.TryCancel();
  }

  void OnDone() override { delete this; }

 private:
  void Step(bool ok) {
    if (!ok) {
      if (!writer_) return Finish(ToGrpcStatus(InvalidField("upload", "no chunk was sent")));
      writer_->WritesDone();
      return Finish(writer_->Finish());
    }
    if (!writer_) {
      auto principal = service_->forwarder().deps().auth->Authenticate(context_);
      if (!principal.ok()) return Finish(ToGrpcStatus(principal.status()));
      if (chunk_.upload().empty())
        return Finish(ToGrpcStatus(InvalidField("upload", "is required on the first chunk")));
      auto session = service_->OwnSession(**principal, chunk_.upload(), context_);
      if (!session.ok()) return Finish(ToGrpcStatus(session.status()));
      std::lock_guard<std::mutex> lock(mu_);
      service_->forwarder().upstream()->Prepare(&upstream_, (*principal)->api_key(), context_,
                                                /*streaming=*/true);
      writer_ = service_->stub()->UploadChunks(&upstream_, response_);
    }
    if (!writer_->Write(chunk_)) {
      // The service ended the stream (an error): pass its status on.
      return Finish(writer_->Finish());
    }
    StartRead(&chunk_);
  }

  PublicDocuments* service_;
  grpc::CallbackServerContext* context_;
  v1::UploadSession* response_;
  v1::UploadChunk chunk_;
  std::mutex mu_;
  grpc::ClientContext upstream_;
  std::unique_ptr<grpc::ClientWriter<v1::UploadChunk>> writer_;
};

// documents → gateway → client, one chunk at a time.
class DownloadProxy : public grpc::ServerWriteReactor<v1::DownloadChunk> {
 public:
  DownloadProxy(PublicDocuments* service, grpc::CallbackServerContext* context,
                const v1::DownloadRequest& request)
      : service_(service), context_(context), request_(request) {
    service_->forwarder().deps().pool->Schedule([this] { Open(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      upstream_.TryCancel();
      return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
    service_->forwarder().deps().pool->Schedule([this] { Next(); });
  }

  void OnDone() override { delete this; }

 private:
  void Open() {
    auto principal = service_->forwarder().deps().auth->Authenticate(context_);
    if (!principal.ok()) return Finish(ToGrpcStatus(principal.status()));
    auto doc = service_->Visible(**principal, request_.document(), context_);
    if (!doc.ok()) return Finish(ToGrpcStatus(doc.status()));
    service_->forwarder().upstream()->Prepare(&upstream_, (*principal)->api_key(), context_,
                                              /*streaming=*/true);
    reader_ = service_->stub()->Download(&upstream_, request_);
    Next();
  }
  void Next() {
    if (!reader_->Read(&message_)) return Finish(reader_->Finish());
    StartWrite(&message_);
  }

  PublicDocuments* service_;
  grpc::CallbackServerContext* context_;
  v1::DownloadRequest request_;
  grpc::ClientContext upstream_;
  std::unique_ptr<grpc::ClientReader<v1::DownloadChunk>> reader_;
  v1::DownloadChunk message_;
};

}  // namespace

grpc::ServerReadReactor<v1::UploadChunk>* PublicDocuments::UploadChunks(grpc::CallbackServerContext* context,
                                                                        v1::UploadSession* response) {
  return new UploadProxy(this, context, response);
}

grpc::ServerWriteReactor<v1::DownloadChunk>* PublicDocuments::Download(grpc::CallbackServerContext* context,
                                                                       const v1::DownloadRequest* request) {
  return new DownloadProxy(this, context, *request);
}

}  // namespace rcp::gateway
