#include "common/server/service_manager.h"

#include <systemd/sd-daemon.h>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"

namespace rcp::server::service_manager {
namespace {

// How much more start time each extension asks for, and how often it is
// renewed: a start that makes progress is never killed, a hung one is
// killed within this bound after its last renewal.
constexpr int64_t kStartExtensionUsec = 30'000'000;
constexpr auto kStartRenewal = std::chrono::seconds(10);

enum class Phase { kIdle, kStarting, kReady, kStopping };

struct State {
  std::mutex mu;
  std::condition_variable changed;
  Phase phase = Phase::kIdle;
  std::string starting_status;
  std::thread pinger;
};

State& state() {
  static State* s = new State();  // never destroyed: its thread may outlive main's statics
  return *s;
}

bool Managed() { return std::getenv("NOTIFY_SOCKET") != nullptr; }

void Send(const std::string& message) { sd_notify(0, message.c_str()); }

// Joins the pinger of the phase before. Called without the lock held.
void JoinPinger(std::thread* pinger) {
  if (pinger->joinable()) pinger->join();
}

}  // namespace

void Starting(const std::string& status) {
  if (!Managed()) return;
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.phase == Phase::kStarting) {
    s.starting_status = status;
    Send(absl::StrCat("STATUS=", status));
    return;
  }
  if (s.phase != Phase::kIdle) return;
  s.phase = Phase::kStarting;
  s.starting_status = status;
  s.pinger = std::thread([] {
    State& s = state();
    std::unique_lock<std::mutex> lock(s.mu);
    while (s.phase == Phase::kStarting) {
      Send(absl::StrCat("STATUS=", s.starting_status, "\nEXTEND_TIMEOUT_USEC=", kStartExtensionUsec));
      s.changed.wait_for(lock, kStartRenewal, [&] { return s.phase != Phase::kStarting; });
    }
  });
}

void Ready(const std::string& status) {
  if (!Managed()) return;
  State& s = state();
  std::thread previous;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.phase == Phase::kReady || s.phase == Phase::kStopping) return;
    s.phase = Phase::kReady;
    previous = std::move(s.pinger);
  }
  s.changed.notify_all();
  JoinPinger(&previous);
  Send(absl::StrCat("READY=1\nSTATUS=", status));
  uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) <= 0 || watchdog_usec == 0) return;
  std::lock_guard<std::mutex> lock(s.mu);
  s.pinger = std::thread([interval = std::chrono::microseconds(watchdog_usec / 2)] {
    State& s = state();
    std::unique_lock<std::mutex> lock(s.mu);
    while (s.phase == Phase::kReady) {
      Send("WATCHDOG=1");
      s.changed.wait_for(lock, interval, [&] { return s.phase != Phase::kReady; });
    }
  });
}

void Stopping(const std::string& status) {
  if (!Managed()) return;
  State& s = state();
  std::thread previous;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.phase == Phase::kStopping) return;
    s.phase = Phase::kStopping;
    previous = std::move(s.pinger);
  }
  s.changed.notify_all();
  JoinPinger(&previous);
  Send(absl::StrCat("STOPPING=1\nSTATUS=", status));
}

}  // namespace rcp::server::service_manager
