// A fixed pool of threads running queued tasks: where blocking work (RocksDB
// reads and synced writes, history replay) runs so that gRPC's callback
// threads never block.
#ifndef RCP_COMMON_CONCURRENCY_THREAD_POOL_H_
#define RCP_COMMON_CONCURRENCY_THREAD_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rcp

#endif  // RCP_COMMON_CONCURRENCY_THREAD_POOL_H_
