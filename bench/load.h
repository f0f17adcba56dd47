// Closed-loop load generators for benchmarks: RunLoad keeps `outstanding`
// asynchronous calls in flight for a duration and reports throughput and
// latency percentiles; RunThreads does the same with blocking calls, one per
// thread, and reports throughput.
#ifndef RCP_BENCH_LOAD_H_
#define RCP_BENCH_LOAD_H_

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace rcp::bench {

struct LoadResult {
  double qps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t errors = 0;
};

// `start(i, done)` begins call number i and must eventually invoke done(ok)
// exactly once, from any thread.
using StartCall = std::function<void(uint64_t i, std::function<void(bool ok)> done)>;

inline LoadResult RunLoad(int outstanding, absl::Duration duration, const StartCall& start) {
  struct State {
    absl::Mutex mu;
    absl::CondVar cv;  // in_flight reached 0
    std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
    uint64_t errors ABSL_GUARDED_BY(mu) = 0;
    int in_flight ABSL_GUARDED_BY(mu) = 0;
    std::atomic<uint64_t> next{0};
    absl::Time stop_at;  // set before the first call
  } state;
  state.stop_at = absl::Now() + duration;
  absl::Time begin = absl::Now();
  std::function<void()> launch = [&] {
    uint64_t i = state.next++;
    absl::Time t0 = absl::Now();
    start(i, [&, t0](bool ok) {
      double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
      bool again;
      {
        absl::MutexLock lock(&state.mu);
        state.latencies_ms.push_back(ms);
        if (!ok) ++state.errors;
        again = absl::Now() < state.stop_at;
        // Signalled under the lock: once in_flight is 0, RunLoad may return
        // and destroy `state`.
        if (!again && --state.in_flight == 0) state.cv.Signal();
      }
      if (again) launch();
    });
  };
  {
    absl::MutexLock lock(&state.mu);
    state.in_flight = outstanding;
  }
  for (int i = 0; i < outstanding; ++i) launch();
  absl::MutexLock lock(&state.mu);
  while (state.in_flight != 0) state.cv.Wait(&state.mu);
  double seconds = absl::ToDoubleSeconds(absl::Now() - begin);
  LoadResult r;
  auto& l = state.latencies_ms;
  std::sort(l.begin(), l.end());
  r.qps = l.size() / seconds;
  r.p50_ms = l.empty() ? 0 : l[l.size() / 2];
  r.p99_ms = l.empty() ? 0 : l[std::min(l.size() - 1, l.size() * 99 / 100)];
  r.errors = state.errors;
  return r;
}

// Calls `op(thread, i)` (i counts that thread's calls) from `threads`
// threads for `duration`, each calling again as soon as its last call
// returned; returns calls per second. An op that returns false ends the
// program.
template <typename Op>
double RunThreads(int threads, absl::Duration duration, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::vector<std::thread> workers;
  absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!op(t, n++)) {
          std::fprintf(stderr, "write failed\n");
          std::exit(1);
        }
      }
      done += n;
    });
  }
  absl::SleepFor(duration);
  stop = true;
  for (auto& w : workers) w.join();
  return done.load() / absl::ToDoubleSeconds(absl::Now() - start);
}

inline void PrintRow(const char* what, int outstanding, const LoadResult& ours,
                     const LoadResult& bare) {
  std::printf("%-28s %5d %10.0f %10.0f %7.2f %9.3f %9.3f %9.3f %9.3f%s\n", what, outstanding,
              ours.qps, bare.qps, ours.qps / bare.qps, ours.p50_ms, bare.p50_ms, ours.p99_ms,
              bare.p99_ms, ours.errors || bare.errors ? "  (errors!)" : "");
  std::fflush(stdout);
}

inline void PrintHeader() {
  std::printf("%-28s %5s %10s %10s %7s %9s %9s %9s %9s\n", "call", "depth", "rcp qps", "bare qps",
              "ratio", "rcp p50", "bare p50", "rcp p99", "bare p99");
}

}  // namespace rcp::bench

#endif  // RCP_BENCH_LOAD_H_
