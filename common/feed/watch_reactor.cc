#include "common/feed/watch_reactor.h"

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status.h"

namespace rcp::feed {
namespace {

using rcp::common::v1::WatchResponse;

constexpr size_t kChangesPerMessage = 64;

class WatchReactor : public grpc::ServerWriteReactor<WatchResponse> {
 public:
  // Store callbacks may outlive the reactor; they reach it only through
  // this link, which OnDone cuts.
  struct Link {
    absl::Mutex mu;
    WatchReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;
  };

  explicit WatchReactor(std::shared_ptr<Link> link) : link_(std::move(link)) {}

  void Begin(absl::StatusOr<std::shared_ptr<storage::Watcher>> watcher) {
    if (!watcher.ok()) {
      absl::MutexLock lock(&mu_);
      finished_ = true;
      Finish(ToGrpcStatus(watcher.status()));
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      watcher_ = std::move(*watcher);
    }
    TryWrite();
  }

  void TryWrite() {
    absl::MutexLock lock(&mu_);
    if (writing_ || finished_ || !watcher_) return;
    std::vector<storage::ChangePtr> changes;
    absl::Status status = watcher_->Poll(&changes, kChangesPerMessage);
    if (!status.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(status));
      return;
    }
    if (changes.empty()) return;  // on_ready will call again
    response_.Clear();
    for (const auto& c : changes) *response_.add_changes() = *c;
    writing_ = true;
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        // The client went away; OnCancel/OnDone follow.
        if (!finished_) {
          finished_ = true;
          Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
        }
        return;
      }
    }
    TryWrite();
  }

  void OnCancel() override {
    std::shared_ptr<storage::Watcher> w;
    {
      absl::MutexLock lock(&mu_);
      w = watcher_;
    }
    if (w) w->Cancel();  // wakes TryWrite, which finishes with CANCELLED
    absl::MutexLock lock(&mu_);
    if (!w && !finished_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&link_->mu);
      link_->reactor = nullptr;
    }
    // Nothing else runs on this reactor now (gRPC is done with it, and the
    // store's callback no longer reaches it): the lock only keeps to the rule
    // that watcher_ is read under mu_.
    std::shared_ptr<storage::Watcher> w;
    {
      absl::MutexLock lock(&mu_);
      w = watcher_;
    }
    if (w) w->Cancel();
    delete this;
  }

 private:
  std::shared_ptr<Link> link_;
  absl::Mutex mu_;
  std::shared_ptr<storage::Watcher> watcher_ ABSL_GUARDED_BY(mu_);
  WatchResponse response_ ABSL_GUARDED_BY(mu_);  // the message being written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerWriteReactor<WatchResponse>* StartWatch(storage::Store* store,
                                                    const rcp::common::v1::WatchRequest& request) {
  auto link = std::make_shared<WatchReactor::Link>();
  auto* reactor = new WatchReactor(link);
  {
    absl::MutexLock lock(&link->mu);
    link->reactor = reactor;
  }
  auto watcher = store->Watch(request.since_revision(), [link] {
    absl::MutexLock lock(&link->mu);
    if (link->reactor != nullptr) link->reactor->TryWrite();
  });
  reactor->Begin(std::move(watcher));
  return reactor;
}

}  // namespace rcp::feed
