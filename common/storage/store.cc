#include "common/storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/concurrency/thread_pool.h"
#include "common/status/status.h"
#include "common/coding/coding.h"
#include "common/storage/rocks_status.h"
#include "google/protobuf/util/time_util.h"

namespace rcp::storage {
namespace {

constexpr char kChangelogCf[] = "changelog";
constexpr char kMetaCf[] = "meta";
constexpr char kRequestsCf[] = "requests";
constexpr char kItemRevisionsCf[] = "item_revisions";
constexpr char kMetaEpoch[] = "epoch";
constexpr char kRestoredMarker[] = "RESTORED";
// Checkpoints for backups live inside the database's directory (the only
// place a daemon may write, and the same file system, so hard links work).
constexpr char kCheckpointPrefix[] = "backup-checkpoint-";
// In kRequestsCf beside "request:…" keys: prefix + time(8) + request key.
constexpr char kRequestsByTime[] = "by-time:";
constexpr char kMetaStoreName[] = "store_name";
constexpr char kMetaCompacted[] = "compacted_revision";
constexpr char kMetaSchemaVersion[] = "schema_version";
constexpr char kMetaLastBackup[] = "last_backup";
constexpr size_t kLockStripes = 4096;
constexpr size_t kMaxRequestIdLength = 100;

using rcp::common::v1::Change;
using coding::AppendUint64;
using coding::DecodeUint64;
using coding::EncodeUint64;

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

absl::Status ResumeError(uint64_t resume_revision, absl::string_view reason) {
  absl::Status s = absl::UnavailableError(
      absl::StrCat("watch ended: ", reason, "; reconnect with since_revision=", resume_revision));
  rcp::common::v1::ResumeFrom detail;
  detail.set_resume_revision(resume_revision);
  detail.set_reason(std::string(reason));
  AttachDetail(s, detail);
  return s;
}

absl::Status ResyncError(uint64_t requested, uint64_t oldest, uint64_t current) {
  absl::Status s = absl::FailedPreconditionError(absl::StrCat(
      "since_revision: revision ", requested, " has been compacted; the oldest revision a watch can ",
      "start after is ", oldest, ". Resynchronize: List, then Watch from the List's revision"));
  rcp::common::v1::ResyncRequired detail;
  detail.set_requested_revision(requested);
  detail.set_oldest_available_revision(oldest);
  detail.set_current_revision(current);
  AttachDetail(s, detail);
  return s;
}

// Striped mutexes: a transaction locks the stripes of its keys in index order,
// so two transactions never deadlock and unrelated keys rarely contend.
// std::mutex rather than absl::Mutex: the stripes guard rows in RocksDB, not
// fields, and a transaction holds a varying set of them, which thread-safety
// annotations cannot express.
class KeyLocks {
 public:
  class Held {
   public:
    Held(KeyLocks* locks, std::vector<size_t> stripes) : locks_(locks), stripes_(std::move(stripes)) {
      for (size_t i : stripes_) locks_->mu_[i].lock();
    }
    ~Held() {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) locks_->mu_[*it].unlock();
    }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    KeyLocks* locks_;
    std::vector<size_t> stripes_;
  };

  std::unique_ptr<Held> Lock(const std::vector<std::string>& keys) {
    std::vector<size_t> stripes;
    stripes.reserve(keys.size());
    for (const auto& k : keys) stripes.push_back(std::hash<std::string>{}(k) % kLockStripes);
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
    return std::make_unique<Held>(this, std::move(stripes));
  }

 private:
  std::mutex mu_[kLockStripes];
};

}  // namespace

struct Transaction::Op {
  bool is_delete;
  rocksdb::ColumnFamilyHandle* cf;
  std::string key;
  std::string value;
};

class WatcherImpl;

class Store::Impl {
 public:
  explicit Impl(const StoreOptions& options)
      : options_(options), replay_pool_(std::make_unique<ThreadPool>(options.replay_threads)) {}

  ~Impl() {
    CloseWatchers("the store is closing");
    {
      absl::MutexLock lock(&commit_mu_);
      stopping_ = true;
    }
    commit_cv_.SignalAll();
    if (dispatcher_.joinable()) dispatcher_.join();
    replay_pool_.reset();  // joined before the column families close
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_.reset();
  }

  absl::Status Open();

  rocksdb::ColumnFamilyHandle* cf(absl::string_view name) const {
    auto it = cf_by_name_.find(std::string(name));
    assert(it != cf_by_name_.end() && "unknown column family");
    return it->second;
  }

  // ---- commit ordering (see OnCommitted)
  uint64_t Allocate(uint64_t n) {
    absl::MutexLock lock(&alloc_mu_);
    uint64_t first = last_allocated_ + 1;
    last_allocated_ += n;
    return first;
  }
  uint64_t last_allocated() {
    absl::MutexLock lock(&alloc_mu_);
    return last_allocated_;
  }

  // Revisions commit out of order (group commit), but are published in
  // order: a revision is handed to watchers only when every revision before it
  // has committed (or failed to, leaving a hole that readers skip).
  void OnCommitted(uint64_t first, uint64_t n, std::vector<ChangePtr> changes) {
    bool wake;
    {
      absl::MutexLock lock(&commit_mu_);
      // The dispatcher takes the whole queue at once, so only the commit that
      // makes it non-empty needs to wake it: fewer futex calls under load.
      wake = dispatch_.empty();
      done_.emplace(first, Done{n, std::move(changes)});
      while (!done_.empty() && done_.begin()->first == contiguous_ + 1) {
        auto node = done_.extract(done_.begin());
        contiguous_ += node.mapped().n;
        dispatch_.push_back(Batch{contiguous_, std::move(node.mapped().changes)});
      }
      wake = wake && !dispatch_.empty();
      committed_.store(contiguous_);
    }
    if (wake) commit_cv_.Signal();
  }

