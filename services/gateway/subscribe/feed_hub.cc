#include "services/gateway/subscribe/feed_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace rcp::gateway::subscribe {
namespace {

using rcp::common::v1::Change;
using rcp::common::v1::WatchResponse;

}  // namespace

FeedHub::FeedHub(upstream::Upstream* upstream, ThreadPool* pool, size_t log_limit)
    : upstream_(upstream), pool_(pool), log_limit_(log_limit) {}

FeedHub::~FeedHub() { Stop(); }

absl::Status FeedHub::ReadPosition(Service service, uint64_t* epoch, uint64_t* revision) {
  rcp::federation::v1::Position position;
  grpc::Status s = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
    return upstream_->replica(service)->GetPosition(c, {}, &position);
  });
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(resource::ServiceName(service), ": ", s.error_message()));
  }
  *epoch = position.epoch();
  *revision = position.revision();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> FeedHub::Resume(Service service) {
  uint64_t epoch = 0;
  uint64_t revision = 0;
  RCP_RETURN_IF_ERROR(ReadPosition(service, &epoch, &revision));
  Log& l = log(service);
  {
    absl::MutexLock lock(&l.mu);
    if (epoch == l.epoch) return l.hi;
    spdlog::warn("msg=\"a service is in a new epoch (restored from a backup): its feed starts again\" service={} "
                 "epoch={} revision={} previous_epoch={} previous_revision={}",
                 resource::ServiceName(service), epoch, revision, l.epoch, l.hi);
    l.entries.clear();
    l.lo = l.hi = revision;
    l.epoch = epoch;
    l.failed_from = 0;
    l.failure = absl::OkStatus();
  }
  // Subscribers of the old epoch learn it at once.
  WakeAll();
  return revision;
}

absl::Status FeedHub::Start() {
  std::array<uint64_t, resource::kServices.size()> heads{};
  std::array<uint64_t, resource::kServices.size()> epochs{};
  for (Service s : resource::kServices) {
    const size_t i = static_cast<size_t>(s);
    RCP_RETURN_IF_ERROR(ReadPosition(s, &epochs[i], &heads[i]));
  }
  for (Service s : resource::kServices) {
    Log& l = log(s);
    absl::MutexLock lock(&l.mu);
    l.lo = l.hi = heads[static_cast<size_t>(s)];
    l.epoch = epochs[static_cast<size_t>(s)];
  }
  for (Service s : resource::kServices) threads_.emplace_back([this, s] { Follow(s); });
  return absl::OkStatus();
}

void FeedHub::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopping_) return;
    stopping_ = true;
    *running_ = false;
    for (auto* ctx : live_contexts_) {
      if (ctx) ctx->TryCancel();
    }
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  absl::MutexLock lock(&listeners_mu_);
  listeners_.clear();
}

Cursor FeedHub::Head() const {
  Cursor c;
  for (Service s : resource::kServices) {
    const Log& l = log(s);
    absl::ReaderMutexLock lock(&l.mu);
    c.at(s) = l.hi;
    c.epoch(s) = l.epoch;
  }
  return c;
}

uint64_t FeedHub::Epoch(Service service) const {
  const Log& l = log(service);
  absl::ReaderMutexLock lock(&l.mu);
  return l.epoch;
}

std::unique_ptr<grpc::ClientReaderInterface<WatchResponse>> FeedHub::OpenWatch(Service service,
                                                                               grpc::ClientContext* ctx,
                                                                               uint64_t since) {
  upstream_->Prepare(ctx, {}, nullptr, /*streaming=*/true);
  rcp::common::v1::WatchRequest req;
  req.set_since_revision(since);
  switch (service) {
    case Service::kRegistry:
      return upstream_->registry()->Watch(ctx, req);
    case Service::kEvents:
      return upstream_->events()->Watch(ctx, req);
    case Service::kDocuments:
      break;
  }
  return upstream_->documents()->Watch(ctx, req);
}

// Follows one service for the hub's lifetime: reconnects with backoff from
// the last revision seen, as any watcher does.
void FeedHub::Follow(Service service) {
  Log& l = log(service);
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    grpc::ClientContext ctx;
    // Every (re)connection first reads the store's epoch: one restored from
    // a backup is followed from its own revision, not asked for revisions
    // of the store it replaced (which it may not have, or may reuse).
    absl::StatusOr<uint64_t> since = Resume(service);
    if (!since.ok()) {
      spdlog::warn("msg=\"cannot read the position of a service; retrying\" service={} error=\"{}\" backoff_ms={}",
                   resource::ServiceName(service), since.status().ToString(), absl::ToInt64Milliseconds(backoff));
      absl::MutexLock lock(&stop_mu_);
      if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) return;
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    {
      absl::MutexLock lock(&stop_mu_);
      if (stopping_) return;
      live_contexts_[static_cast<size_t>(service)] = &ctx;
    }
    auto reader = OpenWatch(service, &ctx, *since);
    WatchResponse batch;
    while (reader->Read(&batch)) {
      backoff = absl::Milliseconds(100);
      if (batch.changes_size() == 0) continue;
      {
        absl::MutexLock lock(&l.mu);
        for (auto& c : *batch.mutable_changes()) {
          if (c.revision() <= l.hi) continue;
          l.hi = c.revision();
          l.entries.push_back(std::make_shared<const Change>(std::move(c)));
        }
        // Bounded memory: the oldest changes go; subscribers still behind
        // them are ended as too slow (they resume with their cursor).
        while (l.entries.size() > log_limit_) {
          l.lo = l.entries.front()->revision();
          l.entries.pop_front();
        }
      }
      WakeAll();
    }
    grpc::Status status = reader->Finish();
    {
      absl::MutexLock lock(&stop_mu_);
      live_contexts_[static_cast<size_t>(service)] = nullptr;
      if (stopping_) return;
    }
    spdlog::warn("msg=\"upstream watch ended; reconnecting\" service={} code={} error=\"{}\" backoff_ms={}",
                 resource::ServiceName(service), static_cast<int>(status.error_code()),
                 status.error_message(), absl::ToInt64Milliseconds(backoff));
    absl::MutexLock lock(&stop_mu_);
    if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) return;
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

