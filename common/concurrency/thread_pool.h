// A fixed pool of threads running queued tasks: where blocking work (RocksDB
// reads and synced writes, history replay) runs so that gRPC's callback
// threads never block.
#ifndef RCP_COMMON_CONCURRENCY_THREAD_POOL_H_
#define RCP_COMMON_CONCURRENCY_THREAD_POOL_H_

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace rcp {

// Thread-safe.
class ThreadPool {
 public:
  // Starts `threads` (≥ 1) threads.
  explicit ThreadPool(int threads);
  // Runs the tasks already queued, then joins the threads.
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`. After the destructor has started, the task is dropped.
  void Schedule(std::function<void()> task);

  int size() const { return static_cast<int>(threads_.size()); }

 private:
  void Run();

  absl::Mutex mu_;
  absl::CondVar cv_;  // signalled when a task is queued, and when stopping
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // set by the constructor only
};

}  // namespace rcp

#endif  // RCP_COMMON_CONCURRENCY_THREAD_POOL_H_