  void DispatchLoop();
  void Publish(uint64_t last, const std::vector<ChangePtr>& changes);

  absl::StatusOr<std::shared_ptr<Watcher>> Watch(uint64_t since, std::function<void()> on_ready);
  void ScheduleFill(std::shared_ptr<WatcherImpl> w);
  void Fill(const std::shared_ptr<WatcherImpl>& w);
  void Remove(WatcherImpl* w);
  void CloseWatchers(absl::string_view reason);
  absl::Status Trim();
  absl::Status TrimRequests();
  // Reads the epoch, or records the first (a new store); starts a new one
  // when a restore left its marker.
  absl::Status OpenEpoch(rocksdb::Env* env);
  // Reads the recorded schema version (a new database gets the current one),
  // and refuses a newer one than this code's.
  absl::Status OpenSchema(bool created);
  absl::Status RecordSchemaVersion(int version);
  int stored_schema_version_ = 0;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unordered_map<std::string, rocksdb::ColumnFamilyHandle*> cf_by_name_;
  rocksdb::WriteOptions write_options_;
  KeyLocks locks_;

  absl::Mutex alloc_mu_;
  uint64_t last_allocated_ ABSL_GUARDED_BY(alloc_mu_) = 0;

  struct Done {
    uint64_t n;
    std::vector<ChangePtr> changes;
  };
  struct Batch {
    uint64_t last;
    std::vector<ChangePtr> changes;
  };
  absl::Mutex commit_mu_;
  absl::CondVar commit_cv_;  // dispatch_ has work, or stopping_
  uint64_t contiguous_ ABSL_GUARDED_BY(commit_mu_) = 0;
  // contiguous_, readable without the lock: every revision up to it has
  // committed (or failed) and is visible to readers.
  std::atomic<uint64_t> committed_{0};
  std::map<uint64_t, Done> done_ ABSL_GUARDED_BY(commit_mu_);
  std::deque<Batch> dispatch_ ABSL_GUARDED_BY(commit_mu_);
  bool stopping_ ABSL_GUARDED_BY(commit_mu_) = false;
  std::thread dispatcher_;

  // The hub: published revision, trimmed floor and the watchers. The two
  // atomics are read without the lock but move only under it (see Fill).
  mutable absl::Mutex hub_mu_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> floor_{0};
  std::vector<std::shared_ptr<WatcherImpl>> watchers_ ABSL_GUARDED_BY(hub_mu_);

  std::atomic<uint64_t> epoch_{0};
  // When the last complete backup was taken (µs since 1970; 0: never).
  std::atomic<int64_t> last_backup_micros_{0};
  absl::Mutex trim_mu_;  // one Trim at a time
  std::unique_ptr<ThreadPool> replay_pool_;
};

// ---------------------------------------------------------------- watcher

class WatcherImpl : public Watcher, public std::enable_shared_from_this<WatcherImpl> {
 public:
  WatcherImpl(Store::Impl* store, uint64_t since, std::function<void()> on_ready)
      : store_(store), next_(since + 1), last_handed_(since), on_ready_(std::move(on_ready)) {}

  absl::Status Poll(std::vector<ChangePtr>* out, size_t max) override {
    absl::MutexLock lock(&mu_);
    return PollLocked(out, max);
  }

  absl::Status Next(std::vector<ChangePtr>* out, size_t max, absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + timeout;
    while (queue_.empty() && end_.ok()) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
    }
    return PollLocked(out, max);
  }

  void Cancel() override {
    bool removed = End(absl::CancelledError("watch cancelled"), /*keep_queue=*/false);
    if (removed) store_->Remove(this);
  }

  uint64_t last_revision() const override {
    absl::MutexLock lock(&mu_);
    return last_handed_;
  }

  // Called by the dispatcher with the hub lock held. Returns true when
  // on_ready must be called (after the locks are released).
  bool Offer(uint64_t last, const std::vector<ChangePtr>& changes, size_t limit) {
    absl::MutexLock lock(&mu_);
    if (!end_.ok() || !live_) return false;
    for (const auto& c : changes) {
      if (c->revision() < next_) continue;
      if (queue_.size() >= limit) {
        queue_.clear();
        end_ = ResumeError(last_handed_, "the watcher fell behind (its queue is full)");
        cv_.SignalAll();
        return TakeWaiting();
      }
      queue_.push_back(c);
    }
    next_ = std::max(next_, last + 1);
    if (!changes.empty()) cv_.SignalAll();
    return !changes.empty() && TakeWaiting();
  }

  // Ends the watch. With keep_queue the consumer still receives what is
  // queued before the error. Returns true when it was not ended before.
  bool End(absl::Status status, bool keep_queue) {
    std::function<void()> notify;
    {
      absl::MutexLock lock(&mu_);
      if (!end_.ok()) return false;
      end_ = std::move(status);
      if (!keep_queue) queue_.clear();
      cv_.SignalAll();
      if (TakeWaiting()) notify = on_ready_;
    }
    if (notify) notify();
    return true;
  }

  bool ended() const {
    absl::MutexLock lock(&mu_);
    return !end_.ok();
  }

  void NotifyReady() {
    if (on_ready_) on_ready_();
  }

 private:
  friend class Store::Impl;

  absl::Status PollLocked(std::vector<ChangePtr>* out, size_t max) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t n = 0;
    while (!queue_.empty() && n < max) {
      last_handed_ = queue_.front()->revision();
      out->push_back(std::move(queue_.front()));
      queue_.pop_front();
      ++n;
    }
    MaybeScheduleFillLocked();
    if (n > 0) return absl::OkStatus();
    if (!end_.ok()) return end_;
    waiting_ = true;
    return absl::OkStatus();
  }

  // Scheduling happens under mu_ so that it cannot race with the store's
  // shutdown: CloseWatchers ends every watcher (taking mu_) before the
  // replay pool is stopped, and an ended watcher never schedules.
  void MaybeScheduleFillLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (live_ || fill_scheduled_ || !end_.ok()) return;
    if (queue_.size() > store_->options_.replay_batch / 2) return;
    fill_scheduled_ = true;
    auto self = shared_from_this();
    store_->replay_pool_->Schedule([self] { self->store_->Fill(self); });
  }

  bool TakeWaiting() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    bool w = waiting_;
    waiting_ = false;
    return w && on_ready_ != nullptr;
  }

  Store::Impl* store_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;  // the queue got something, or the watch ended
  std::deque<ChangePtr> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t next_ ABSL_GUARDED_BY(mu_);         // next revision to enqueue
  uint64_t last_handed_ ABSL_GUARDED_BY(mu_);  // last revision handed to the consumer
  bool live_ ABSL_GUARDED_BY(mu_) = false;     // fed by the dispatcher rather than by replay
  bool fill_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;  // a Poll found nothing: call on_ready on news
  absl::Status end_ ABSL_GUARDED_BY(mu_);
  const std::function<void()> on_ready_;
};

