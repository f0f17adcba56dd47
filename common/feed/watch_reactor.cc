#include "common/feed/watch_reactor.h"

#include <memory>
#include <mutex>

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
    std::mutex mu;
    WatchReactor* reactor = nullptr;
  };

  explicit WatchReactor(std::shared_ptr<Link> link) : link_(std::move(link)) {}

  void Begin(absl::StatusOr<std::shared_ptr<storage::Watcher>> watcher) {
    if (!watcher.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      Finish(ToGrpcStatus(watcher.status()));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      watcher_ = std::move(*watcher);
    }
    TryWrite();
  }

  void TryWrite() {
    std::lock_guard<std::mutex> lock(mu_);
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
      std::lock_guard<std::mutex> lock(mu_);
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
      std::lock_guard<std::mutex> lock(mu_);
      w = watcher_;
    }
    if (w) w->Cancel();  // wakes TryWrite, which finishes with CANCELLED
    std::lock_guard<std::mutex> lock(mu_);
    if (!w && !finished_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(link_->mu);
      link_->reactor = nullptr;
    }
    if (watcher_) watcher_->Cancel();
    delete this;
  }

 private:
  std::shared_ptr<Link> link_;
  std::mutex mu_;
  std::shared_ptr<storage::Watcher> watcher_;
  WatchResponse response_;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::ServerWriteReactor<WatchResponse>* StartWatch(storage::Store* store,
                                                    const rcp::common::v1::WatchRequest& request) {
  auto link = std::make_shared<WatchReactor::Link>();
  auto* reactor = new WatchReactor(link);
  {
    std::lock_guard<std::mutex> lock(link->mu);
    link->reactor = reactor;
  }
  auto watcher = store->Watch(request.since_revision(), [link] {
    std::lock_guard<std::mutex> lock(link->mu);
    if (link->reactor != nullptr) link->reactor->TryWrite();
  });
  reactor->Begin(std::move(watcher));
  return reactor;
}

}  // namespace rcp::feed
