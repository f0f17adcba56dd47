// Federation between real deployments on loopback (each the four daemons of
// the e2e harness, as child processes), measured in one run:
//
//   catchup  a fresh deployment A catches up with B's N changes (a snapshot:
//            signed at B, verified and applied at A, checkpointed), beside
//            B's Pull stream read raw (no verification, no apply) and a bare
//            gRPC stream of the same bytes in as many messages
//            (bench/echo_server), with the ratios. Target: N = 100,000 in
//            ≤ 10 s.
//   steady   B writes `rate` changes a second for `seconds`; A's lag, from
//            B's commit (the meeting's update_time) to the change reaching a
//            subscriber at A's gateway, as p50, p99 and max. Target: p99 ≤ 1 s
//            at 200/s for 60 s.
//   mesh     `deployments` deployments in a full mesh, every link through a
//            proxy that can cut it, each relaying the others; random links
//            are cut while every deployment writes, then one deployment is
//            cut off entirely and healed: the time until every deployment
//            holds exactly everyone's items (digests), and the memory of each.
//
//   build/bench/federation_bench [--phases=catchup,steady,mesh] [--changes=100000]
//       [--rate=200] [--seconds=60] [--deployments=10] [--mesh_changes=200]
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/daemon.h"
#include "common/testing/temp_dir.h"
#include "rcp/echo/v1/echo.grpc.pb.h"
#include "tests/e2e/harness/deployment.h"
#include "tests/e2e/harness/tcp_proxy.h"

namespace {

using google::protobuf::util::TimeUtil;
using rcp::testing::CallWith;
using rcp::testing::Deployment;
using rcp::testing::DeploymentOptions;
using rcp::testing::Share;
using rcp::testing::TcpProxy;
using Part = Deployment::Part;
namespace ev = ::rcp::events::v1;
namespace fv1 = ::rcp::federation::v1;
namespace reg = ::rcp::registry::v1;

constexpr char kColomboProcess[] = "processes/colombo-process";
// Peers are re-read this often (the default is 2 s): a new peer is pulled
// from within it, which the catch-up time would otherwise include.
constexpr char kPeerRefresh[] = "--peer_refresh_interval=200ms";

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void Check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) throw Failure(what + ": " + s.ToString());
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

ev::CreateMeetingRequest Meeting(const std::string& process, int i) {
  ev::CreateMeetingRequest req;
  auto* m = req.mutable_meeting();
  m->add_processes(process);
  m->set_title(absl::StrCat("Working group session ", i));
  m->set_description("Agenda: review of the labour migration questionnaire and the next steps.");
  m->set_kind(ev::WORKING_GROUP);
  m->set_time_zone("Asia/Colombo");
  int64_t start = 1830000000 + int64_t{i} * 600;
  *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(start);
  *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(start + 3600);
  m->set_visibility(rcp::common::v1::PUBLIC);
  return req;
}

// Meetings `first`.. `first + n - 1` at `d`, from `threads` writers.
void Write(Deployment& d, const std::string& process, int first, int n, int threads) {
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> writers;
  const std::string key = d.Key("admin");
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        ev::Meeting m;
        auto req = Meeting(process, first + i);
        if (!CallWith(key, [&](auto* c) { return d.events()->CreateMeeting(c, req, &m); }).ok()) ++failed;
      }
    });
  }
  for (auto& w : writers) w.join();
  if (failed > 0) throw Failure(absl::StrCat(failed.load(), " writes failed at ", d.id()));
}

// Whether `at` holds exactly `origin`'s meetings: the digest of its mirrors
// of `origin` is `origin`'s own.
bool Holds(const std::map<std::string, fv1::DigestItemsResponse::OriginDigest>& at, const std::string& origin,
           const std::map<std::string, fv1::DigestItemsResponse::OriginDigest>& own) {
  auto o = own.find("");
  auto m = at.find(origin);
  if (o == own.end()) return m == at.end();
  return m != at.end() && m->second.digest() == o->second.digest() && m->second.items() == o->second.items();
}
bool Holds(Deployment& at, Deployment& origin) {
  auto mirrors = at.Digests(Part::kEvents);
  auto own = origin.Digests(Part::kEvents);
  return mirrors.ok() && own.ok() && Holds(*mirrors, origin.id(), *own);
}