absl::StatusOr<std::shared_ptr<Watcher>> Store::Impl::Watch(uint64_t since, std::function<void()> on_ready) {
  uint64_t allocated = last_allocated();
  if (since > allocated) {
    return absl::OutOfRangeError(absl::StrCat(
        "since_revision: ", since, " is in the future; the current revision is ", committed_.load()));
  }
  auto w = std::make_shared<WatcherImpl>(this, since, std::move(on_ready));
  {
    absl::MutexLock lock(&hub_mu_);
    if (since < floor_.load()) return ResyncError(since, floor_.load(), committed_.load());
    watchers_.push_back(w);
  }
  absl::MutexLock lock(&w->mu_);
  w->MaybeScheduleFillLocked();
  return std::shared_ptr<Watcher>(w);
}

void Store::Impl::Fill(const std::shared_ptr<WatcherImpl>& w) {
  for (;;) {
    uint64_t start, until;
    {
      absl::MutexLock hub(&hub_mu_);
      absl::MutexLock lock(&w->mu_);
      if (!w->end_.ok()) {
        w->fill_scheduled_ = false;
        return;
      }
      if (w->next_ > published_.load()) {
        // Caught up: from now on the dispatcher feeds it, starting exactly at
        // next_, because published_ only moves under hub_mu_.
        w->live_ = true;
        w->fill_scheduled_ = false;
        return;
      }
      start = w->next_;
      until = published_.load();
    }
    std::vector<ChangePtr> batch;
    rocksdb::ReadOptions ro;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kChangelogCf)));
    absl::Status status;
    for (it->Seek(EncodeUint64(start)); it->Valid() && batch.size() < options_.replay_batch; it->Next()) {
      auto rev = DecodeUint64(absl::string_view(it->key().data(), it->key().size()));
      if (!rev.has_value() || *rev > until) break;
      auto change = std::make_shared<Change>();
      if (!change->ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        status = absl::DataLossError(absl::StrCat("changelog record ", *rev, " is unreadable"));
        break;
      }
      batch.push_back(std::move(change));
    }
    if (status.ok() && !it->status().ok()) status = FromRocksStatus(it->status(), "reading the changelog");
    if (status.ok() && start <= floor_.load()) {
      status = ResyncError(start - 1, floor_.load(), committed_.load());
    }
    if (!status.ok()) {
      w->End(status, /*keep_queue=*/true);
      Remove(w.get());
      return;
    }
    bool notify = false;
    bool enough = false;
    {
      absl::MutexLock lock(&w->mu_);
      if (!w->end_.ok()) {
        w->fill_scheduled_ = false;
        return;
      }
      bool full = batch.size() >= options_.replay_batch;
      for (auto& c : batch) w->queue_.push_back(std::move(c));
      // Revisions missing below `until` are holes left by failed writes.
      w->next_ = full ? w->queue_.back()->revision() + 1 : until + 1;
      if (!w->queue_.empty()) {
        w->cv_.SignalAll();
        notify = w->TakeWaiting();
      }
      if (w->queue_.size() >= options_.replay_batch) {
        // Enough for now; the consumer's Poll schedules the next step (and
        // may do so before this task has returned, so this task must not
        // look at the flag again).
        w->fill_scheduled_ = false;
        enough = true;
      }
    }
    if (notify) w->NotifyReady();
    if (enough) return;
  }
}

void Store::Impl::Remove(WatcherImpl* w) {
  absl::MutexLock lock(&hub_mu_);
  watchers_.erase(
      std::remove_if(watchers_.begin(), watchers_.end(), [w](const auto& p) { return p.get() == w; }),
      watchers_.end());
}

void Store::Impl::CloseWatchers(absl::string_view reason) {
  std::vector<std::shared_ptr<WatcherImpl>> all;
  {
    absl::MutexLock lock(&hub_mu_);
    all.swap(watchers_);
  }
  for (auto& w : all) {
    uint64_t resume = w->last_revision();
    // The queue is dropped: the client resumes from what it received.
    w->End(ResumeError(resume, reason), /*keep_queue=*/false);
  }
}

