// A server stream written by a producer on a thread of its own, for the few
// long streams other deployments open (Pull, FetchContent): the producer
// blocks on the data services between messages, which a gRPC callback
// thread must never do, and peers are few, so a thread each costs little
// where a thread per subscriber would not.
//
// The producer writes one message at a time and waits until it is sent;
// Write's false tells it the client went away. Streams end when their
// producer returns; StreamThreads::Stop cancels every open one and waits
// for their producers.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_PRODUCER_STREAM_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_PRODUCER_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rcp::gateway::federation {

// What a stream and the things that wake it share; outlives the stream.
class StreamSignal {
 public:
  // Wakes a producer waiting in WaitFor (new data to send).
  void Wake();
  // Ends the stream: the producer's waits return and Write fails.
  void Cancel();
  bool cancelled() const;
  // Waits up to `timeout`, or until woken or cancelled.
  void WaitFor(absl::Duration timeout);

 private:
  template <typename T>
  friend class ProducerStream;
  mutable absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = true;
};

// The producers running, so that shutdown can end them. Thread-safe.
class StreamThreads {
 public:
  ~StreamThreads() { Stop(); }
  // Cancels every stream and waits until their producers returned.
  void Stop();
  // Registers a producer; false once stopping.
  bool Add(const std::shared_ptr<StreamSignal>& signal);
  void Remove(const std::shared_ptr<StreamSignal>& signal);

 private:
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::shared_ptr<StreamSignal>> open_ ABSL_GUARDED_BY(mu_);
};

template <typename Response>
class ProducerStream : public grpc::ServerWriteReactor<Response> {
 public:
  // The producer: writes through the stream and returns the status to end
  // it with. It must not touch the stream after returning.
  using Body = std::function<grpc::Status(ProducerStream* stream)>;

  // Starts `body` on a new thread (tracked by `threads`, not owned).
  static ProducerStream* Start(StreamThreads* threads, Body body) {
    auto* stream = new ProducerStream(threads);
    if (!threads->Add(stream->signal_)) {
      stream->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway is shutting down"));
      return stream;
    }
    std::thread([stream, threads, body = std::move(body), signal = stream->signal_] {
      grpc::Status status = body(stream);
      stream->Finish(status);
      // Last: Stop returns once every producer got here.
      threads->Remove(signal);
    }).detach();
    return stream;
  }

  // Sends `message`, waiting until it is on its way; false when the client
  // is gone or the stream was cancelled.
  bool Write(const Response& message) {
    {
      absl::MutexLock lock(&signal_->mu_);
      if (signal_->cancelled_) return false;
      signal_->writing_ = true;
    }
    this->StartWrite(&message);
    absl::MutexLock lock(&signal_->mu_);
    signal_->mu_.Await(absl::Condition(
        +[](StreamSignal* s) ABSL_NO_THREAD_SAFETY_ANALYSIS { return !s->writing_; }, signal_.get()));
    return signal_->write_ok_ && !signal_->cancelled_;
  }

  const std::shared_ptr<StreamSignal>& signal() const { return signal_; }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&signal_->mu_);
    signal_->writing_ = false;
    signal_->write_ok_ = ok;
  }
  void OnCancel() override { signal_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  explicit ProducerStream(StreamThreads*) : signal_(std::make_shared<StreamSignal>()) {}
  std::shared_ptr<StreamSignal> signal_;
};

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_PRODUCER_STREAM_H_
