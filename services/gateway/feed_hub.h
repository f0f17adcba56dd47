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
#ifndef RCP_SERVICES_GATEWAY_FEED_HUB_H_
#define RCP_SERVICES_GATEWAY_FEED_HUB_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/concurrency/thread_pool.h"
#include "common/storage/store.h"
#include "services/gateway/gateway_options.h"
#include "services/gateway/upstream.h"

namespace rcp::gateway {

inline constexpr int kFeedServices = 3;
// Index → service name in events and cursors.
inline constexpr const char* kFeedServiceNames[kFeedServices] = {"registry", "events", "documents"};

// A position in the merged feed: the last revision delivered per service.
struct Cursor {
  std::array<uint64_t, kFeedServices> revisions{};
};
std::string EncodeCursor(const Cursor& cursor);
// INVALID_ARGUMENT naming cursor when malformed.
absl::StatusOr<Cursor> DecodeCursor(absl::string_view text);

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
  // Not owned: both must outlive the hub.
  FeedHub(Upstream* upstream, ThreadPool* pool, const GatewayOptions& options);
  ~FeedHub();

  // Learns each service's current revision and starts following it.
  // UNAVAILABLE when a service cannot be reached.
  absl::Status Start();
  // Stops following; listeners are not called after it returns.
  void Stop();

  // The newest position: where a subscriber without a cursor starts.
  Cursor Head() const;

  // Up to `max` changes of `service` after `after`, in order. Sets
  // `*through` to the revision the answer is complete up to. When `after`
  // is older than the log holds: `*behind` is set and, when `backfill`, the
  // hub fetches the missing changes from the service in the background and
  // wakes listeners when done (a failure, e.g. compaction, is then reported
  // by BackfillError).
  void Read(int service, uint64_t after, size_t max, bool backfill, std::vector<storage::ChangePtr>* out,
            uint64_t* through, bool* behind);
  // The error of the last failed backfill of `service` from at or before
  // `after` (FAILED_PRECONDITION + ResyncRequired when compacted), else OK.
  absl::Status BackfillError(int service, uint64_t after) const;

  void AddListener(const std::shared_ptr<FeedListener>& listener);
  void RemoveListener(FeedListener* listener);
  size_t listener_count() const;

 private:
  struct Log {
    mutable std::shared_mutex mu;
    std::deque<storage::ChangePtr> entries;  // revisions in (lo, hi]
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool backfilling = false;
    uint64_t failed_from = 0;  // a backfill from here failed with `failure`
    absl::Status failure;
  };

  void Follow(int service);
  void Backfill(int service, uint64_t after);
  void WakeAll();
  // Opens the service's Watch since `since`.
  std::unique_ptr<grpc::ClientReader<rcp::common::v1::WatchResponse>> OpenWatch(int service,
                                                                                grpc::ClientContext* ctx,
                                                                                uint64_t since);

  Upstream* upstream_;
  ThreadPool* pool_;
  GatewayOptions options_;
  std::array<Log, kFeedServices> logs_;

  mutable std::mutex listeners_mu_;
  std::vector<std::weak_ptr<FeedListener>> listeners_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::array<grpc::ClientContext*, kFeedServices> live_contexts_{};
  // False once stopping: wakes queued on the pool then do nothing.
  std::shared_ptr<std::atomic<bool>> running_ = std::make_shared<std::atomic<bool>>(true);
  std::vector<std::thread> threads_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_FEED_HUB_H_