void Store::Impl::Publish(uint64_t last, const std::vector<ChangePtr>& changes) {
  std::vector<std::shared_ptr<WatcherImpl>> to_notify;
  {
    absl::MutexLock lock(&hub_mu_);
    published_.store(last);
    size_t limit = options_.watcher_queue_limit;
    for (auto& w : watchers_) {
      if (w->Offer(last, changes, limit)) to_notify.push_back(w);
    }
    watchers_.erase(
        std::remove_if(watchers_.begin(), watchers_.end(), [](const auto& w) { return w->ended(); }),
        watchers_.end());
  }
  for (auto& w : to_notify) w->NotifyReady();
}

void Store::Impl::DispatchLoop() {
  auto next_trim = absl::Now() + options_.trim_interval;
  for (;;) {
    std::deque<Batch> work;
    {
      absl::MutexLock lock(&commit_mu_);
      const absl::Time deadline = absl::Now() + options_.trim_interval;
      while (!stopping_ && dispatch_.empty()) {
        if (commit_cv_.WaitWithDeadline(&commit_mu_, deadline)) break;  // time to trim
      }
      if (stopping_) return;
      work.swap(dispatch_);
    }
    for (auto& b : work) Publish(b.last, b.changes);
    if (absl::Now() >= next_trim) {
      (void)Trim();  // a failed trim is retried next interval; data is unaffected
      next_trim = absl::Now() + options_.trim_interval;
    }
  }
}

absl::Status Store::Impl::TrimRequests() {
  // A bounded step per run keeps each batch small; the trimmer runs often.
  constexpr int kMaxPerRun = 10000;
  std::string upper = kRequestsByTime;
  AppendUint64(&upper, static_cast<uint64_t>(std::max<int64_t>(
                           0, absl::ToUnixNanos(options_.clock->Now() - options_.request_id_retention))));
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kRequestsCf)));
  rocksdb::WriteBatch batch;
  const size_t request_at = std::strlen(kRequestsByTime) + 8;
  int n = 0;
  for (it->Seek(kRequestsByTime); it->Valid() && n < kMaxPerRun; it->Next(), ++n) {
    rocksdb::Slice index = it->key();
    if (index.size() <= request_at) return absl::DataLossError("a request_id index key is malformed");
    batch.Delete(cf(kRequestsCf), rocksdb::Slice(index.data() + request_at, index.size() - request_at));
    batch.Delete(cf(kRequestsCf), index);
  }
  RCP_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scanning request ids"));
  if (n == 0) return absl::OkStatus();
  return FromRocksStatus(db_->Write(write_options_, &batch), "forgetting old request ids");
}

absl::Status Store::Impl::Trim() {
  RCP_RETURN_IF_ERROR(TrimRequests());
  absl::MutexLock trim_lock(&trim_mu_);
  uint64_t published = committed_.load();
  uint64_t floor = floor_.load();
  if (published <= 1) return absl::OkStatus();
  uint64_t keep_from_count =
      published > options_.changelog_max_records ? published - options_.changelog_max_records : 0;
  uint64_t new_floor = std::max(floor, keep_from_count);
  // Age: records are in time order; drop the old prefix.
  absl::Time cutoff = options_.clock->Now() - options_.changelog_max_age;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kChangelogCf)));
    for (it->Seek(EncodeUint64(new_floor + 1)); it->Valid(); it->Next()) {
      auto rev = DecodeUint64(absl::string_view(it->key().data(), it->key().size()));
      if (!rev.has_value() || *rev >= published) break;
      Change c;
      if (!c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) break;
      if (absl::FromUnixSeconds(c.time().seconds()) >= cutoff) break;
      new_floor = *rev;
    }
    RCP_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scanning the changelog"));
  }
  new_floor = std::min(new_floor, published - 1);  // the newest record is always kept
  if (new_floor <= floor) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  batch.DeleteRange(cf(kChangelogCf), EncodeUint64(0), EncodeUint64(new_floor + 1));
  batch.Put(cf(kMetaCf), kMetaCompacted, EncodeUint64(new_floor));
  // The floor moves before the delete, so a replaying watcher that read the
  // old floor re-checks after its scan and sees it was overtaken.
  {
    absl::MutexLock lock(&hub_mu_);
    floor_.store(new_floor);
  }
  return FromRocksStatus(db_->Write(write_options_, &batch), "trimming the changelog");
}

absl::Status Store::Impl::OpenSchema(bool created) {
  if (created) {
    stored_schema_version_ = options_.schema_version;
    return RecordSchemaVersion(options_.schema_version);
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kMetaCf), kMetaSchemaVersion, &value);
  if (s.IsNotFound()) {
    stored_schema_version_ = 0;  // from before versions were recorded
  } else if (!s.ok()) {
    return FromRocksStatus(s, "reading the schema version");
  } else {
    auto v = DecodeUint64(value);
    if (!v.has_value()) return absl::DataLossError("meta schema_version is malformed");
    stored_schema_version_ = static_cast<int>(*v);
  }
  if (stored_schema_version_ > options_.schema_version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database at ", options_.path, " is at schema version ", stored_schema_version_,
        ", newer than this release reads (", options_.schema_version,
        "): run the release that wrote it, or restore the pre-migrate-v", options_.schema_version,
        " checkpoint that release kept in that directory before migrating"));
  }
  return absl::OkStatus();
}

absl::Status Store::Impl::RecordSchemaVersion(int version) {
  return FromRocksStatus(
      db_->Put(write_options_, cf(kMetaCf), kMetaSchemaVersion, EncodeUint64(static_cast<uint64_t>(version))),
      "recording the schema version");
}

