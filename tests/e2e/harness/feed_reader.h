// A Subscribe client for end-to-end tests: reads on its own thread, keeps
// the last cursor, and comes back with it when the gateway ends the stream
// with UNAVAILABLE (as the API asks of clients). Disconnect() and Connect()
// again resume from the last cursor.
#ifndef RCP_TESTS_E2E_HARNESS_FEED_READER_H_
#define RCP_TESTS_E2E_HARNESS_FEED_READER_H_

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/status/status.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"

namespace rcp::testing {

// One change as a subscriber received it.
struct Received {
  std::string service;
  rcp::common::v1::Change change;
};

class FeedReader {
 public:
  FeedReader(std::shared_ptr<grpc::Channel> channel, std::string key, rcp::gateway::v1::SubscribeRequest request = {})
      : stub_(rcp::gateway::v1::Gateway::NewStub(channel)), key_(std::move(key)), request_(std::move(request)) {}
  ~FeedReader() { Disconnect(); }

  void Connect() {
    Disconnect();
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
    end_ = absl::OkStatus();
    ended_ = false;
    thread_ = std::thread([this] { Run(); });
  }

  void Disconnect() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      if (ctx_) ctx_->TryCancel();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Talks to another gateway from now on (while disconnected), keeping the
  // cursor.
  void Retarget(std::shared_ptr<grpc::Channel> channel) { stub_ = rcp::gateway::v1::Gateway::NewStub(channel); }

  // Waits until `done(events)` holds; false on timeout or a final error.
  bool WaitFor(const std::function<bool(const std::vector<Received>&)>& done,
               absl::Duration timeout = absl::Seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return done(events_) || ended_; }) &&
           done(events_);
  }
  // Waits for the `n`th message since the last Connect (the first confirms
  // the subscription).
  bool WaitForMessages(int n, absl::Duration timeout = absl::Seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return messages_ >= n || ended_; }) &&
           messages_ >= n;
  }
  // Waits for the stream to end for good (not UNAVAILABLE).
  bool WaitForEnd(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return ended_; });
  }
  bool HasName(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : events_) {
      if (e.change.name() == name) return true;
    }
    return false;
  }

  std::vector<Received> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::string cursor() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cursor_;
  }
  int reconnects() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reconnects_;
  }
  // The status a stream ended with other than UNAVAILABLE (OK while open).
  absl::Status end() const {
    std::lock_guard<std::mutex> lock(mu_);
    return end_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (stop_) return;
      grpc::ClientContext ctx;
      if (!key_.empty()) ctx.AddMetadata("authorization", "Bearer " + key_);
      // Reconnecting: wait for the gateway to be back rather than fail fast.
      ctx.set_wait_for_ready(reconnects_ > 0);
      rcp::gateway::v1::SubscribeRequest req = request_;
      req.set_cursor(cursor_);
      ctx_ = &ctx;
      messages_ = 0;
      lock.unlock();
      auto reader = stub_->Subscribe(&ctx, req);
      rcp::gateway::v1::SubscribeResponse resp;
      while (reader->Read(&resp)) {
        lock.lock();
        for (auto& e : *resp.mutable_events())
          events_.push_back({e.service(), std::move(*e.mutable_change())});
        cursor_ = resp.cursor();
        ++messages_;
        cv_.notify_all();
        lock.unlock();
      }
      grpc::Status status = reader->Finish();
      lock.lock();
      ctx_ = nullptr;
      if (stop_) return;
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        ++reconnects_;
        cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stop_; });
        continue;
      }
      end_ = FromGrpcStatus(status);
      if (end_.ok()) end_ = absl::InternalError("the stream ended with OK");
      ended_ = true;
      cv_.notify_all();
      return;
    }
  }

  std::unique_ptr<rcp::gateway::v1::Gateway::Stub> stub_;
  std::string key_;
  rcp::gateway::v1::SubscribeRequest request_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  grpc::ClientContext* ctx_ = nullptr;
  bool stop_ = false;
  bool ended_ = false;
  std::vector<Received> events_;
  std::string cursor_;
  int messages_ = 0;
  int reconnects_ = 0;
  absl::Status end_;
};


}  // namespace rcp::testing

#endif  // RCP_TESTS_E2E_HARNESS_FEED_READER_H_
