// Runs a real daemon binary as a child process for end-to-end tests: starts
// it on port 0, learns the bound port from its "msg=listening" log line,
// and stops it with a signal.
#ifndef RCP_COMMON_TESTING_DAEMON_H_
#define RCP_COMMON_TESTING_DAEMON_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rcp::testing {

class Daemon {
 public:
  // `binary` is a path; `args` are its flags. stderr goes to `log_path`.
  Daemon(std::string binary, std::vector<std::string> args, std::string log_path);
  // Kills the child (SIGKILL) if it still runs.
  ~Daemon();

  // Starts the child and waits (up to `timeout`) for its listening line.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  // Start in two steps, for a test that acts while the child starts:
  // Spawn starts it (from the calling thread, which it must not outlive:
  // the child dies with that thread), WaitUntilListening waits.
  absl::Status Spawn();
  absl::Status WaitUntilListening(absl::Duration timeout = absl::Seconds(30));
  int port() const { return port_; }
  // The port of another server the daemon runs, from its listening line
  // ("msg=listening service=<service> address=…"), waiting up to `timeout`.
  absl::StatusOr<int> PortOf(const std::string& service, absl::Duration timeout = absl::Seconds(30)) const;
  // A port the main listening line states besides the address
  // ("metrics_port", "health_port"), from this start's log; -1 if absent.
  int ListedPort(const std::string& field) const;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

  // Sends `signal`, waits up to `timeout` for exit; returns the exit status
  // as from waitpid (or DEADLINE_EXCEEDED).
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout = absl::Seconds(30));
  // The child's log so far ("" while there is none).
  std::string Log() const;

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  long start_offset_ = 0;  // where this start's log begins
};

// The directory holding the test's binaries (from /proc/self/exe), so tests
// find the daemons built beside them: BinaryDir() + "/../services/...".
std::string BuildDir();

}  // namespace rcp::testing

#endif  // RCP_COMMON_TESTING_DAEMON_H_