absl::Status Store::Impl::OpenEpoch(rocksdb::Env* env) {
  std::string value;
  uint64_t epoch = 0;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kMetaCf), kMetaEpoch, &value);
  if (s.ok()) {
    auto v = DecodeUint64(value);
    if (!v.has_value()) return absl::DataLossError("meta epoch is malformed");
    epoch = *v;
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the store's epoch");
  }
  const std::string marker = absl::StrCat(options_.path, "/", kRestoredMarker);
  bool restored = env->FileExists(marker).ok();
  if (epoch == 0 || restored) {
    // Later than any epoch before it, even with a clock set back.
    uint64_t now = static_cast<uint64_t>(absl::ToUnixMicros(options_.clock->Now()));
    epoch = std::max(now, epoch + 1);
    s = db_->Put(write_options_, cf(kMetaCf), kMetaEpoch, EncodeUint64(epoch));
    if (!s.ok()) return FromRocksStatus(s, "recording the store's epoch");
    if (restored) {
      s = env->DeleteFile(marker);
      if (!s.ok()) return FromRocksStatus(s, "removing the restore marker");
    }
  }
  epoch_ = epoch;
  return absl::OkStatus();
}

namespace {
// Whether `children` of a directory without CURRENT are only what RocksDB
// writes while creating a database (its lock, identity, info logs, first
// manifest and options, and empty write-ahead logs): a creation that was
// killed. Anything else (a table file, a WAL with records, a file of
// another program) is not ours to remove.
bool InterruptedCreation(rocksdb::Env* env, const std::string& path, const std::vector<std::string>& children) {
  for (const std::string& c : children) {
    absl::string_view name = c;
    if (name == "LOCK" || name == "IDENTITY" || name == "LOG" || absl::StartsWith(name, "LOG.old.") ||
        absl::StartsWith(name, "MANIFEST-") || absl::StartsWith(name, "OPTIONS-") || absl::EndsWith(name, ".dbtmp")) {
      continue;
    }
    uint64_t size = 0;
    if (absl::EndsWith(name, ".log") && env->GetFileSize(absl::StrCat(path, "/", c), &size).ok() && size == 0) {
      continue;
    }
    return false;
  }
  return true;
}
}  // namespace

absl::Status Store::Impl::Open() {
  rocksdb::Env* env = options_.env ? options_.env : rocksdb::Env::Default();
  const std::string& path = options_.path;
  if (path.empty()) return absl::InvalidArgumentError("data directory: must not be empty");

  // A directory with files but no CURRENT is not a database: refuse rather
  // than create an empty one beside whatever it holds.
  std::vector<std::string> children;
  bool exists = env->FileExists(path).ok();
  bool is_db = env->FileExists(path + "/CURRENT").ok();
  if (exists && !is_db) {
    env->GetChildren(path, &children);
    children.erase(std::remove_if(children.begin(), children.end(),
                                  [](const std::string& c) { return c == "." || c == ".."; }),
                   children.end());
    if (!children.empty() && !InterruptedCreation(env, path, children)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", path, " is not empty and holds no RocksDB database (no CURRENT file); ",
          "refusing to create a new store over it"));
    }
    // A first start killed before RocksDB wrote CURRENT: nothing was ever
    // acknowledged from it (no write is before Open returns), so its
    // leftovers go and the store is created again.
    for (const std::string& c : children) {
      rocksdb::Status s = env->DeleteFile(absl::StrCat(path, "/", c));
      if (!s.ok()) return FromRocksStatus(s, absl::StrCat("removing ", c, " of an interrupted creation"));
    }
  }
  if (!exists) {
    rocksdb::Status s = env->CreateDirIfMissing(path);
    if (!s.ok()) return FromRocksStatus(s, absl::StrCat("creating data directory ", path));
  }

  // A backup's checkpoint left by a process that died during it.
  if (is_db && options_.env == nullptr) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.path().filename().string().rfind(kCheckpointPrefix, 0) == 0) {
        std::filesystem::remove_all(entry.path(), ec);
      }
    }
  }

  rocksdb::Options db_options;
  db_options.env = env;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.IncreaseParallelism(2);

  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kChangelogCf, kMetaCf, kRequestsCf,
                                    kItemRevisionsCf};
  for (const auto& n : options_.column_families) names.push_back(n);
  if (is_db) {
    std::vector<std::string> existing;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, path, &existing);
    if (!s.ok()) return FromRocksStatus(s, absl::StrCat("reading the database at ", path));
    for (const auto& e : existing) {
      if (std::find(names.begin(), names.end(), e) == names.end()) names.push_back(e);
    }
  }
  std::shared_ptr<rocksdb::TableFactory> table_factory;
  if (options_.memory_budget_mb > 0) {
    const size_t budget = static_cast<size_t>(options_.memory_budget_mb) << 20;
    // strict_capacity_limit stays off: a read must never fail because the
    // cache is full; the budget bounds what is cached, not what is read.
    std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(budget);
    db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(budget / 2, cache);
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) {
    rocksdb::ColumnFamilyOptions cf_options;
    if (table_factory != nullptr) cf_options.table_factory = table_factory;
    descriptors.emplace_back(n, cf_options);
  }

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &handles_, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat("the database at ", path, " is in use by another process: ", s.ToString()));
    }
    absl::Status st = FromRocksStatus(s, absl::StrCat("opening the database at ", path));
    if (st.code() == absl::StatusCode::kUnavailable) {
      // An I/O error at open is not transient for our purposes.
      return absl::DataLossError(st.message());
    }
    return st;
  }
  db_.reset(raw);
  for (size_t i = 0; i < names.size(); ++i) cf_by_name_[names[i]] = handles_[i];

  write_options_.sync = options_.sync_writes;

  std::string value;
  s = db_->Get(rocksdb::ReadOptions(), cf(kMetaCf), kMetaStoreName, &value);
  if (s.IsNotFound()) {
    s = db_->Put(write_options_, cf(kMetaCf), kMetaStoreName, options_.store_name);
    if (!s.ok()) return FromRocksStatus(s, "recording the store name");
  } else if (!s.ok()) {
    return FromRocksStatus(s, "reading the store name");
  } else if (value != options_.store_name) {
    return absl::FailedPreconditionError(absl::StrCat("the database at ", path, " belongs to the '", value,
                                                      "' store, not '", options_.store_name, "'"));
  }

  RCP_RETURN_IF_ERROR(OpenSchema(!is_db));
  RCP_RETURN_IF_ERROR(OpenEpoch(env));
  s = db_->Get(rocksdb::ReadOptions(), cf(kMetaCf), kMetaLastBackup, &value);
  if (s.ok()) {
    auto v = DecodeUint64(value);
    if (!v.has_value()) return absl::DataLossError("meta last_backup is malformed");
    last_backup_micros_ = static_cast<int64_t>(*v);
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the time of the last backup");
  }

  uint64_t floor = 0;
  s = db_->Get(rocksdb::ReadOptions(), cf(kMetaCf), kMetaCompacted, &value);
  if (s.ok()) {
    auto v = DecodeUint64(value);
    if (!v.has_value()) return absl::DataLossError("meta compacted_revision is malformed");
    floor = *v;
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the compacted revision");
  }
  uint64_t last = floor;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kChangelogCf)));
    it->SeekToLast();
    if (it->Valid()) {
      auto v = DecodeUint64(absl::string_view(it->key().data(), it->key().size()));
      if (!v.has_value()) return absl::DataLossError("changelog key is malformed");
      last = std::max(last, *v);
    }
    RCP_RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading the changelog"));
  }
  {
    // Nothing runs concurrently yet; the locks keep to the fields' rule.
    absl::MutexLock alloc(&alloc_mu_);
    absl::MutexLock commit(&commit_mu_);
    floor_ = floor;
    last_allocated_ = last;
    contiguous_ = last;
    committed_ = last;
    published_ = last;
  }
  dispatcher_ = std::thread([this] { DispatchLoop(); });
  return absl::OkStatus();
}

