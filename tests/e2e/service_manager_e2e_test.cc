// The daemons as systemd sees them (Type=notify): the test binds the
// NOTIFY_SOCKET a unit would get and reads, per sender, what each daemon
// says in order — EXTEND_TIMEOUT_USEC while starting, READY=1 only once it
// serves, WATCHDOG=1 while alive, STOPPING=1 at SIGTERM — and checks the
// shutdown delay and the open-file limit the units rely on.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace rcp {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;

// A datagram socket where daemons send sd_notify messages, with the
// sender's pid from the kernel (SO_PASSCRED), as systemd receives them.
class NotifySocket {
 public:
  struct Message {
    pid_t pid = 0;
    std::string text;
  };

  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next message from `pid` (0: from anyone) within `timeout`, or
  // nothing. Others' messages are kept for later.
  std::optional<Message> Next(pid_t pid, absl::Duration timeout) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (pid == 0 || it->pid == pid) {
        Message m = *it;
        pending_.erase(it);
        return m;
      }
    }
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now())) + 1;
      if (poll(&p, 1, wait_ms) <= 0) continue;
      char data[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
      iovec iov{data, sizeof(data)};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = recvmsg(fd_, &msg, 0);
      if (n < 0) continue;
      Message m;
      m.text.assign(data, static_cast<size_t>(n));
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          m.pid = reinterpret_cast<ucred*>(CMSG_DATA(c))->pid;
        }
      }
      if (pid == 0 || m.pid == pid) return m;
      pending_.push_back(m);
    }
    return std::nullopt;
  }

  // Reads `pid`'s messages until one holds `line` (a whole line such as
  // "READY=1"); returns those read before it, and it last.
  std::vector<std::string> Until(pid_t pid, const std::string& line, absl::Duration timeout) {
    std::vector<std::string> seen;
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      auto m = Next(pid, deadline - absl::Now());
      if (!m) break;
      seen.push_back(m->text);
      if (HasLine(m->text, line)) return seen;
    }
    seen.push_back("(timed out waiting for " + line + ")");
    return seen;
  }

  static bool HasLine(const std::string& message, const std::string& line) {
    for (absl::string_view l : absl::StrSplit(message, '\n')) {
      if (l == line || (absl::EndsWith(line, "=") && absl::StartsWith(l, line))) return true;
    }
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<Message> pending_;
};