int64_t Rss(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}
double MiB(int64_t bytes) { return bytes / 1048576.0; }

std::unique_ptr<Deployment> NewDeployment(rcp::testing::TempDir& dir, const std::string& id,
                                          const std::string& homes) {
  DeploymentOptions o;
  o.id = id;
  o.home_processes = homes;
  o.gateway_flags = {kPeerRefresh};
  auto d = std::make_unique<Deployment>(dir.Sub(id), o);
  Check(d->Start(), "starting " + id);
  return d;
}

fv1::PeerStatus StatusOf(Deployment& at, const std::string& peer_id) {
  fv1::ListPeerStatusesResponse statuses;
  (void)CallWith(at.Key("admin"), [&](auto* c) { return at.admin()->ListPeerStatuses(c, {}, &statuses); });
  for (const auto& p : statuses.peers()) {
    if (p.peer() == "federationPeers/" + peer_id) return p;
  }
  return {};
}

// B's Pull stream read raw by a peer that applies nothing: B's cost alone.
struct Drain {
  absl::Duration took;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
};
Drain DrainPull(Deployment& source, const std::string& as_peer) {
  reg::CreateFederationPeerRequest req;
  req.set_peer_id(as_peer);
  auto* p = req.mutable_federation_peer();
  p->set_display_name("a reader for the benchmark");
  p->set_address("127.0.0.1:1");  // never pulled from: it is send-only
  p->set_enabled(true);
  p->set_send_only(true);
  *p->add_share_rules() = Share(kColomboProcess, rcp::common::v1::RESTRICTED);
  reg::FederationPeer created;
  Check(CallWith(source.Key("admin"),
                 [&](auto* c) { return source.registry()->CreateFederationPeer(c, req, &created); }),
        "adding the reader");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the gateway has re-read its peers
  auto stub = fv1::Federation::NewStub(
      grpc::CreateChannel(source.peer_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-rcp-peer", as_peer);
  Drain d;
  absl::Time t0 = absl::Now();
  auto reader = stub->Pull(&ctx, fv1::PullRequest());
  fv1::PullResponse resp;
  while (reader->Read(&resp)) {
    ++d.messages;
    d.bytes += resp.ByteSizeLong();
    d.entries += resp.entries_size();
    if (resp.snapshot_complete()) break;
  }
  d.took = absl::Now() - t0;
  ctx.TryCancel();
  (void)reader->Finish();
  if (d.entries == 0) throw Failure("the raw Pull stream carried nothing");
  return d;
}

absl::Duration BareStream(uint64_t messages, uint64_t bytes) {
  rcp::testing::TempDir dir;
  rcp::testing::Daemon echo(rcp::testing::BuildDir() + "/bench/echo_server", {"--listen=127.0.0.1:0"},
                            dir.Sub("echo.log"));
  Check(echo.Start(), "echo_server");
  auto stub = rcp::echo::v1::Echo::NewStub(grpc::CreateChannel(echo.address(), grpc::InsecureChannelCredentials()));
  rcp::echo::v1::StreamRequest req;
  req.set_count(messages);
  req.set_payload_size(static_cast<uint32_t>(bytes / messages));
  grpc::ClientContext ctx;
  absl::Time t0 = absl::Now();
  auto reader = stub->Stream(&ctx, req);
  rcp::echo::v1::EchoMessage m;
  uint64_t read = 0;
  while (reader->Read(&m)) ++read;
  absl::Duration took = absl::Now() - t0;
  if (!reader->Finish().ok() || read != messages) throw Failure("the bare stream failed");
  return took;
}

// A (Bali) pulls B (Colombo), which shares its process with it.
struct Pair {
  rcp::testing::TempDir dir;
  std::unique_ptr<Deployment> a, b;
};
void Peer(Pair& pair) {
  Check(pair.b->AddPeer(*pair.a, {}, {}, {Share(kColomboProcess, rcp::common::v1::RESTRICTED)}), "B shares with A");
  Check(pair.a->AddPeer(*pair.b, {kColomboProcess}, {}, {}), "A pulls B");
}

void Catchup(Pair& pair, int changes) {
  std::printf("== catchup: a fresh deployment takes %d changes from its peer\n", changes);
  pair.b = NewDeployment(pair.dir, "colombo-process.rcp", "colombo-process");
  absl::Time t0 = absl::Now();
  Write(*pair.b, kColomboProcess, 0, changes, 32);
  std::printf("  setup: %d meetings written at B in %.1f s (32 writers)\n", changes, Seconds(absl::Now() - t0));

  Drain raw = DrainPull(*pair.b, "bench-reader.rcp");
  std::printf("  B's Pull stream read raw: %llu entries in %llu messages, %.1f MiB, %.2f s\n",
              static_cast<unsigned long long>(raw.entries), static_cast<unsigned long long>(raw.messages),
              MiB(raw.bytes), Seconds(raw.took));
  absl::Duration bare = BareStream(raw.messages, raw.bytes);
  std::printf("  bare gRPC stream of the same bytes in as many messages: %.2f s\n", Seconds(bare));

  pair.a = NewDeployment(pair.dir, "bali-process.rcp", "bali-process,apc");
  t0 = absl::Now();
  Peer(pair);
  absl::Duration took;
  absl::Time last_report = t0;
  for (;;) {
    fv1::PeerStatus s = StatusOf(*pair.a, pair.b->id());
    if (s.snapshot_generation() != 0 && s.lag_revisions() == 0) {
      took = absl::Now() - t0;
      if (Holds(*pair.a, *pair.b)) break;
    }
    if (absl::Now() - t0 > absl::Minutes(10)) throw Failure("A did not catch up in 10 minutes: " + s.last_error());
    if (absl::Now() - last_report > absl::Seconds(10)) {
      last_report = absl::Now();
      std::fprintf(stderr, "  … %.0f s: snapshot %llu, lag %llu revisions, %llu applied, %s\n",
                   Seconds(last_report - t0), static_cast<unsigned long long>(s.snapshot_generation()),
                   static_cast<unsigned long long>(s.lag_revisions()),
                   static_cast<unsigned long long>(s.applied_entries()),
                   s.last_error().empty() ? "no error" : s.last_error().c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::printf("  A caught up (digests equal) in %.2f s: %.0f changes/s   target ≤ 10 s: %s\n", Seconds(took),
              changes / Seconds(took), Seconds(took) <= 10 ? "met" : "NOT MET");
  std::printf("  ratio to the bare stream %.1fx, to B's raw Pull %.1fx\n", Seconds(took) / Seconds(bare),
              Seconds(took) / Seconds(raw.took));
  std::printf("  RSS after: A gateway %.0f MiB, A events %.0f MiB, B gateway %.0f MiB\n",
              MiB(Rss(pair.a->Pid(Part::kGateway))), MiB(Rss(pair.a->Pid(Part::kEvents))),
              MiB(Rss(pair.b->Pid(Part::kGateway))));
}

// Reads A's Subscribe stream and records, for each of B's meetings, the
// time from its commit at B to its arrival here.
class LagMeter {
 public:
  explicit LagMeter(Deployment& at) : at_(at) {
    thread_ = std::thread([this] { Run(); });
  }
  ~LagMeter() {
    ctx_.TryCancel();
    thread_.join();
  }
  bool WaitForSubscription() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&subscribed_), absl::Seconds(20));
  }
  size_t received() {
    absl::MutexLock lock(&mu_);
    return lags_ms_.size();
  }
  std::vector<double> lags() {
    absl::MutexLock lock(&mu_);
    return lags_ms_;
  }

 private:
  void Run() {
    auto stub = rcp::gateway::v1::Gateway::NewStub(at_.channel());
    ctx_.AddMetadata("authorization", "Bearer " + at_.Key("admin"));
    rcp::gateway::v1::SubscribeRequest req;
    req.add_processes(kColomboProcess);
    req.add_kinds("meeting");
    auto reader = stub->Subscribe(&ctx_, req);
    rcp::gateway::v1::SubscribeResponse resp;
    while (reader->Read(&resp)) {
      absl::Time now = absl::Now();
      absl::MutexLock lock(&mu_);
      subscribed_ = true;
      for (const auto& e : resp.events()) {
        ev::Meeting m;
        if (e.change().value().UnpackTo(&m)) {
          lags_ms_.push_back(absl::ToDoubleMilliseconds(
              now - absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(m.update_time()))));
        }
      }
    }
    (void)reader->Finish();
  }

  Deployment& at_;
  grpc::ClientContext ctx_;
  std::thread thread_;
  absl::Mutex mu_;
  bool subscribed_ = false;
  std::vector<double> lags_ms_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(v.size() * p))];
}