// ------------------------------------------------------------ transaction

Transaction::Transaction(Store* store, WriteContext context, absl::Time now)
    : store_(store), context_(std::move(context)), now_(now) {}
Transaction::~Transaction() = default;

absl::StatusOr<std::optional<std::string>> Transaction::Get(absl::string_view cf, absl::string_view key) {
  std::string value;
  auto* impl = store_->impl_.get();
  rocksdb::Status s = impl->db_->Get(rocksdb::ReadOptions(), impl->cf(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksStatus(s, absl::StrCat("reading ", key));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<bool> Transaction::Get(absl::string_view cf, absl::string_view key,
                                      google::protobuf::Message* message) {
  RCP_ASSIGN_OR_RETURN(auto value, Get(cf, key));
  if (!value.has_value()) return false;
  if (!message->ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("stored value of ", key, " is unreadable"));
  }
  return true;
}

void Transaction::Put(absl::string_view cf, absl::string_view key, absl::string_view value) {
  ops_.push_back(Op{false, store_->impl_->cf(cf), std::string(key), std::string(value)});
}

void Transaction::Put(absl::string_view cf, absl::string_view key, const google::protobuf::Message& value) {
  Put(cf, key, value.SerializeAsString());
}

void Transaction::Delete(absl::string_view cf, absl::string_view key) {
  ops_.push_back(Op{true, store_->impl_->cf(cf), std::string(key), {}});
}

Change& Transaction::RecordChange(absl::string_view name, absl::string_view kind, Change::Operation op,
                                  const google::protobuf::Message& value) {
  Change& c = changes_.emplace_back();
  c.set_name(std::string(name));
  c.set_kind(std::string(kind));
  c.set_operation(op);
  c.mutable_value()->PackFrom(value);
  c.set_tombstone(op == Change::DELETED || op == Change::WITHDRAWN);
  c.set_principal(context_.principal);
  *c.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now_));
  return c;
}

Change& Transaction::RecordUpdate(absl::string_view name, absl::string_view kind,
                                  const google::protobuf::Message& before,
                                  const google::protobuf::Message& after) {
  Change& c = RecordChange(name, kind, Change::UPDATED, after);
  c.mutable_previous_value()->PackFrom(before);
  return c;
}

std::string RequestLockKey(absl::string_view method, absl::string_view request_id) {
  return absl::StrCat("request:", method, ":", request_id);
}

absl::StatusOr<std::optional<std::string>> Transaction::LookupRequest(absl::string_view method,
                                                                      absl::string_view request_id,
                                                                      absl::string_view fingerprint) {
  if (request_id.empty()) return std::optional<std::string>();
  if (request_id.size() > kMaxRequestIdLength) {
    return InvalidField("request_id", "must be at most 100 characters");
  }
  RCP_ASSIGN_OR_RETURN(auto stored, Get(kRequestsCf, RequestLockKey(method, request_id)));
  if (!stored.has_value()) return std::optional<std::string>();
  size_t nl = stored->find('\n');
  if (nl == std::string::npos) return absl::DataLossError("request record is malformed");
  if (absl::string_view(*stored).substr(0, nl) != fingerprint) {
    return InvalidField("request_id", "was already used for a different request; use a new request_id");
  }
  return std::optional<std::string>(stored->substr(nl + 1));
}

void Transaction::RememberRequest(absl::string_view method, absl::string_view request_id,
                                  absl::string_view fingerprint, absl::string_view resource_name) {
  if (request_id.empty()) return;
  std::string key = RequestLockKey(method, request_id);
  Put(kRequestsCf, key, absl::StrCat(fingerprint, "\n", resource_name));
  // By time too, so that retention finds the old ones without a full scan.
  std::string by_time = kRequestsByTime;
  AppendUint64(&by_time, static_cast<uint64_t>(absl::ToUnixNanos(now_)));
  Put(kRequestsCf, by_time + key, "");
}