// Sets environment variables for the children started in its scope.
class ScopedEnv {
 public:
  ScopedEnv(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {
    for (const auto& [name, value] : vars_) setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : vars_) unsetenv(name.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

HealthCheckResponse::ServingStatus Health(const std::string& address, const std::string& service = "") {
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
  return response.status();
}

std::string Joined(const std::vector<std::string>& messages) { return absl::StrJoin(messages, " | "); }

// A loopback port nothing listens on now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct DataService {
  std::string name;
  std::string binary;  // under the build directory
};
void PrintTo(const DataService& service, std::ostream* os) { *os << service.name; }

class DataServiceNotifyTest : public ::testing::TestWithParam<DataService> {
 protected:
  std::unique_ptr<Daemon> NewDaemon(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--data_dir=" + dir_.Sub("data"), "--deployment_id=e2e.secretariat"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Daemon>(rcp::testing::BuildDir() + "/" + GetParam().binary, args, dir_.Sub("log"));
  }
  rcp::testing::TempDir dir_;
};

TEST_P(DataServiceNotifyTest, TellsSystemdItsStartReadinessWatchdogAndStopInOrder) {
  NotifySocket notify(dir_.Sub("notify"));
  ASSERT_TRUE(notify.bound());
  auto d = NewDaemon({});
  {
    ScopedEnv env({{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "300000"}});
    ASSERT_THAT(d->Start(), IsOk());
  }
  std::vector<std::string> start = notify.Until(d->pid(), "READY=1", absl::Seconds(30));
  ASSERT_TRUE(NotifySocket::HasLine(start.back(), "READY=1")) << Joined(start);
  EXPECT_EQ(Health(d->address()), HealthCheckResponse::SERVING) << "READY=1 before serving";
  ASSERT_GE(start.size(), 2u) << "nothing said while starting: " << Joined(start);
  EXPECT_TRUE(NotifySocket::HasLine(start.front(), "EXTEND_TIMEOUT_USEC=")) << Joined(start);
  EXPECT_TRUE(NotifySocket::HasLine(start.front(), "STATUS=starting " + GetParam().name)) << Joined(start);
  EXPECT_TRUE(NotifySocket::HasLine(start.back(), "STATUS=")) << "a status line with readiness";

  // Pings at half the watchdog interval: two within 300 ms, with margin.
  for (int i = 0; i < 2; ++i) {
    auto ping = notify.Next(d->pid(), absl::Seconds(2));
    ASSERT_TRUE(ping.has_value()) << "no WATCHDOG=1";
    EXPECT_EQ(ping->text, "WATCHDOG=1");
  }

  ASSERT_EQ(kill(d->pid(), SIGTERM), 0);
  std::vector<std::string> stop = notify.Until(d->pid(), "STOPPING=1", absl::Seconds(10));
  EXPECT_TRUE(NotifySocket::HasLine(stop.back(), "STOPPING=1")) << Joined(stop);
  for (size_t i = 0; i + 1 < stop.size(); ++i) EXPECT_EQ(stop[i], "WATCHDOG=1") << Joined(stop);
  auto exit = d->Stop(SIGTERM);
  ASSERT_THAT(exit.status(), IsOk());
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << *exit;
}

TEST_P(DataServiceNotifyTest, ServesAndStopsCleanlyWithoutANotifySocket) {
  auto d = NewDaemon({});
  ASSERT_THAT(d->Start(), IsOk());
  EXPECT_EQ(Health(d->address()), HealthCheckResponse::SERVING);
  auto exit = d->Stop(SIGTERM);
  ASSERT_THAT(exit.status(), IsOk());
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << *exit;
}

// Readiness ("") goes NOT_SERVING on both ports, liveness stays SERVING:
// a liveness probe must not kill a daemon draining as it was asked to.
TEST_P(DataServiceNotifyTest, DuringTheShutdownDelayHealthSaysNotServingWhileThePortStillAnswers) {
  const std::string health = absl::StrCat("127.0.0.1:", FreePort());
  auto d = NewDaemon({"--shutdown_delay=3s", "--health_listen=" + health});
  ASSERT_THAT(d->Start(), IsOk());
  ASSERT_EQ(Health(d->address()), HealthCheckResponse::SERVING);
  ASSERT_EQ(Health(health), HealthCheckResponse::SERVING);
  absl::Time signalled = absl::Now();
  ASSERT_EQ(kill(d->pid(), SIGTERM), 0);
  HealthCheckResponse::ServingStatus during = HealthCheckResponse::SERVING;
  for (int i = 0; i < 40 && during == HealthCheckResponse::SERVING; ++i) {
    absl::SleepFor(absl::Milliseconds(25));
    during = Health(d->address());
  }
  EXPECT_EQ(during, HealthCheckResponse::NOT_SERVING) << "the port must answer, and say NOT_SERVING";
  EXPECT_EQ(Health(health), HealthCheckResponse::NOT_SERVING) << "the health port must mirror the main port";
  EXPECT_EQ(Health(health, "liveness"), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(d->address(), "liveness"), HealthCheckResponse::SERVING);
  auto exit = d->Stop(0);  // signal 0: only wait for it to exit
  ASSERT_THAT(exit.status(), IsOk());
  EXPECT_GE(absl::Now() - signalled, absl::Seconds(3)) << "drained before the shutdown delay was over";
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << *exit;
  EXPECT_THAT(d->Log(), HasSubstr("shutdown_delay=3s"));
}

// The soft limit on open files, as the kernel reports it for `pid`.
std::pair<std::string, std::string> OpenFileLimits(pid_t pid) {
  std::ifstream limits(absl::StrCat("/proc/", pid, "/limits"));
  for (std::string line; std::getline(limits, line);) {
    if (!absl::StartsWith(line, "Max open files")) continue;
    std::vector<std::string> words = absl::StrSplit(line.substr(14), ' ', absl::SkipEmpty());
    if (words.size() >= 2) return {words[0], words[1]};
  }
  return {"?", "?"};
}

TEST_P(DataServiceNotifyTest, RaisesItsOpenFileLimitToTheHardLimit) {
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_GT(original.rlim_max, 256u) << "cannot lower the soft limit below the hard one here";
  rlimit lowered = original;
  lowered.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  auto d = NewDaemon({});
  absl::Status started = d->Start();
  setrlimit(RLIMIT_NOFILE, &original);
  ASSERT_THAT(started, IsOk());
  auto [soft, hard] = OpenFileLimits(d->pid());
  EXPECT_EQ(hard, std::to_string(original.rlim_max));
  EXPECT_EQ(soft, hard) << "the daemon kept the soft limit it was given (256)";
}

INSTANTIATE_TEST_SUITE_P(EveryDataService, DataServiceNotifyTest,
                         ::testing::Values(DataService{"registry", "services/registry/rcp-registryd"},
                                           DataService{"events", "services/events/rcp-eventsd"},
                                           DataService{"documents", "services/documents/rcp-documentsd"}));

// The gateway's start waits for its services for as long as they are
// down, extending systemd's start timeout and saying why in its status
// line; READY=1 comes only once they are up and it serves.
TEST(GatewayNotifyTest, WaitsForItsServicesBeforeSayingReady) {
  rcp::testing::TempDir dir;
  const std::string token = dir.Sub("internal-token");
  std::ofstream(token) << "a-long-internal-token-for-the-test\n";
  const std::string secret = dir.Sub("calendar-secret");
  std::ofstream(secret) << "a-calendar-secret-of-enough-length-for-hmac\n";
  std::map<std::string, int> ports = {{"registry", FreePort()}, {"events", FreePort()}, {"documents", FreePort()}};
  auto address = [&](const std::string& s) { return absl::StrCat("127.0.0.1:", ports[s]); };
  const std::string health = absl::StrCat("127.0.0.1:", FreePort());

  NotifySocket notify(dir.Sub("notify"));
  ASSERT_TRUE(notify.bound());
  Daemon gateway(rcp::testing::BuildDir() + "/services/gateway/rcp-gatewayd",
                 {"--listen=127.0.0.1:0", "--registry=" + address("registry"), "--events=" + address("events"),
                  "--documents=" + address("documents"), "--internal_token_file=" + token,
                  "--http_listen=127.0.0.1:0", "--calendar_secret_file=" + secret,
                  "--deployment_id=e2e.secretariat", "--health_listen=" + health},
                 dir.Sub("gateway.log"));
  // The gateway will not listen before its services are up.
  {
    ScopedEnv env({{"NOTIFY_SOCKET", notify.path()}});
    ASSERT_THAT(gateway.Spawn(), IsOk());
  }
  const pid_t pid = gateway.pid();
  auto first = notify.Next(pid, absl::Seconds(20));
  ASSERT_TRUE(first.has_value()) << "the gateway said nothing while starting";
  EXPECT_TRUE(NotifySocket::HasLine(first->text, "EXTEND_TIMEOUT_USEC=")) << first->text;
  // Down services: the status line says what the start waits for, and no
  // READY=1 comes.
  std::vector<std::string> waiting;
  for (absl::Time until = absl::Now() + absl::Seconds(3); absl::Now() < until;) {
    if (auto m = notify.Next(pid, until - absl::Now())) waiting.push_back(m->text);
  }
  for (const auto& m : waiting) EXPECT_FALSE(NotifySocket::HasLine(m, "READY=1")) << Joined(waiting);
  ASSERT_FALSE(waiting.empty());
  EXPECT_THAT(waiting.back(), HasSubstr("STATUS=waiting for the services")) << Joined(waiting);
  // A startup probe fails meanwhile: nothing answers on the health port.
  EXPECT_EQ(Health(health), HealthCheckResponse::UNKNOWN);

  std::vector<std::unique_ptr<Daemon>> services;
  for (const auto& [name, binary] : std::vector<std::pair<std::string, std::string>>{
           {"registry", "services/registry/rcp-registryd"},
           {"events", "services/events/rcp-eventsd"},
           {"documents", "services/documents/rcp-documentsd"}}) {
    services.push_back(std::make_unique<Daemon>(
        rcp::testing::BuildDir() + "/" + binary,
        std::vector<std::string>{"--listen=" + address(name), "--data_dir=" + dir.Sub(name),
                                 "--internal_token_file=" + token, "--deployment_id=e2e.secretariat"},
        dir.Sub(name + ".log")));
    ASSERT_THAT(services.back()->Start(), IsOk());
  }
  std::vector<std::string> rest = notify.Until(pid, "READY=1", absl::Seconds(60));
  ASSERT_THAT(gateway.WaitUntilListening(), IsOk());
  ASSERT_TRUE(NotifySocket::HasLine(rest.back(), "READY=1")) << Joined(rest);
  EXPECT_EQ(Health(gateway.address()), HealthCheckResponse::SERVING) << gateway.Log();
  EXPECT_EQ(Health(health), HealthCheckResponse::SERVING) << gateway.Log();
  EXPECT_EQ(Health(health, "liveness"), HealthCheckResponse::SERVING) << gateway.Log();

  ASSERT_EQ(kill(gateway.pid(), SIGTERM), 0);
  std::vector<std::string> stop = notify.Until(gateway.pid(), "STOPPING=1", absl::Seconds(10));
  EXPECT_TRUE(NotifySocket::HasLine(stop.back(), "STOPPING=1")) << Joined(stop);
  auto exit = gateway.Stop(0);
  ASSERT_THAT(exit.status(), IsOk());
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << *exit;
}

}  // namespace
}  // namespace rcp