void Steady(Pair& pair, int rate, int seconds) {
  std::printf("== steady: B writes %d changes/s for %d s; lag from B's commit to A's subscriber\n", rate, seconds);
  if (!pair.a) {
    pair.b = NewDeployment(pair.dir, "colombo-process.rcp", "colombo-process");
    pair.a = NewDeployment(pair.dir, "bali-process.rcp", "bali-process,apc");
    Peer(pair);
    absl::Time t0 = absl::Now();
    while (StatusOf(*pair.a, pair.b->id()).snapshot_generation() == 0) {
      if (absl::Now() - t0 > absl::Minutes(1)) throw Failure("A never completed its first snapshot");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  LagMeter meter(*pair.a);
  if (!meter.WaitForSubscription()) throw Failure("no subscription at A");
  // Paced, open-loop: change k is due at t0 + k/rate whatever came before
  // (a slow write delays only its own thread's next ones).
  const int total = rate * seconds;
  const int threads = 8;
  std::atomic<int> failed{0};
  std::vector<double> write_ms(total);
  const std::string key = pair.b->Key("admin");
  absl::Time t0 = absl::Now() + absl::Milliseconds(100);
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int k = t; k < total; k += threads) {
        absl::SleepFor(t0 + absl::Seconds(k) / rate - absl::Now());
        absl::Time s = absl::Now();
        ev::Meeting m;
        auto req = Meeting(kColomboProcess, 1000000 + k);
        if (!CallWith(key, [&](auto* c) { return pair.b->events()->CreateMeeting(c, req, &m); }).ok()) ++failed;
        write_ms[k] = absl::ToDoubleMilliseconds(absl::Now() - s);
      }
    });
  }
  for (auto& w : writers) w.join();
  double wrote_for = Seconds(absl::Now() - t0);
  absl::Time wait_until = absl::Now() + absl::Seconds(30);
  while (meter.received() < static_cast<size_t>(total - failed) && absl::Now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<double> lags = meter.lags();
  double p99 = Percentile(lags, 0.99);
  std::printf("  %d changes written in %.1f s (%d failed; write p50 %.1f ms, p99 %.1f ms); %zu reached A\n", total,
              wrote_for, failed.load(), Percentile(write_ms, 0.5), Percentile(write_ms, 0.99), lags.size());
  std::printf("  lag p50 %.0f ms, p99 %.0f ms, max %.0f ms   target p99 ≤ 1 s: %s\n", Percentile(lags, 0.5), p99,
              lags.empty() ? 0.0 : *std::max_element(lags.begin(), lags.end()),
              p99 <= 1000 && lags.size() == static_cast<size_t>(total) ? "met" : "NOT MET");
}