// ------------------------------------------------------------------ store

Store::Store(const StoreOptions& options) : options_(options), impl_(new Impl(options)) {}
Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(options));
  RCP_RETURN_IF_ERROR(store->impl_->Open());
  RCP_RETURN_IF_ERROR(store->Migrate());
  return store;
}

absl::Status Store::Migrate() {
  int version = impl_->stored_schema_version_;
  if (version == options_.schema_version) return absl::OkStatus();
  // What a rollback restores: the data as the release before left it.
  const std::string kept = absl::StrCat(options_.path, "/pre-migrate-v", version);
  if (options_.env == nullptr && !std::filesystem::exists(kept)) {
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(impl_->db_.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    if (s.ok()) s = checkpoint->CreateCheckpoint(kept);
    if (!s.ok()) return FromRocksStatus(s, absl::StrCat("keeping ", kept, " before migrating"));
  }
  for (; version < options_.schema_version; ++version) {
    auto step = std::find_if(options_.migrations.begin(), options_.migrations.end(),
                             [&](const Migration& m) { return m.from_version == version; });
    if (step != options_.migrations.end()) {
      if (absl::Status s = step->apply(*this); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("migrating ", options_.store_name, " from schema version ",
                                                   version, ": ", s.message()));
      }
    } else if (version != 0) {
      return absl::InternalError(absl::StrCat("no migration of ", options_.store_name, " from schema version ",
                                              version));
    }
    RCP_RETURN_IF_ERROR(impl_->RecordSchemaVersion(version + 1));
  }
  impl_->stored_schema_version_ = version;
  return absl::OkStatus();
}

int Store::schema_version() const { return impl_->stored_schema_version_; }

absl::StatusOr<uint64_t> Store::Write(const WriteContext& context, std::vector<std::string> lock_keys,
                                      absl::FunctionRef<absl::Status(Transaction&)> fn) {
  auto held = impl_->locks_.Lock(lock_keys);
  Transaction txn(this, context, options_.clock->Now());
  RCP_RETURN_IF_ERROR(fn(txn));
  if (txn.ops_.empty() && txn.changes_.empty()) return revision();

  rocksdb::WriteBatch batch;
  for (const auto& op : txn.ops_) {
    if (op.is_delete) {
      batch.Delete(op.cf, op.key);
    } else {
      batch.Put(op.cf, op.key, op.value);
    }
  }
  const rocksdb::WriteOptions& write_options = impl_->write_options_;
  uint64_t n = txn.changes_.size();
  if (n == 0) {
    RCP_RETURN_IF_ERROR(FromRocksStatus(impl_->db_->Write(write_options, &batch), "writing"));
    return revision();
  }
  uint64_t first = impl_->Allocate(n);
  std::vector<ChangePtr> published;
  published.reserve(n);
  auto* changelog = impl_->cf(kChangelogCf);
  auto* item_revisions = impl_->cf(kItemRevisionsCf);
  for (uint64_t i = 0; i < n; ++i) {
    auto& c = txn.changes_[i];
    c.set_revision(first + i);
    batch.Put(changelog, EncodeUint64(first + i), c.SerializeAsString());
    // A later record of the same name in this batch overrides: the last wins.
    batch.Put(item_revisions, c.name(), EncodeUint64(first + i));
    published.push_back(std::make_shared<Change>(std::move(c)));
  }
  rocksdb::Status s = impl_->db_->Write(write_options, &batch);
  if (!s.ok()) {
    impl_->OnCommitted(first, n, {});  // a hole: readers skip it
    return FromRocksStatus(s, "committing a write");
  }
  impl_->OnCommitted(first, n, std::move(published));
  return first + n - 1;
}

absl::StatusOr<std::string> Store::Get(absl::string_view cf, absl::string_view key) const {
  std::string value;
  rocksdb::Status s = impl_->db_->Get(rocksdb::ReadOptions(), impl_->cf(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(key, " not found"));
  if (!s.ok()) return FromRocksStatus(s, absl::StrCat("reading ", key));
  return value;
}

absl::Status Store::Get(absl::string_view cf, absl::string_view key,
                        google::protobuf::Message* message) const {
  RCP_ASSIGN_OR_RETURN(std::string value, Get(cf, key));
  if (!message->ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("stored value of ", key, " is unreadable"));
  }
  return absl::OkStatus();
}

std::unique_ptr<ReadView> Store::Read() const {
  // The revision is read before the snapshot is taken, so every change up
  // to it is in the snapshot.
  return std::unique_ptr<ReadView>(new ReadView(this, revision()));
}

uint64_t Store::revision() const { return impl_->committed_.load(); }
uint64_t Store::compacted_revision() const { return impl_->floor_.load(); }
uint64_t Store::epoch() const { return impl_->epoch_.load(); }

absl::Status Store::WithCheckpoint(
    absl::FunctionRef<absl::Status(const std::string& dir, uint64_t revision)> use) {
  if (options_.env != nullptr) return absl::FailedPreconditionError("checkpoints need the real disk");
  // Read first: the checkpoint holds at least every change up to it.
  const uint64_t revision = this->revision();
  const std::string dir = absl::StrCat(options_.path, "/", kCheckpointPrefix, absl::ToUnixNanos(absl::Now()));
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(impl_->db_.get(), &raw);
  if (!s.ok()) return FromRocksStatus(s, "preparing a checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(dir);
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return FromRocksStatus(s, "taking a checkpoint");
  }
  absl::Status used = use(dir, revision);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return used;
}

