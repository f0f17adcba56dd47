#include "services/documents/documents_service.h"

#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/feed/watch_reactor.h"
#include "common/server/blocking.h"
#include "common/server/data_service.h"
#include "common/status/status.h"

namespace rcp::documents {
namespace {

// Receives into two messages: while the pool stores one chunk, gRPC reads
// the next into the other. With both full, reading waits, so a fast client
// is held back by flow control, not by memory. State changes happen under
// mu_; gRPC and the pool are called outside it.
class UploadReactor : public grpc::ServerReadReactor<v1::UploadChunk> {
 public:
  UploadReactor(DocumentsStore* store, ThreadPool* pool, v1::UploadSession* response)
      : store_(store), pool_(pool), response_(response) {
    reading_ = 0;
    StartRead(&slots_[0]);
  }

  void OnReadDone(bool ok) override {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      int slot = std::exchange(reading_, -1);
      if (finished_) return;
      if (!ok) {
        ended_ = true;  // the client finished sending (or went away)
        if (upload_.empty()) step.finish = ToGrpcStatus(InvalidField("upload", "no chunk was sent"));
      } else if (absl::Status bad = CheckUpload(slots_[slot]); !bad.ok()) {
        error_ = ToGrpcStatus(bad);
      } else if (storing_ >= 0) {
        waiting_ = slot;
      } else {
        step = StoreLocked(slot);
      }
      if (storing_ < 0 && !step.finish.has_value() && step.store < 0) step = FinishLocked();
      if (step.finish.has_value()) finished_ = true;
    }
    Take(step);
  }

  void OnDone() override { delete this; }

 private:
  // What to ask of gRPC and the pool once mu_ is released.
  struct Step {
    int store = -1;
    int read = -1;
    bool flush = false;
    std::optional<grpc::Status> finish;
  };

  absl::Status CheckUpload(const v1::UploadChunk& chunk) {
    if (!chunk.upload().empty()) {
      if (upload_.empty()) {
        upload_ = chunk.upload();  // no store is in flight before the first chunk's
      } else if (chunk.upload() != upload_) {
        return InvalidField("upload", "one stream uploads to one session");
      }
    }
    if (upload_.empty()) return InvalidField("upload", "is required on the first chunk");
    return absl::OkStatus();
  }

  // On the pool.
  void Store(int slot) {
    v1::UploadChunk& chunk = slots_[slot];
    auto session = store_->AppendChunk(upload_, chunk.offset(), chunk.data());
    Step step;
    {
      absl::MutexLock lock(&mu_);
      storing_ = -1;
      if (!session.ok()) {
        error_ = ToGrpcStatus(session.status());
      } else {
        *response_ = *session;
      }
      if (error_.ok() && waiting_ >= 0) {
        step = StoreLocked(std::exchange(waiting_, -1));
      } else {
        step = FinishLocked();
      }
      if (step.finish.has_value()) finished_ = true;
    }
    Take(step);
  }

  // Stores `slot` and, with a buffer free, reads on.
  Step StoreLocked(int slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    step.store = slot;
    storing_ = slot;
    if (reading_ < 0 && !ended_) {
      step.read = 1 - slot;
      reading_ = step.read;
    }
    return step;
  }

  // With nothing being stored: the end, if the stream ended or failed.
  Step FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    if (!error_.ok()) {
      step.finish = error_;
    } else if (ended_) {
      step.flush = true;  // finished by the flush, on the pool
    } else if (reading_ < 0) {
      step.read = 0;
      reading_ = 0;
    }
    return step;
  }

  // Called without mu_ held.
  void Take(const Step& step) {
    if (step.read >= 0) {
      slots_[step.read].Clear();
      StartRead(&slots_[step.read]);
    }
    if (step.store >= 0) pool_->Schedule([this, slot = step.store] { Store(slot); });
    if (step.flush) {
      // What arrived becomes durable before the answer reports it.
      pool_->Schedule(
          [this] { Finish(ToGrpcStatus(server::FillResponse(store_->FlushUpload(upload_), response_))); });
    }
    if (step.finish.has_value()) Finish(*step.finish);
  }

  DocumentsStore* store_;
  ThreadPool* pool_;
  v1::UploadSession* response_;
  v1::UploadChunk slots_[2];
  // Set from the first chunk, before any store is scheduled: the stores
  // read it after that hand-off.
  std::string upload_;
  absl::Mutex mu_;
  int reading_ ABSL_GUARDED_BY(mu_) = -1;  // slot gRPC reads into
  int storing_ ABSL_GUARDED_BY(mu_) = -1;  // slot the pool stores
  int waiting_ ABSL_GUARDED_BY(mu_) = -1;  // slot read and waiting to be stored
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status error_ ABSL_GUARDED_BY(mu_);
};

// Streams with two messages: while gRPC sends one, the pool reads the next
// chunk into the other, so reading and sending overlap. The buffers are
// reused, which also keeps a download's memory at two chunks. State changes
// happen under mu_; gRPC is called outside it.
class DownloadReactor : public grpc::ServerWriteReactor<v1::DownloadChunk> {
 public:
  DownloadReactor(DocumentsStore* store, ThreadPool* pool, const v1::DownloadRequest& request)
      : store_(store), pool_(pool), request_(request) {
    pool_->Schedule([this] {
      auto cursor = store_->OpenDownload(request_);
      if (!cursor.ok()) {
        {
          absl::MutexLock lock(&mu_);
          reading_ = false;
          finished_ = true;
        }
        return Finish(ToGrpcStatus(cursor.status()));
      }
      cursor_ = std::move(*cursor);
      *slots_[0].mutable_version() = cursor_.version;
      Read(0);
    });
  }