// ------------------------------------------------------------------ mesh

struct Mesh {
  rcp::testing::TempDir dir;
  std::vector<std::unique_ptr<Deployment>> d;
  // link[i][j]: what i pulls from j goes through it.
  std::vector<std::vector<std::unique_ptr<TcpProxy>>> link;
};

std::string ProcessOf(int i) { return absl::StrCat("processes/proc-", i); }

// Whether every deployment holds exactly every other's meetings.
bool Converged(Mesh& mesh, int* missing = nullptr, std::string* which = nullptr) {
  std::vector<std::map<std::string, fv1::DigestItemsResponse::OriginDigest>> digests;
  for (auto& d : mesh.d) {
    auto got = d->Digests(Part::kEvents);
    if (!got.ok()) return false;
    digests.push_back(*std::move(got));
  }
  int lacking = 0;
  for (size_t i = 0; i < mesh.d.size(); ++i) {
    for (size_t j = 0; j < mesh.d.size(); ++j) {
      if (i != j && !Holds(digests[i], mesh.d[j]->id(), digests[j])) {
        ++lacking;
        if (which != nullptr) {
          auto held = digests[i].find(mesh.d[j]->id());
          fv1::PeerStatus s = StatusOf(*mesh.d[i], mesh.d[j]->id());
          absl::StrAppend(which, "\n  ", mesh.d[i]->id(), " holds ",
                          held == digests[i].end() ? 0 : held->second.items(), " of ", mesh.d[j]->id(), "'s ",
                          digests[j].count("") ? digests[j].at("").items() : 0, " (its puller: connected ",
                          s.connected(), ", lag ", s.lag_revisions(), ", error \"", s.last_error(), "\")");
        }
      }
    }
  }
  if (missing) *missing = lacking;
  return lacking == 0;
}