namespace {
absl::StatusOr<uint64_t> DecodeItemRevision(absl::StatusOr<std::string> value, absl::string_view name) {
  if (absl::IsNotFound(value.status())) return 0;
  if (!value.ok()) return value.status();
  auto v = DecodeUint64(*value);
  if (!v.has_value()) return absl::DataLossError(absl::StrCat("the revision of ", name, " is malformed"));
  return *v;
}
}  // namespace

absl::StatusOr<uint64_t> Store::ItemRevision(absl::string_view name) const {
  return DecodeItemRevision(Get(kItemRevisionsCf, name), name);
}

absl::StatusOr<std::shared_ptr<Watcher>> Store::Watch(uint64_t since_revision,
                                                      std::function<void()> on_ready) {
  return impl_->Watch(since_revision, std::move(on_ready));
}

absl::Status Store::ReadChanges(uint64_t after_revision, size_t max, std::vector<Change>* out,
                                uint64_t* through) const {
  uint64_t current = revision();
  if (after_revision > current) {
    return absl::OutOfRangeError(
        absl::StrCat("revision ", after_revision, " is in the future; the current revision is ", current));
  }
  uint64_t floor = impl_->floor_.load();
  if (after_revision < floor) return ResyncError(after_revision, floor, current);
  std::string start = EncodeUint64(after_revision + 1);
  std::string limit = EncodeUint64(current + 1);
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(limit);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(ro, impl_->cf(kChangelogCf)));
  *through = current;
  for (it->Seek(start); it->Valid(); it->Next()) {
    if (out->size() >= max) {
      *through = out->back().revision();
      break;
    }
    Change& c = out->emplace_back();
    if (!c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a changelog record is unreadable");
    }
  }
  RCP_RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading the changelog"));
  // A trim that overtook the read means records may be missing.
  if (after_revision < impl_->floor_.load()) {
    return ResyncError(after_revision, impl_->floor_.load(), current);
  }
  return absl::OkStatus();
}

absl::Status Store::TrimChangelog() { return impl_->Trim(); }

void Store::CloseWatchers(absl::string_view reason) { impl_->CloseWatchers(reason); }

size_t Store::watcher_count() const {
  absl::MutexLock lock(&impl_->hub_mu_);
  return impl_->watchers_.size();
}

uint64_t Store::oldest_watcher_revision() const {
  // Hub lock, then each watcher's: the order Fill takes them in.
  absl::MutexLock lock(&impl_->hub_mu_);
  uint64_t oldest = impl_->committed_.load();
  for (const auto& w : impl_->watchers_) {
    if (!w->ended()) oldest = std::min(oldest, w->last_revision());
  }
  return oldest;
}

absl::Status Store::RecordBackup(absl::Time taken_at) {
  int64_t micros = std::max<int64_t>(absl::ToUnixMicros(taken_at), 0);
  // Never back: of two backups finishing out of order, the later start wins.
  int64_t seen = impl_->last_backup_micros_.load();
  while (seen < micros && !impl_->last_backup_micros_.compare_exchange_weak(seen, micros)) {
  }
  if (seen >= micros) return absl::OkStatus();
  return FromRocksStatus(impl_->db_->Put(impl_->write_options_, impl_->cf(kMetaCf), kMetaLastBackup,
                                         EncodeUint64(static_cast<uint64_t>(micros))),
                         "recording the backup");
}

std::optional<absl::Time> Store::last_backup() const {
  int64_t micros = impl_->last_backup_micros_.load();
  if (micros == 0) return std::nullopt;
  return absl::FromUnixMicros(micros);
}

std::optional<uint64_t> Store::IntProperty(absl::string_view property) const {
  uint64_t value = 0;
  if (!impl_->db_->GetIntProperty(rocksdb::Slice(property.data(), property.size()), &value)) return std::nullopt;
  return value;
}

std::optional<uint64_t> Store::SummedIntProperty(absl::string_view property) const {
  uint64_t value = 0;
  if (!impl_->db_->GetAggregatedIntProperty(rocksdb::Slice(property.data(), property.size()), &value)) {
    return std::nullopt;
  }
  return value;
}

// --------------------------------------------------------------- read view

ReadView::ReadView(const Store* store, uint64_t revision)
    : store_(store), revision_(revision), snapshot_(store->impl_->db_->GetSnapshot()) {}

ReadView::~ReadView() {
  store_->impl_->db_->ReleaseSnapshot(static_cast<const rocksdb::Snapshot*>(snapshot_));
}

absl::StatusOr<std::string> ReadView::Get(absl::string_view cf, absl::string_view key) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = static_cast<const rocksdb::Snapshot*>(snapshot_);
  std::string value;
  rocksdb::Status s = store_->impl_->db_->Get(ro, store_->impl_->cf(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(key, " not found"));
  if (!s.ok()) return FromRocksStatus(s, absl::StrCat("reading ", key));
  return value;
}

absl::Status ReadView::Get(absl::string_view cf, absl::string_view key,
                           google::protobuf::Message* message) const {
  RCP_ASSIGN_OR_RETURN(std::string value, Get(cf, key));
  if (!message->ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("stored value of ", key, " is unreadable"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadView::ItemRevision(absl::string_view name) const {
  return DecodeItemRevision(Get(kItemRevisionsCf, name), name);
}

absl::Status ReadView::Scan(
    absl::string_view cf, absl::string_view start, absl::string_view limit,
    absl::FunctionRef<bool(absl::string_view key, absl::string_view value)> fn) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = static_cast<const rocksdb::Snapshot*>(snapshot_);
  rocksdb::Slice upper(limit.data(), limit.size());
  if (!limit.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(store_->impl_->db_->NewIterator(ro, store_->impl_->cf(cf)));
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
    if (!fn(absl::string_view(it->key().data(), it->key().size()),
            absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocksStatus(it->status(), absl::StrCat("scanning ", cf));
}

}  // namespace rcp::storage
