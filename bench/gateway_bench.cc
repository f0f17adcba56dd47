// rcp-gatewayd under load, in front of the three services (real processes
// on loopback, seeded, with the internal token), beside the bare-gRPC 2-hop
// baseline: an echo_server proxy (--forward) in front of an echo_server
// backend, measured in the same run.
//
//   GetMeeting through the gateway at 1 and 64 outstanding calls
//     (targets: ≥ 0.8× the 2-hop echo's QPS at 64; p50 ≤ 1.3× at 1);
//   CreateMeeting (durable) through the gateway at 64, beside raw RocksDB
//     synced Puts from 64 threads of the same value size;
//   N concurrent subscribers (default 10,000) on one fresh gateway: time
//     from an acknowledged CreateMeeting to the last subscriber holding it
//     (target ≤ 200 ms), gateway memory per subscriber (VmRSS delta / N,
//     target ≤ 40 KB) and the gateway's thread count.
//
//   build/bench/gateway_bench [--seconds=3] [--subscribers=10000] [--rounds=5]
//                             [--phases=get,create,fanout] [--pause=0.3 (s between rounds)]
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "bench/load.h"
#include "bench/rocksdb_baseline.h"
#include "bench/workloads.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/testing/daemon.h"
#include "common/testing/temp_dir.h"
#include "rcp/echo/v1/echo.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"

namespace ev = rcp::events::v1;
namespace gw = rcp::gateway::v1;
using google::protobuf::util::TimeUtil;
using rcp::bench::Calls;
using rcp::bench::Echo;
using rcp::bench::LoadResult;
using rcp::bench::NewMeeting;
using rcp::bench::SyncedRocksDbPuts;
using rcp::testing::Daemon;

namespace {

constexpr char kBali[] = "processes/bali-process";
constexpr char kSom[] = "processes/bali-process/meetings/som-2027-02";

// Ends the run (from the main thread): the daemons are stopped on the way
// out.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void Die(const std::string& what) { throw Failure(what); }

// A field of /proc/<pid>/status ("VmRSS" in kB, "Threads").
long ProcStatus(pid_t pid, const std::string& field) {
  std::string status = rcp::io::ReadFile(absl::StrCat("/proc/", pid, "/status")).value_or("");
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (absl::ConsumePrefix(&line, field + ":")) {
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipWhitespace());
      long v = 0;
      if (!parts.empty() && absl::SimpleAtoi(parts[0], &v)) return v;
    }
  }
  return -1;
}

// CPU time (user + system) of a process so far, from /proc/<pid>/stat.
absl::Duration CpuTime(pid_t pid) {
  std::string stat = rcp::io::ReadFile(absl::StrCat("/proc/", pid, "/stat")).value_or("");
  std::vector<std::string> f = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  long ticks = std::stol(f[11]) + std::stol(f[12]);  // utime, stime: fields 14 and 15
  return absl::Seconds(static_cast<double>(ticks) / sysconf(_SC_CLK_TCK));
}

// What the subscribers share: per round, how many have the round's
// meeting and when the last one got it.
struct Fanout {
  absl::Mutex mu;
  absl::CondVar cv;                       // signalled on every message and every end
  int confirmed ABSL_GUARDED_BY(mu) = 0;  // streams that had their first message
  int ended ABSL_GUARDED_BY(mu) = 0;
  std::map<std::string, int> received ABSL_GUARDED_BY(mu);  // meeting name → subscribers holding it
  std::map<std::string, absl::Time> first ABSL_GUARDED_BY(mu), last ABSL_GUARDED_BY(mu);
  std::string error ABSL_GUARDED_BY(mu);
};

