#include "services/gateway/public/transfers.h"

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status.h"

namespace rcp::gateway {
namespace {

namespace doc = ::rcp::documents::v1;

class UploadProxy : public grpc::ServerReadReactor<doc::UploadChunk> {
 public:
  UploadProxy(upstream::Forwarder* forwarder, grpc::CallbackServerContext* context,
              doc::UploadSession* response)
      : forwarder_(forwarder), context_(context), response_(response) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    forwarder_->deps().pool->Schedule([this, ok] { Step(ok); });
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (writer_) upstream_.TryCancel();
  }

  void OnDone() override { delete this; }

 private:
  // On the pool: the first chunk opens the upstream stream once the session
  // is found to be the caller's; every chunk is written before the next is
  // read.
  void Step(bool ok) {
    grpc::ClientWriterInterface<doc::UploadChunk>* writer = Writer();
    if (!ok) {
      if (writer == nullptr) return Finish(ToGrpcStatus(InvalidField("upload", "no chunk was sent")));
      writer->WritesDone();
      return Finish(writer->Finish());
    }
    if (writer == nullptr) {
      if (chunk_.upload().empty())
        return Finish(ToGrpcStatus(InvalidField("upload", "is required on the first chunk")));
      absl::StatusOr<access::PrincipalPtr> caller = forwarder_->Authorize("UploadChunks", context_, chunk_);
      if (!caller.ok()) return Finish(ToGrpcStatus(caller.status()));
      absl::MutexLock lock(&mu_);
      forwarder_->deps().upstream->Prepare(&upstream_, upstream::For{caller->get()}, context_,
                                           /*streaming=*/true);
      writer_ = forwarder_->deps().upstream->documents()->UploadChunks(&upstream_, response_);
      writer = writer_.get();
    }
    // Not under mu_: a write may wait on flow control, and OnCancel must
    // be able to cancel it meanwhile.
    if (!writer->Write(chunk_)) {
      // The service ended the stream (an error): pass its status on.
      return Finish(writer->Finish());
    }
    StartRead(&chunk_);
  }

  grpc::ClientWriterInterface<doc::UploadChunk>* Writer() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return writer_.get();
  }

  upstream::Forwarder* forwarder_;
  grpc::CallbackServerContext* context_;
  doc::UploadSession* response_;
  doc::UploadChunk chunk_;
  absl::Mutex mu_;
  grpc::ClientContext upstream_;
  // Set once, by the first chunk's Step; OnCancel cancels it from gRPC's
  // threads meanwhile.
  std::unique_ptr<grpc::ClientWriterInterface<doc::UploadChunk>> writer_ ABSL_GUARDED_BY(mu_);
};

class DownloadProxy : public grpc::ServerWriteReactor<doc::DownloadChunk> {
 public:
  DownloadProxy(upstream::Forwarder* forwarder, grpc::CallbackServerContext* context,
                const doc::DownloadRequest& request)
      : forwarder_(forwarder), context_(context), request_(request) {
    forwarder_->deps().pool->Schedule([this] { Open(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      upstream_.TryCancel();
      return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
    forwarder_->deps().pool->Schedule([this] { Next(); });
  }

  void OnDone() override { delete this; }

 private:
  void Open() {
    absl::StatusOr<access::PrincipalPtr> caller = forwarder_->Authorize("Download", context_, request_);
    if (!caller.ok()) return Finish(ToGrpcStatus(caller.status()));
    forwarder_->deps().upstream->Prepare(&upstream_, upstream::For{caller->get()}, context_,
                                         /*streaming=*/true);
    reader_ = forwarder_->deps().upstream->documents()->Download(&upstream_, request_);
    Next();
  }
  void Next() {
    if (!reader_->Read(&message_)) return Finish(reader_->Finish());
    StartWrite(&message_);
  }

  upstream::Forwarder* forwarder_;
  grpc::CallbackServerContext* context_;
  doc::DownloadRequest request_;
  grpc::ClientContext upstream_;
  std::unique_ptr<grpc::ClientReaderInterface<doc::DownloadChunk>> reader_;
  doc::DownloadChunk message_;
};

}  // namespace

grpc::ServerReadReactor<doc::UploadChunk>* StartUploadProxy(upstream::Forwarder* forwarder,
                                                            grpc::CallbackServerContext* context,
                                                            doc::UploadSession* response) {
  return new UploadProxy(forwarder, context, response);
}

grpc::ServerWriteReactor<doc::DownloadChunk>* StartDownloadProxy(upstream::Forwarder* forwarder,
                                                                 grpc::CallbackServerContext* context,
                                                                 const doc::DownloadRequest& request) {
  return new DownloadProxy(forwarder, context, request);
}

}  // namespace rcp::gateway
