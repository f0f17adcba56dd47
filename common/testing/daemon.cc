#include "common/testing/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/io/file.h"

namespace rcp::testing {

Daemon::Daemon(std::string binary, std::vector<std::string> args, std::string log_path)
    : binary_(std::move(binary)), args_(std::move(args)), log_path_(std::move(log_path)) {}

Daemon::~Daemon() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

absl::Status Daemon::Start(absl::Duration timeout) {
  if (absl::Status s = Spawn(); !s.ok()) return s;
  return WaitUntilListening(timeout);
}

absl::Status Daemon::Spawn() {
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path_));
  off_t start_offset = lseek(log_fd, 0, SEEK_END);
  start_offset_ = start_offset;
  pid_ = fork();
  if (pid_ == 0) {
    // A test that dies must not leave its daemons running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(log_fd, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(binary_.data());
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) return absl::InternalError("fork failed");
  return absl::OkStatus();
}

absl::Status Daemon::WaitUntilListening(absl::Duration timeout) {
  const long start_offset = start_offset_;
  std::regex listening("msg=listening .*address=[^ ]*:([0-9]+)");
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string log = Log().substr(start_offset);
    std::smatch m;
    if (std::regex_search(log, m, listening)) {
      port_ = std::stoi(m[1]);
      return absl::OkStatus();
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat(binary_, " exited before listening (status ", status, "): ", log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(binary_, " did not log its address: ", Log()));
}

absl::StatusOr<int> Daemon::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, signal);
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::DeadlineExceededError("did not exit in time");
}

absl::StatusOr<int> Daemon::PortOf(const std::string& service, absl::Duration timeout) const {
  std::regex listening("msg=listening service=" + service + " address=[^ ]*:([0-9]+)");
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string log = Log();
    log = log.size() > static_cast<size_t>(start_offset_) ? log.substr(start_offset_) : "";
    std::smatch m;
    if (std::regex_search(log, m, listening)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(binary_, " did not log the address of ", service));
}

int Daemon::ListedPort(const std::string& field) const {
  std::string log = Log();
  log = log.size() > static_cast<size_t>(start_offset_) ? log.substr(start_offset_) : "";
  std::regex listed("msg=listening [^\\n]* " + field + "=([0-9]+)");
  std::smatch m;
  return std::regex_search(log, m, listed) ? std::stoi(m[1]) : -1;
}

std::string Daemon::Log() const { return io::ReadFile(log_path_).value_or(""); }

std::string BuildDir() {
  // Test binaries live in <build>/tests/...; walk up to the directory
  // holding CMakeCache.txt.
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  while (!p.empty() && p != p.root_path()) {
    if (std::filesystem::exists(p / "CMakeCache.txt")) return p.string();
    p = p.parent_path();
  }
  return ".";
}

}  // namespace rcp::testing
