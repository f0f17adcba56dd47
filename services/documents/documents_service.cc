#include "services/documents/documents_service.h"

#include <mutex>

#include "common/feed/watch_reactor.h"
#include "common/server/blocking.h"
#include "common/server/data_service.h"
#include "common/status/status.h"

namespace rcp::documents {
namespace {

// Reads chunks one at a time; each is stored (durably) on the pool before
// the next is read, so a fast client is held back by flow control, not by
// memory.
class UploadReactor : public grpc::ServerReadReactor<v1::UploadChunk> {
 public:
  UploadReactor(DocumentsStore* store, ThreadPool* pool, v1::UploadSession* response)
      : store_(store), pool_(pool), response_(response) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client finished sending: answer with the session as it stands.
      if (upload_.empty()) {
        return Finish(ToGrpcStatus(InvalidField("upload", "no chunk was sent")));
      }
      return pool_->Schedule([this] {
        v1::GetUploadSessionRequest get;
        get.set_name(upload_);
        Finish(ToGrpcStatus(server::FillResponse(store_->GetUploadSession(get), response_)));
      });
    }
    if (!chunk_.upload().empty()) {
      if (!upload_.empty() && chunk_.upload() != upload_) {
        return Finish(ToGrpcStatus(InvalidField("upload", "one stream uploads to one session")));
      }
      upload_ = chunk_.upload();
    }
    if (upload_.empty()) {
      return Finish(ToGrpcStatus(InvalidField("upload", "is required on the first chunk")));
    }
    pool_->Schedule([this] {
      auto session = store_->AppendChunk(upload_, chunk_.offset(), chunk_.data());
      if (!session.ok()) return Finish(ToGrpcStatus(session.status()));
      *response_ = *session;
      chunk_.Clear();
      StartRead(&chunk_);
    });
  }

  void OnDone() override { delete this; }

 private:
  DocumentsStore* store_;
  ThreadPool* pool_;
  v1::UploadSession* response_;
  v1::UploadChunk chunk_;
  std::string upload_;
};

// Writes one chunk at a time; the next is read from storage on the pool
// once the previous write completed.
class DownloadReactor : public grpc::ServerWriteReactor<v1::DownloadChunk> {
 public:
  DownloadReactor(DocumentsStore* store, ThreadPool* pool, const v1::DownloadRequest& request)
      : store_(store), pool_(pool), request_(request) {
    pool_->Schedule([this] {
      auto cursor = store_->OpenDownload(request_);
      if (!cursor.ok()) return Finish(ToGrpcStatus(cursor.status()));
      cursor_ = std::move(*cursor);
      *message_.mutable_version() = cursor_.version;
      SendNext();
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    if (done_) return Finish(grpc::Status::OK);
    pool_->Schedule([this] {
      message_.Clear();
      SendNext();
    });
  }

  void OnDone() override { delete this; }

 private:
  // On the pool.
  void SendNext() {
    message_.set_offset(cursor_.offset);
    auto data = store_->ReadChunk(&cursor_);
    if (!data.ok()) return Finish(ToGrpcStatus(data.status()));
    *message_.mutable_data() = std::move(*data);
    done_ = cursor_.offset >= cursor_.end;
    if (message_.data().empty() && !message_.has_version()) return Finish(grpc::Status::OK);
    StartWrite(&message_);
  }

  DocumentsStore* store_;
  ThreadPool* pool_;
  v1::DownloadRequest request_;
  DownloadCursor cursor_;
  v1::DownloadChunk message_;
  bool done_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* DocumentsService::CreateDocument(grpc::CallbackServerContext* context,
                                                           const v1::CreateDocumentRequest* request,
                                                           v1::Document* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->CreateDocument(server::WriteContextOf(context), *request), response);
  });
}

grpc::ServerUnaryReactor* DocumentsService::GetDocument(grpc::CallbackServerContext* context,
                                                        const v1::GetDocumentRequest* request,
                                                        v1::Document* response) {
  return server::RunBlocking(pool_, context,
                             [=] { return server::FillResponse(store_->GetDocument(*request), response); });
}

grpc::ServerUnaryReactor* DocumentsService::ListDocuments(grpc::CallbackServerContext* context,
                                                          const v1::ListDocumentsRequest* request,
                                                          v1::ListDocumentsResponse* response) {
  return server::RunBlocking(pool_, context,
                             [=] { return server::FillResponse(store_->ListDocuments(*request), response); });
}

grpc::ServerUnaryReactor* DocumentsService::UpdateDocument(grpc::CallbackServerContext* context,
                                                           const v1::UpdateDocumentRequest* request,
                                                           v1::Document* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->UpdateDocument(server::WriteContextOf(context), *request), response);
  });
}

grpc::ServerUnaryReactor* DocumentsService::ListContentVersions(grpc::CallbackServerContext* context,
                                                                const v1::ListContentVersionsRequest* request,
                                                                v1::ListContentVersionsResponse* response) {
  return server::RunBlocking(
      pool_, context, [=] { return server::FillResponse(store_->ListContentVersions(*request), response); });
}

grpc::ServerUnaryReactor* DocumentsService::StartUpload(grpc::CallbackServerContext* context,
                                                        const v1::StartUploadRequest* request,
                                                        v1::UploadSession* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->StartUpload(server::WriteContextOf(context), *request), response);
  });
}

grpc::ServerUnaryReactor* DocumentsService::GetUploadSession(grpc::CallbackServerContext* context,
                                                             const v1::GetUploadSessionRequest* request,
                                                             v1::UploadSession* response) {
  return server::RunBlocking(
      pool_, context, [=] { return server::FillResponse(store_->GetUploadSession(*request), response); });
}

grpc::ServerUnaryReactor* DocumentsService::CommitUpload(grpc::CallbackServerContext* context,
                                                         const v1::CommitUploadRequest* request,
                                                         v1::ContentVersion* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->CommitUpload(server::WriteContextOf(context), *request), response);
  });
}

grpc::ServerUnaryReactor* DocumentsService::CancelUpload(grpc::CallbackServerContext* context,
                                                         const v1::CancelUploadRequest* request,
                                                         v1::UploadSession* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->CancelUpload(server::WriteContextOf(context), *request), response);
  });
}

grpc::ServerReadReactor<v1::UploadChunk>* DocumentsService::UploadChunks(grpc::CallbackServerContext* context,
                                                                         v1::UploadSession* response) {
  return new UploadReactor(store_, pool_, response);
}

grpc::ServerWriteReactor<v1::DownloadChunk>* DocumentsService::Download(grpc::CallbackServerContext* context,
                                                                        const v1::DownloadRequest* request) {
  return new DownloadReactor(store_, pool_, *request);
}

grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* DocumentsService::Watch(
    grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) {
  return feed::StartWatch(store_->store(), *request);
}

}  // namespace rcp::documents
