#include "services/gateway/federation/producer_stream.h"

namespace rcp::gateway::federation {

void StreamSignal::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void StreamSignal::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

bool StreamSignal::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

void StreamSignal::WaitFor(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(
                           +[](StreamSignal* s) ABSL_NO_THREAD_SAFETY_ANALYSIS { return s->woken_ || s->cancelled_; },
                           this),
                       timeout);
  woken_ = false;
}

void StreamThreads::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  for (const auto& s : open_) s->Cancel();
  mu_.Await(absl::Condition(
      +[](std::set<std::shared_ptr<StreamSignal>>* open) { return open->empty(); }, &open_));
}

bool StreamThreads::Add(const std::shared_ptr<StreamSignal>& signal) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  open_.insert(signal);
  return true;
}

void StreamThreads::Remove(const std::shared_ptr<StreamSignal>& signal) {
  absl::MutexLock lock(&mu_);
  open_.erase(signal);
}

}  // namespace rcp::gateway::federation