void FeedHub::Read(Service service, uint64_t after, size_t max, bool backfill, std::vector<ChangePtr>* out,
                   uint64_t* through, bool* behind) {
  Log& l = log(service);
  {
    absl::ReaderMutexLock lock(&l.mu);
    *behind = after < l.lo;
    *through = after;
    if (!*behind) {
      auto it = std::upper_bound(l.entries.begin(), l.entries.end(), after,
                                 [](uint64_t rev, const ChangePtr& c) { return rev < c->revision(); });
      for (; it != l.entries.end() && out->size() < max; ++it) out->push_back(*it);
      *through = out->size() < max || it == l.entries.end() ? l.hi : out->back()->revision();
      return;
    }
    if (!backfill || l.backfilling) return;
  }
  absl::MutexLock lock(&l.mu);
  if (!l.backfilling && after < l.lo) {
    l.backfilling = true;
    pool_->Schedule([this, service, after] { Backfill(service, after); });
  }
}

absl::Status FeedHub::BackfillError(Service service, uint64_t after) const {
  const Log& l = log(service);
  absl::ReaderMutexLock lock(&l.mu);
  if (!l.failure.ok() && after <= l.failed_from) return l.failure;
  return absl::OkStatus();
}

// Fetches the changes in (after, lo] from the service and prepends them.
void FeedHub::Backfill(Service service, uint64_t after) {
  Log& l = log(service);
  uint64_t lo;
  {
    absl::ReaderMutexLock lock(&l.mu);
    lo = l.lo;
  }
  std::vector<ChangePtr> fetched;
  grpc::ClientContext ctx;
  auto reader = OpenWatch(service, &ctx, after);
  // Revision `lo` itself may be a hole (a failed write) that no change will
  // ever fill: what arrived by the deadline is then all there is.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  WatchResponse batch;
  bool done = lo <= after;
  while (!done && reader->Read(&batch)) {
    for (auto& c : *batch.mutable_changes()) {
      if (c.revision() > lo) {
        done = true;
        break;
      }
      fetched.push_back(std::make_shared<const Change>(std::move(c)));
      if (fetched.back()->revision() == lo) done = true;
    }
    // The upstream may have nothing at exactly `lo` (a hole): catching up to
    // its head settles it.
    if (!done && batch.changes_size() == 0 && batch.progress_revision() >= lo) done = true;
  }
  ctx.TryCancel();
  grpc::Status status = reader->Finish();
  if (!done && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && !fetched.empty()) done = true;
  {
    absl::MutexLock lock(&l.mu);
    l.backfilling = false;
    if (done) {
      // Prepend what is older than the log's start.
      uint64_t first = l.entries.empty() ? l.hi + 1 : l.entries.front()->revision();
      for (auto it = fetched.rbegin(); it != fetched.rend(); ++it) {
        if ((*it)->revision() < first && (*it)->revision() > after) l.entries.push_front(*it);
      }
      l.lo = std::min(l.lo, after);
      l.failure = absl::OkStatus();
    } else {
      l.failure = status.ok() ? absl::UnavailableError("the service ended the backfill early")
                              : FromGrpcStatus(status);
      l.failed_from = after;
      spdlog::warn("msg=\"backfill failed\" service={} after={} error=\"{}\"", resource::ServiceName(service),
                   after, l.failure.ToString());
    }
  }
  WakeAll();
}

void FeedHub::AddListener(const std::shared_ptr<FeedListener>& listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.push_back(listener);
}

void FeedHub::RemoveListener(FeedListener* listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(std::remove_if(listeners_.begin(), listeners_.end(),
                                  [&](const std::weak_ptr<FeedListener>& w) {
                                    auto l = w.lock();
                                    return !l || l.get() == listener;
                                  }),
                   listeners_.end());
}

size_t FeedHub::listener_count() const {
  absl::MutexLock lock(&listeners_mu_);
  return listeners_.size();
}

void FeedHub::WakeAll() {
  std::vector<std::shared_ptr<FeedListener>> live;
  {
    absl::MutexLock lock(&listeners_mu_);
    live.reserve(listeners_.size());
    for (const auto& w : listeners_) {
      if (auto l = w.lock()) live.push_back(std::move(l));
    }
  }
  // Many subscribers: wake them from a few threads at once, so that their
  // writes go out in parallel.
  constexpr size_t kPerThread = 1024;
  size_t chunks = std::min<size_t>((live.size() + kPerThread - 1) / kPerThread, 4);
  if (chunks <= 1) {
    for (auto& l : live) l->Wake();
    return;
  }
  auto shared = std::make_shared<std::vector<std::shared_ptr<FeedListener>>>(std::move(live));
  size_t per = (shared->size() + chunks - 1) / chunks;
  for (size_t c = 1; c < chunks; ++c) {
    pool_->Schedule([shared, c, per, running = running_] {
      size_t end = std::min(shared->size(), (c + 1) * per);
      for (size_t i = c * per; i < end && *running; ++i) (*shared)[i]->Wake();
    });
  }
  for (size_t i = 0; i < std::min(shared->size(), per); ++i) (*shared)[i]->Wake();
}

}  // namespace rcp::gateway::subscribe
