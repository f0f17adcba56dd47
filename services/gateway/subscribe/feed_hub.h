// The merged change feed behind Gateway.Subscribe.
//
// The hub holds one upstream Watch per data service (three streams, three
// threads, whatever the number of subscribers) and keeps the recent changes
// of each in memory, in revision order. Subscribers pull from these shared
// logs at their own pace: each has a position per service (its cursor), and
// is woken when changes arrive; a slow subscriber therefore never delays the
// others, and costs no thread. A subscriber that falls behind what the logs
// keep is ended (UNAVAILABLE: resume with the cursor). A subscriber that
// comes with an older cursor (after a reconnect, or a gateway restart) makes
// the hub backfill the logs from the services once, for everyone.
#ifndef RCP_SERVICES_GATEWAY_SUBSCRIBE_FEED_HUB_H_
#define RCP_SERVICES_GATEWAY_SUBSCRIBE_FEED_HUB_H_

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/concurrency/thread_pool.h"
#include "common/resource/kinds.h"
#include "rcp/common/v1/common.pb.h"
#include "services/gateway/subscribe/cursor.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::subscribe {

using ChangePtr = std::shared_ptr<const rcp::common::v1::Change>;
using resource::Service;

// Something woken when the feed has news (a subscriber).
class FeedListener {
 public:
  virtual ~FeedListener() = default;
  // Called from hub threads without hub locks held; must not block.
  virtual void Wake() = 0;
};

// Thread-safe.
class FeedHub {
 public:
  // Not owned: both must outlive the hub. `log_limit`: changes kept in
  // memory per service.
  FeedHub(upstream::Upstream* upstream, ThreadPool* pool, size_t log_limit);
  ~FeedHub();

  // Learns each service's current revision and starts following it.
  // UNAVAILABLE when a service cannot be reached.
  absl::Status Start();
  // Stops following; listeners are not called after it returns.
  void Stop();

  // The newest position: where a subscriber without a cursor starts.
  Cursor Head() const;
  // The epoch of the store the hub follows for `service`. It changes when
  // the service comes back restored from a backup: the log then starts
  // again at the restored store's revision, and positions of the old epoch
  // mean nothing in it.
  uint64_t Epoch(Service service) const;

  // Up to `max` changes of `service` after `after`, in order. Sets
  // `*through` to the revision the answer is complete up to. When `after`
  // is older than the log holds: `*behind` is set and, when `backfill`, the
  // hub fetches the missing changes from the service in the background and
  // wakes listeners when done (a failure, e.g. compaction, is then reported
  // by BackfillError).
  void Read(Service service, uint64_t after, size_t max, bool backfill, std::vector<ChangePtr>* out,
            uint64_t* through, bool* behind);
  // The error of the last failed backfill of `service` from at or before
  // `after` (FAILED_PRECONDITION + ResyncRequired when compacted), else OK.
  absl::Status BackfillError(Service service, uint64_t after) const;

  void AddListener(const std::shared_ptr<FeedListener>& listener);
  void RemoveListener(FeedListener* listener);
  size_t listener_count() const;

 private:
  struct Log {
    mutable absl::Mutex mu;
    std::deque<ChangePtr> entries ABSL_GUARDED_BY(mu);  // revisions in (lo, hi]
    uint64_t lo ABSL_GUARDED_BY(mu) = 0;
    uint64_t hi ABSL_GUARDED_BY(mu) = 0;
    uint64_t epoch ABSL_GUARDED_BY(mu) = 0;
    bool backfilling ABSL_GUARDED_BY(mu) = false;
    uint64_t failed_from ABSL_GUARDED_BY(mu) = 0;  // a backfill from here failed with `failure`
    absl::Status failure ABSL_GUARDED_BY(mu);
  };

  Log& log(Service s) { return logs_[static_cast<size_t>(s)]; }
  const Log& log(Service s) const { return logs_[static_cast<size_t>(s)]; }
  // The service's store epoch and current revision.
  absl::Status ReadPosition(Service service, uint64_t* epoch, uint64_t* revision);
  // Follows `service` in the epoch it is in now: a new epoch (a restore)
  // restarts the log at its revision. Returns where to watch from.
  absl::StatusOr<uint64_t> Resume(Service service);
  void Follow(Service service);
  void Backfill(Service service, uint64_t after);
  void WakeAll();
  // Opens the service's Watch since `since`.
  std::unique_ptr<grpc::ClientReaderInterface<rcp::common::v1::WatchResponse>> OpenWatch(
      Service service, grpc::ClientContext* ctx, uint64_t since);

  upstream::Upstream* upstream_;
  ThreadPool* pool_;
  const size_t log_limit_;
  std::array<Log, resource::kServices.size()> logs_;

  mutable absl::Mutex listeners_mu_;
  std::vector<std::weak_ptr<FeedListener>> listeners_ ABSL_GUARDED_BY(listeners_mu_);

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::array<grpc::ClientContext*, resource::kServices.size()> live_contexts_ ABSL_GUARDED_BY(stop_mu_){};
  // False once stopping: wakes queued on the pool then do nothing.
  std::shared_ptr<std::atomic<bool>> running_ = std::make_shared<std::atomic<bool>>(true);
  std::vector<std::thread> threads_;
};

}  // namespace rcp::gateway::subscribe

#endif  // RCP_SERVICES_GATEWAY_SUBSCRIBE_FEED_HUB_H_