// One Subscribe stream on the callback API: no thread of its own.
class Subscriber : public grpc::ClientReadReactor<gw::SubscribeResponse> {
 public:
  Subscriber(gw::Gateway::Stub* stub, const std::string& key, Fanout* fanout) : fanout_(fanout) {
    ctx_.AddMetadata("authorization", "Bearer " + key);
    stub->async()->Subscribe(&ctx_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void Cancel() { ctx_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    absl::Time now = absl::Now();
    {
      absl::MutexLock lock(&fanout_->mu);
      if (!confirmed_) {
        confirmed_ = true;
        ++fanout_->confirmed;
      }
      for (const auto& e : response_.events()) {
        const std::string& name = e.change().name();
        int n = ++fanout_->received[name];
        if (n == 1) fanout_->first[name] = now;
        fanout_->last[name] = now;
      }
    }
    fanout_->cv.SignalAll();
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& s) override {
    absl::MutexLock lock(&fanout_->mu);
    ++fanout_->ended;
    if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED && fanout_->error.empty()) {
      fanout_->error = s.error_message();
    }
    fanout_->cv.SignalAll();
  }

 private:
  Fanout* fanout_;
  grpc::ClientContext ctx_;
  gw::SubscribeRequest request_;
  gw::SubscribeResponse response_;
  bool confirmed_ = false;
};

std::unique_ptr<Daemon> StartGateway(const std::string& build, rcp::testing::TempDir& dir,
                                     const std::string& name, const Daemon& registry, const Daemon& events,
                                     const Daemon& documents) {
  auto d = std::make_unique<Daemon>(
      build + "/services/gateway/rcp-gatewayd",
      std::vector<std::string>{"--listen=127.0.0.1:0", "--registry=" + registry.address(),
                               "--events=" + events.address(), "--documents=" + documents.address(),
                               "--internal_token_file=" + dir.Sub("token")},
      dir.Sub(name + ".log"));
  if (auto s = d->Start(); !s.ok()) Die("rcp-gatewayd: " + s.ToString());
  return d;
}

}  // namespace