  void OnWriteDone(bool ok) override {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      writing_ = -1;
      if (!ok) {
        step.finish = grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      } else if (!error_.ok()) {
        step.finish = error_;
      } else if (ready_ >= 0) {
        step = SendLocked(std::exchange(ready_, -1));
      } else if (!reading_) {
        step.finish = grpc::Status::OK;  // everything was sent
      }
      if (step.finish.has_value()) finished_ = true;
    }
    Take(step);
  }

  void OnDone() override {
    bool destroy;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      destroy = !reading_;  // else the read in flight deletes
    }
    if (destroy) delete this;
  }

 private:
  // What to ask of gRPC and the pool once mu_ is released.
  struct Step {
    int send = -1;
    int read = -1;
    std::optional<grpc::Status> finish;
  };

  // On the pool: reads the next chunk into `slot`.
  void Read(int slot) {
    v1::DownloadChunk& m = slots_[slot];
    if (!first_read_) m.clear_version();  // only the first message carries it
    first_read_ = false;
    m.set_offset(cursor_.offset);
    absl::Status read = store_->ReadChunk(&cursor_, m.mutable_data());
    bool destroy = false;
    Step step;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (done_) {
        destroy = true;  // gRPC is finished with this reactor; the read was its last user
      } else if (finished_) {
        return;
      } else if (!read.ok()) {
        error_ = ToGrpcStatus(read);
        if (writing_ < 0) {
          step.finish = error_;
          finished_ = true;
        }
      } else if (writing_ >= 0) {
        ready_ = slot;
      } else {
        step = SendLocked(slot);
      }
    }
    if (destroy) {
      delete this;
      return;
    }
    Take(step);
  }

  Step SendLocked(int slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    step.send = slot;
    writing_ = slot;
    if (cursor_.offset < cursor_.end) {
      step.read = 1 - slot;
      reading_ = true;
    }
    return step;
  }

  // Called without mu_ held.
  void Take(const Step& step) {
    if (step.send >= 0) StartWrite(&slots_[step.send]);
    if (step.read >= 0) pool_->Schedule([this, slot = step.read] { Read(slot); });
    if (step.finish.has_value()) Finish(*step.finish);
  }

  DocumentsStore* store_;
  ThreadPool* pool_;
  v1::DownloadRequest request_;
  // Used by the one read in flight, and by SendLocked when none is.
  DownloadCursor cursor_;
  bool first_read_ = true;  // used only by the one read in flight
  v1::DownloadChunk slots_[2];
  absl::Mutex mu_;
  int writing_ ABSL_GUARDED_BY(mu_) = -1;  // slot being sent
  int ready_ ABSL_GUARDED_BY(mu_) = -1;    // slot read and waiting to be sent
  bool reading_ ABSL_GUARDED_BY(mu_) = true;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish was called
  bool done_ ABSL_GUARDED_BY(mu_) = false;      // OnDone ran
  grpc::Status error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerUnaryReactor* DocumentsService::CreateDocument(grpc::CallbackServerContext* context,
                                                           const v1::CreateDocumentRequest* request,
                                                           v1::Document* response) {
  return server::ServeWrite(pool_, context, store_, &DocumentsStore::CreateDocument, request, response);
}

grpc::ServerUnaryReactor* DocumentsService::GetDocument(grpc::CallbackServerContext* context,
                                                        const v1::GetDocumentRequest* request,
                                                        v1::Document* response) {
  return server::ServeGet(context, store_, &DocumentsStore::GetDocument, request, response);
}

grpc::ServerUnaryReactor* DocumentsService::ListDocuments(grpc::CallbackServerContext* context,
                                                          const v1::ListDocumentsRequest* request,
                                                          v1::ListDocumentsResponse* response) {
  return server::ServeList(pool_, context, store_, &DocumentsStore::ListDocuments, request, response);
}

grpc::ServerUnaryReactor* DocumentsService::UpdateDocument(grpc::CallbackServerContext* context,
                                                           const v1::UpdateDocumentRequest* request,
                                                           v1::Document* response) {
  return server::ServeWrite(pool_, context, store_, &DocumentsStore::UpdateDocument, request, response);
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
  return server::ServeWrite(pool_, context, store_, &DocumentsStore::StartUpload, request, response);
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
  return server::ServeWrite(pool_, context, store_, &DocumentsStore::CommitUpload, request, response);
}

grpc::ServerUnaryReactor* DocumentsService::CancelUpload(grpc::CallbackServerContext* context,
                                                         const v1::CancelUploadRequest* request,
                                                         v1::UploadSession* response) {
  return server::ServeWrite(pool_, context, store_, &DocumentsStore::CancelUpload, request, response);
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

grpc::ServerUnaryReactor* DocumentsService::ListContentFetches(grpc::CallbackServerContext* context,
                                                              const v1::ListContentFetchesRequest* request,
                                                              v1::ListContentFetchesResponse* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->ListContentFetches(*request), response);
  });
}

grpc::ServerUnaryReactor* DocumentsService::WriteFetchedContent(grpc::CallbackServerContext* context,
                                                               const v1::WriteFetchedContentRequest* request,
                                                               v1::ContentFetch* response) {
  return server::RunBlocking(pool_, context, [=] {
    return server::FillResponse(store_->WriteFetchedContent(*request), response);
  });
}

}  // namespace rcp::documents