absl::Duration UntilConverged(Mesh& mesh, absl::Duration limit) {
  absl::Time t0 = absl::Now();
  int missing = 0;
  while (!Converged(mesh, &missing)) {
    if (absl::Now() - t0 > limit) {
      std::string which;
      Converged(mesh, &missing, &which);
      throw Failure(absl::StrCat("no convergence in ", absl::FormatDuration(limit), ": ", missing,
                                 " (deployment, origin) pairs differ:", which));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::Now() - t0;
}

// Every deployment writes `n` new meetings of its process, at once.
void WriteEverywhere(Mesh& mesh, int round, int n) {
  std::vector<std::thread> writers;
  for (size_t i = 0; i < mesh.d.size(); ++i) {
    writers.emplace_back([&, i] { Write(*mesh.d[i], ProcessOf(i), round * n, n, 2); });
  }
  for (auto& w : writers) w.join();
}

void MeshPhase(int n, int changes) {
  std::printf("== mesh: %d deployments, full mesh through cuttable links, each relaying the others\n", n);
  Mesh mesh;
  absl::Time t0 = absl::Now();
  for (int i = 0; i < n; ++i) {
    DeploymentOptions o;
    o.id = absl::StrCat("mesh-", i, ".rcp");
    // A home no seeded process has: each starts with the seed's parties and
    // its administrator's key only, and makes its own process.
    o.home_processes = absl::StrCat("proc-", i);
    o.gateway_flags = {kPeerRefresh};
    mesh.d.push_back(std::make_unique<Deployment>(mesh.dir.Sub(o.id), o));
    Check(mesh.d.back()->Start(), "starting " + o.id);
    reg::CreateProcessRequest req;
    req.set_process_id(absl::StrCat("proc-", i));
    req.mutable_process()->set_display_name(absl::StrCat("Regional process ", i));
    req.mutable_process()->set_acronym(absl::StrCat("RP", i));
    reg::Process made;
    Deployment& d = *mesh.d.back();
    Check(CallWith(d.Key("admin"), [&](auto* c) { return d.registry()->CreateProcess(c, req, &made); }),
          "creating " + req.process_id());
  }
  std::printf("  %d deployments (%d daemons) started in %.1f s\n", n, 4 * n, Seconds(absl::Now() - t0));
  mesh.link.resize(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      mesh.link[i].push_back(i == j ? nullptr : std::make_unique<TcpProxy>(mesh.d[j]->peer_address()));
    }
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      std::vector<std::string> relays;
      for (int k = 0; k < n; ++k) {
        if (k != i && k != j) relays.push_back(ProcessOf(k));
      }
      Check(mesh.d[i]->AddPeer(*mesh.d[j], {ProcessOf(j)}, relays, {Share("processes/-", rcp::common::v1::PUBLIC)},
                               true, mesh.link[i][j]->address()),
            absl::StrCat(mesh.d[i]->id(), " peers ", mesh.d[j]->id()));
    }
  }
  t0 = absl::Now();
  int round = 0;
  WriteEverywhere(mesh, round++, changes);
  absl::Duration first = UntilConverged(mesh, absl::Minutes(5));
  std::printf("  every link up: %d × %d changes written in %.1f s; converged %.2f s after the last write\n", n,
              changes, Seconds(absl::Now() - t0 - first), Seconds(first));

  std::mt19937 random(20261203);
  std::vector<std::pair<int, int>> all;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i != j) all.push_back({i, j});
    }
  }
  for (int cut_round = 0; cut_round < 3; ++cut_round) {
    std::shuffle(all.begin(), all.end(), random);
    const size_t cuts = all.size() * 3 / 10;
    for (size_t k = 0; k < cuts; ++k) mesh.link[all[k].first][all[k].second]->Cut();
    WriteEverywhere(mesh, round++, changes);
    absl::Duration cut = UntilConverged(mesh, absl::Minutes(5));
    for (size_t k = 0; k < cuts; ++k) mesh.link[all[k].first][all[k].second]->Heal();
    std::printf("  %zu of %zu links cut at random, %d × %d changes: converged through relays %.2f s after the "
                "last write\n", cuts, all.size(), n, changes, Seconds(cut));
  }

  // One deployment cut off from everyone, both ways, while all write.
  const int alone = n - 1;
  for (int k = 0; k < n; ++k) {
    if (k == alone) continue;
    mesh.link[alone][k]->Cut();
    mesh.link[k][alone]->Cut();
  }
  WriteEverywhere(mesh, round++, changes);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  if (Converged(mesh)) throw Failure("converged although one deployment was cut off");
  t0 = absl::Now();
  for (int k = 0; k < n; ++k) {
    if (k == alone) continue;
    mesh.link[alone][k]->Heal();
    mesh.link[k][alone]->Heal();
  }
  absl::Duration healed = UntilConverged(mesh, absl::Minutes(5));
  std::printf("  one deployment cut off from all while all wrote %d changes each: converged %.2f s after the "
              "heal (reconnection backoff included)\n", changes, Seconds(healed));

  std::map<Part, std::vector<int64_t>> rss;
  std::vector<int64_t> total;
  for (auto& d : mesh.d) {
    int64_t sum = 0;
    for (Part p : {Part::kRegistry, Part::kEvents, Part::kDocuments, Part::kGateway}) {
      int64_t r = Rss(d->Pid(p));
      rss[p].push_back(r);
      sum += r;
    }
    total.push_back(sum);
  }
  auto mean = [](const std::vector<int64_t>& v) {
    int64_t s = 0;
    for (int64_t x : v) s += x;
    return MiB(s / static_cast<int64_t>(v.size()));
  };
  std::printf("  memory per deployment (RSS, mean of %d; %d peers each, %d × %d meetings held): %.0f MiB "
              "(max %.0f) = gateway %.0f + registry %.0f + events %.0f + documents %.0f\n",
              n, n - 1, n, round * changes, mean(total), MiB(*std::max_element(total.begin(), total.end())),
              mean(rss[Part::kGateway]), mean(rss[Part::kRegistry]), mean(rss[Part::kEvents]),
              mean(rss[Part::kDocuments]));
}

}  // namespace