int Run(int argc, char** argv) {
  double seconds = 3;
  int subscribers = 10000;
  int rounds = 5;
  std::string phases = "get,create,fanout";
  double pause = 0.3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) seconds = std::stod(a.substr(10));
    if (a.rfind("--subscribers=", 0) == 0) subscribers = std::stoi(a.substr(14));
    if (a.rfind("--rounds=", 0) == 0) rounds = std::stoi(a.substr(9));
    if (a.rfind("--phases=", 0) == 0) phases = a.substr(9);
    if (a.rfind("--pause=", 0) == 0) pause = std::stod(a.substr(8));
  }
  absl::Duration d = absl::Seconds(seconds);
  // Many streams, a few connections; raise the descriptor limit anyway.
  rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  rcp::testing::TempDir dir;
  std::string build = rcp::testing::BuildDir();
  std::string seed = std::string(RCP_SOURCE_DIR) + "/deploy/seed/";
  std::ofstream(dir.Sub("token")) << rcp::crypto::RandomToken(32) << "\n";
  std::string token_flag = "--internal_token_file=" + dir.Sub("token");
  Daemon registry(build + "/services/registry/rcp-registryd",
                  {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("registry"), token_flag,
                   "--seed_file=" + seed + "registry.textproto", "--seed_keys_out=" + dir.Sub("keys.tsv")},
                  dir.Sub("registry.log"));
  Daemon events(build + "/services/events/rcp-eventsd",
                {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("events"), token_flag,
                 "--seed_file=" + seed + "events.textproto"},
                dir.Sub("events.log"));
  Daemon documents(build + "/services/documents/rcp-documentsd",
                   {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("documents"), token_flag,
                    "--seed_file=" + seed + "documents.textproto"},
                   dir.Sub("documents.log"));
  Daemon backend(build + "/bench/echo_server", {"--listen=127.0.0.1:0"}, dir.Sub("echo.log"));
  for (Daemon* daemon : {&registry, &events, &documents, &backend}) {
    if (auto s = daemon->Start(); !s.ok()) Die(s.ToString());
  }
  Daemon proxy(build + "/bench/echo_server", {"--listen=127.0.0.1:0", "--forward=" + backend.address()},
               dir.Sub("proxy.log"));
  if (auto s = proxy.Start(); !s.ok()) Die(s.ToString());
  auto gateway = StartGateway(build, dir, "gateway", registry, events, documents);

  std::map<std::string, std::string> keys;
  std::string keys_tsv = rcp::io::ReadFile(dir.Sub("keys.tsv")).value_or("");
  for (absl::string_view line : absl::StrSplit(keys_tsv, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, '\t');
    if (parts.size() == 2) keys[parts[0]] = parts[1];
  }
  const std::string member = keys["indonesia"];
  const std::string secretariat = keys["bali-secretariat"];
  if (member.empty() || secretariat.empty()) Die("the seed's keys are missing");

  auto channel = grpc::CreateChannel(gateway->address(), grpc::InsecureChannelCredentials());
  auto events_stub = ev::Events::NewStub(channel);
  auto echo_stub =
      rcp::echo::v1::Echo::NewStub(grpc::CreateChannel(proxy.address(), grpc::InsecureChannelCredentials()));

  std::printf(
      "rcp-gatewayd (→ rcp-eventsd) vs bare gRPC 2-hop echo (echo proxy → echo backend, same payload "
      "size), %.0f s per point, 2 cores shared by client and servers\n",
      seconds);
  rcp::bench::PrintHeader();
  ev::Meeting som;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + member);
    ev::GetMeetingRequest get;
    get.set_name(kSom);
    if (auto s = events_stub->GetMeeting(&ctx, get, &som); !s.ok()) Die("GetMeeting: " + s.error_message());
  }
  auto wanted = [&](absl::string_view phase) {
    for (absl::string_view p : absl::StrSplit(phases, ',')) {
      if (p == phase) return true;
    }
    return false;
  };
  for (int depth : {1, 64}) {
    if (!wanted("get")) break;
    auto ours = Calls<ev::GetMeetingRequest, ev::Meeting>(
        depth, d,
        [&](uint64_t) {
          ev::GetMeetingRequest r;
          r.set_name(kSom);
          return r;
        },
        [&](auto* ctx, auto* req, auto* resp, auto cb) { events_stub->async()->GetMeeting(ctx, req, resp, cb); },
        member);
    auto bare = Echo(echo_stub.get(), depth, d, som.ByteSizeLong());
    rcp::bench::PrintRow("GetMeeting (member)", depth, ours, bare);
  }
  size_t create_bytes = NewMeeting(0).ByteSizeLong();
  if (wanted("create")) {
    LoadResult created = Calls<ev::CreateMeetingRequest, ev::Meeting>(
        64, d, NewMeeting,
        [&](auto* ctx, auto* req, auto* resp, auto cb) { events_stub->async()->CreateMeeting(ctx, req, resp, cb); },
        secretariat);
    rcp::bench::PrintRow("CreateMeeting (durable)", 64, created, Echo(echo_stub.get(), 64, d, create_bytes));
    absl::StatusOr<double> raw = SyncedRocksDbPuts(dir.Sub("raw-rocksdb"), 64, d, create_bytes);
    if (!raw.ok()) Die(raw.status().ToString());
    std::printf("%-28s %5d %10.0f   (CreateMeeting through the gateway: %.2f× raw RocksDB)\n",
                "raw RocksDB synced Put", 64, *raw, created.qps / *raw);
    std::fflush(stdout);
  }
  if (!wanted("fanout") || subscribers == 0) return 0;

  // ---- fan-out, on a fresh gateway so that its memory is the streams'.
  gateway.reset();
  auto fanout_gateway = StartGateway(build, dir, "gateway-fanout", registry, events, documents);
  pid_t pid = fanout_gateway->pid();
  constexpr int kChannels = 8;
  std::vector<std::unique_ptr<gw::Gateway::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("rcp.bench.connection", i);  // one connection each
    stubs.push_back(gw::Gateway::NewStub(
        grpc::CreateCustomChannel(fanout_gateway->address(), grpc::InsecureChannelCredentials(), args)));
  }
  auto writer =
      ev::Events::NewStub(grpc::CreateChannel(fanout_gateway->address(), grpc::InsecureChannelCredentials()));
  auto create = [&](const ev::CreateMeetingRequest& req) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + secretariat);
    ev::Meeting m;
    grpc::Status s = writer->CreateMeeting(&ctx, req, &m);
    if (!s.ok()) Die("CreateMeeting: " + s.error_message());
    return m;
  };
  create(NewMeeting(999999));  // warm the gateway's channels and caches
  absl::SleepFor(absl::Milliseconds(500));
  long rss_before = ProcStatus(pid, "VmRSS");
  long threads_before = ProcStatus(pid, "Threads");

  Fanout fanout;
  std::vector<std::unique_ptr<Subscriber>> subs;
  subs.reserve(subscribers);
  absl::Time open_start = absl::Now();
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<Subscriber>(stubs[i % kChannels].get(), member, &fanout));
  }
  {
    absl::MutexLock lock(&fanout.mu);
    const absl::Time deadline = absl::Now() + absl::Seconds(120);
    while (fanout.confirmed + fanout.ended < subscribers &&
           !fanout.cv.WaitWithDeadline(&fanout.mu, deadline)) {
    }
    if (fanout.confirmed < subscribers) {
      Die(absl::StrCat("only ", fanout.confirmed, " of ", subscribers, " subscriptions confirmed; ",
                       fanout.ended, " ended: ", fanout.error));
    }
  }
  absl::Duration open_time = absl::Now() - open_start;
  absl::SleepFor(absl::Seconds(1));
  long rss_after = ProcStatus(pid, "VmRSS");
  long threads_after = ProcStatus(pid, "Threads");

  std::printf(
      "\n%d concurrent subscribers (member key, no filter) on one gateway, %d connections; all "
      "confirmed in %.2f s\n",
      subscribers, kChannels, absl::ToDoubleSeconds(open_time));
  std::printf("%-6s %14s %14s %14s %12s\n", "round", "ack→first ms", "ack→last ms", "send→last ms",
              "delivered");
  std::vector<double> to_last;
  absl::Duration gateway_cpu = CpuTime(pid), bench_cpu = CpuTime(getpid());
  for (int r = 0; r < rounds; ++r) {
    ev::CreateMeetingRequest req = NewMeeting(500000 + r);
    req.set_meeting_id(absl::StrCat("fanout-round-", r));
    std::string name = absl::StrCat(kBali, "/meetings/", req.meeting_id());
    absl::Time sent = absl::Now();
    create(req);
    absl::Time acked = absl::Now();
    {
      absl::MutexLock lock(&fanout.mu);
      const absl::Time deadline = absl::Now() + absl::Seconds(60);
      while (fanout.received[name] < subscribers && !fanout.cv.WaitWithDeadline(&fanout.mu, deadline)) {
      }
      bool all = fanout.received[name] >= subscribers;
      double first_ms = absl::ToDoubleMilliseconds(fanout.first[name] - acked);
      double last_ms = absl::ToDoubleMilliseconds(fanout.last[name] - acked);
      std::printf("%-6d %14.1f %14.1f %14.1f %7d/%d%s\n", r, first_ms, last_ms,
                  absl::ToDoubleMilliseconds(fanout.last[name] - sent), fanout.received[name], subscribers,
                  all ? "" : "  (incomplete!)");
      std::fflush(stdout);
      to_last.push_back(last_ms);
    }
    absl::SleepFor(absl::Seconds(pause));
  }
  gateway_cpu = CpuTime(pid) - gateway_cpu;
  bench_cpu = CpuTime(getpid()) - bench_cpu;
  std::sort(to_last.begin(), to_last.end());
  std::printf("commit (ack) → last subscriber: median %.1f ms, max %.1f ms (target ≤ 200 ms)\n",
              to_last[to_last.size() / 2], to_last.back());
  std::printf("gateway VmRSS %ld kB → %ld kB: %.1f KB per subscriber (target ≤ 40 KB)\n", rss_before,
              rss_after, static_cast<double>(rss_after - rss_before) / subscribers);
  std::printf("gateway threads: %ld before the subscribers, %ld with them\n", threads_before, threads_after);
  std::printf("CPU per round: gateway %.0f ms, this client (10 k streams' receiving end) %.0f ms\n",
              absl::ToDoubleMilliseconds(gateway_cpu) / rounds,
              absl::ToDoubleMilliseconds(bench_cpu) / rounds);
  std::fflush(stdout);

  for (auto& s : subs) s->Cancel();
  bool all_ended;
  {
    absl::MutexLock lock(&fanout.mu);
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (fanout.ended < subscribers && !fanout.cv.WaitWithDeadline(&fanout.mu, deadline)) {
    }
    all_ended = fanout.ended >= subscribers;
  }
  if (!all_ended) {
    for (auto& s : subs) s.release();  // still in use by gRPC
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const Failure& f) {
    std::fprintf(stderr, "%s\n", f.what());
    return 1;
  }
}
