#include "services/gateway/feed_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/coding/coding.h"

namespace rcp::gateway {
namespace {

using rcp::common::v1::Change;
using rcp::common::v1::WatchResponse;

constexpr char kCursorVersion[] = "c1";

}  // namespace

std::string EncodeCursor(const Cursor& cursor) {
  std::string raw = kCursorVersion;
  for (uint64_t r : cursor.revisions) coding::AppendUint64(&raw, r);
  raw += crypto::Sha256Hex(raw).substr(0, 8);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<Cursor> DecodeCursor(absl::string_view text) {
  std::string raw;
  constexpr size_t kSize = 2 + 8 * kFeedServices + 8;
  if (text.size() > 100 || !absl::WebSafeBase64Unescape(text, &raw) || raw.size() != kSize ||
      raw.substr(0, 2) != kCursorVersion ||
      crypto::Sha256Hex(raw.substr(0, kSize - 8)).substr(0, 8) != raw.substr(kSize - 8)) {
    return InvalidField("cursor", "is malformed; pass a cursor from an earlier SubscribeResponse, or none");
  }
  Cursor c;
  for (int i = 0; i < kFeedServices; ++i) {
    c.revisions[i] = *coding::DecodeUint64(absl::string_view(raw).substr(2 + 8 * i, 8));
  }
  return c;
}

FeedHub::FeedHub(Upstream* upstream, ThreadPool* pool, const GatewayOptions& options)
    : upstream_(upstream), pool_(pool), options_(options) {}

FeedHub::~FeedHub() { Stop(); }

absl::Status FeedHub::Start() {
  // Each service's current revision, from a one-item List.
  std::array<uint64_t, kFeedServices> heads{};
  {
    grpc::Status s = upstream_->WithRetry("", nullptr, [&](grpc::ClientContext* c) {
      rcp::registry::v1::ListProcessesRequest req;
      req.set_page_size(1);
      rcp::registry::v1::ListProcessesResponse resp;
      grpc::Status st = upstream_->registry()->ListProcesses(c, req, &resp);
      heads[0] = resp.revision();
      return st;
    });
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("registry: ", s.error_message()));
  }
  {
    grpc::Status s = upstream_->WithRetry("", nullptr, [&](grpc::ClientContext* c) {
      rcp::events::v1::ListMeetingsRequest req;
      req.set_page_size(1);
      rcp::events::v1::ListMeetingsResponse resp;
      grpc::Status st = upstream_->events()->ListMeetings(c, req, &resp);
      heads[1] = resp.revision();
      return st;
    });
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("events: ", s.error_message()));
  }
  {
    grpc::Status s = upstream_->WithRetry("", nullptr, [&](grpc::ClientContext* c) {
      rcp::documents::v1::ListDocumentsRequest req;
      req.set_page_size(1);
      rcp::documents::v1::ListDocumentsResponse resp;
      grpc::Status st = upstream_->documents()->ListDocuments(c, req, &resp);
      heads[2] = resp.revision();
      return st;
    });
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("documents: ", s.error_message()));
  }
  for (int i = 0; i < kFeedServices; ++i) {
    std::unique_lock<std::shared_mutex> lock(logs_[i].mu);
    logs_[i].lo = logs_[i].hi = heads[i];
  }
  for (int i = 0; i < kFeedServices; ++i) threads_.emplace_back([this, i] { Follow(i); });
  return absl::OkStatus();
}

void FeedHub::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
    *running_ = false;
    for (auto* ctx : live_contexts_) {
      if (ctx) ctx->TryCancel();
    }
  }
  stop_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.clear();
}

Cursor FeedHub::Head() const {
  Cursor c;
  for (int i = 0; i < kFeedServices; ++i) {
    std::shared_lock<std::shared_mutex> lock(logs_[i].mu);
    c.revisions[i] = logs_[i].hi;
  }
  return c;
}

std::unique_ptr<grpc::ClientReader<WatchResponse>> FeedHub::OpenWatch(int service, grpc::ClientContext* ctx,
                                                                      uint64_t since) {
  upstream_->Prepare(ctx, "", nullptr, /*streaming=*/true);
  rcp::common::v1::WatchRequest req;
  req.set_since_revision(since);
  switch (service) {
    case 0:
      return upstream_->registry()->Watch(ctx, req);
    case 1:
      return upstream_->events()->Watch(ctx, req);
    default:
      return upstream_->documents()->Watch(ctx, req);
  }
}