int main(int argc, char** argv) {
  std::set<std::string> phases = {"catchup", "steady", "mesh"};
  int changes = 100000, rate = 200, seconds = 60, deployments = 10, mesh_changes = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      return absl::StartsWith(a, flag) ? a.c_str() + std::strlen(flag) : nullptr;
    };
    if (const char* v = value("--phases=")) {
      phases = absl::StrSplit(v, ',');
    } else if (const char* v = value("--changes=")) {
      changes = std::atoi(v);
    } else if (const char* v = value("--rate=")) {
      rate = std::atoi(v);
    } else if (const char* v = value("--seconds=")) {
      seconds = std::atoi(v);
    } else if (const char* v = value("--deployments=")) {
      deployments = std::atoi(v);
    } else if (const char* v = value("--mesh_changes=")) {
      mesh_changes = std::atoi(v);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::printf("federation on loopback, every daemon a child process; 2 cores shared by all of them and the "
              "clients\n");
  try {
    Pair pair;
    if (phases.count("catchup")) Catchup(pair, changes);
    if (phases.count("steady")) Steady(pair, rate, seconds);
    if (phases.count("mesh")) MeshPhase(deployments, mesh_changes);
  } catch (const Failure& f) {
    std::fprintf(stderr, "federation_bench: %s\n", f.what());
    return 1;
  }
  return 0;
}