// Follows one service for the hub's lifetime: reconnects with backoff from
// the last revision seen, as any watcher does.
void FeedHub::Follow(int service) {
  Log& log = logs_[service];
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    grpc::ClientContext ctx;
    uint64_t since;
    {
      std::shared_lock<std::shared_mutex> lock(log.mu);
      since = log.hi;
    }
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      if (stopping_) return;
      live_contexts_[service] = &ctx;
    }
    auto reader = OpenWatch(service, &ctx, since);
    WatchResponse batch;
    while (reader->Read(&batch)) {
      backoff = absl::Milliseconds(100);
      if (batch.changes_size() == 0) continue;
      {
        std::unique_lock<std::shared_mutex> lock(log.mu);
        for (auto& c : *batch.mutable_changes()) {
          if (c.revision() <= log.hi) continue;
          log.hi = c.revision();
          log.entries.push_back(std::make_shared<Change>(std::move(c)));
        }
        // Bounded memory: the oldest changes go; subscribers still behind
        // them are ended as too slow (they resume with their cursor).
        while (log.entries.size() > options_.feed_log_limit) {
          log.lo = log.entries.front()->revision();
          log.entries.pop_front();
        }
      }
      WakeAll();
    }
    grpc::Status status = reader->Finish();
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      live_contexts_[service] = nullptr;
      if (stopping_) return;
    }
    spdlog::warn("msg=\"upstream watch ended; reconnecting\" service={} code={} error=\"{}\" backoff_ms={}",
                 kFeedServiceNames[service], static_cast<int>(status.error_code()), status.error_message(),
                 absl::ToInt64Milliseconds(backoff));
    std::unique_lock<std::mutex> lock(stop_mu_);
    if (stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(backoff), [this] { return stopping_; })) return;
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

void FeedHub::Read(int service, uint64_t after, size_t max, bool backfill,
                   std::vector<storage::ChangePtr>* out, uint64_t* through, bool* behind) {
  Log& log = logs_[service];
  std::shared_lock<std::shared_mutex> lock(log.mu);
  *behind = after < log.lo;
  *through = after;
  if (*behind) {
    if (backfill && !log.backfilling) {
      lock.unlock();
      std::unique_lock<std::shared_mutex> w(log.mu);
      if (!log.backfilling && after < log.lo) {
        log.backfilling = true;
        pool_->Schedule([this, service, after] { Backfill(service, after); });
      }
    }
    return;
  }
  auto it = std::upper_bound(log.entries.begin(), log.entries.end(), after,
                             [](uint64_t rev, const storage::ChangePtr& c) { return rev < c->revision(); });
  for (; it != log.entries.end() && out->size() < max; ++it) out->push_back(*it);
  *through = out->size() < max || it == log.entries.end() ? log.hi : out->back()->revision();
}

absl::Status FeedHub::BackfillError(int service, uint64_t after) const {
  const Log& log = logs_[service];
  std::shared_lock<std::shared_mutex> lock(log.mu);
  if (!log.failure.ok() && after <= log.failed_from) return log.failure;
  return absl::OkStatus();
}

// Fetches the changes in (after, lo] from the service and prepends them.
void FeedHub::Backfill(int service, uint64_t after) {
  Log& log = logs_[service];
  uint64_t lo;
  {
    std::shared_lock<std::shared_mutex> lock(log.mu);
    lo = log.lo;
  }
  std::vector<storage::ChangePtr> fetched;
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
      fetched.push_back(std::make_shared<Change>(std::move(c)));
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
    std::unique_lock<std::shared_mutex> lock(log.mu);
    log.backfilling = false;
    if (done) {
      // Prepend what is older than the log's start.
      uint64_t first = log.entries.empty() ? log.hi + 1 : log.entries.front()->revision();
      for (auto it = fetched.rbegin(); it != fetched.rend(); ++it) {
        if ((*it)->revision() < first && (*it)->revision() > after) log.entries.push_front(*it);
      }
      log.lo = std::min(log.lo, after);
      log.failure = absl::OkStatus();
    } else {
      log.failure = status.ok() ? absl::UnavailableError("the service ended the backfill early")
                                : FromGrpcStatus(status);
      log.failed_from = after;
      spdlog::warn("msg=\"backfill failed\" service={} after={} error=\"{}\"", kFeedServiceNames[service],
                   after, log.failure.ToString());
    }
  }
  WakeAll();
}

void FeedHub::AddListener(const std::shared_ptr<FeedListener>& listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.push_back(listener);
}

void FeedHub::RemoveListener(FeedListener* listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(std::remove_if(listeners_.begin(), listeners_.end(),
                                  [&](const std::weak_ptr<FeedListener>& w) {
                                    auto l = w.lock();
                                    return !l || l.get() == listener;
                                  }),
                   listeners_.end());
}

size_t FeedHub::listener_count() const {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  return listeners_.size();
}

void FeedHub::WakeAll() {
  std::vector<std::shared_ptr<FeedListener>> live;
  {
    std::lock_guard<std::mutex> lock(listeners_mu_);
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

}  // namespace rcp::gateway
